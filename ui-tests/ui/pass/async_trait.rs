//! Methods of an `#[async_trait]` impl: crux sees the `Box::pin(async move { .. })` body
//! async-trait produces and instruments the inner block.
#![deny(warnings)]
#![deny(clippy::all)]

use async_trait::async_trait;

#[async_trait]
trait Tool {
    async fn call(&self, query: &str) -> String;
    async fn call_mut(&mut self, query: String) -> usize;
    async fn consume(self) -> String
    where
        Self: Sized;
}

#[async_trait(?Send)]
trait LocalTool {
    async fn call_local(&self, query: &str) -> usize;
}

#[crux::tool]
async fn inner(query: &str) -> usize {
    futures::future::ready(()).await;
    query.len()
}

struct Search {
    calls: usize,
}

#[async_trait]
impl Tool for Search {
    #[crux::tool(name = "search", call_id = query)]
    async fn call(&self, query: &str) -> String {
        let n = inner(query).await;
        format!("{query}:{n}")
    }

    #[crux::flow_step(label = "call_mut", attempt = self.calls)]
    async fn call_mut(&mut self, query: String) -> usize {
        self.calls += 1;
        inner(&query).await + self.calls
    }

    #[crux::generate(model = "gpt-4o")]
    async fn consume(self) -> String {
        futures::future::ready(()).await;
        format!("{} calls", self.calls)
    }
}

#[async_trait(?Send)]
impl LocalTool for Search {
    #[crux::tool(name = "local")]
    async fn call_local(&self, query: &str) -> usize {
        let rc = std::rc::Rc::new(query.len());
        futures::future::ready(()).await;
        *rc + self.calls
    }
}

fn main() {
    use crux::testing::SpanDataExt;
    let capture = crux::testing::capture();

    let mut search = Search { calls: 0 };
    assert_eq!(futures::executor::block_on(search.call("rust")), "rust:4");
    assert_eq!(
        futures::executor::block_on(search.call_mut("ab".to_owned())),
        3
    );
    assert_eq!(futures::executor::block_on(search.call_local("abc")), 4);
    assert_eq!(futures::executor::block_on(search.consume()), "1 calls");

    let tool = capture.one("crux.tool.search");
    assert_eq!(tool.str_attr("crux.tool.call_id").as_deref(), Some("rust"));
    let children = capture.children(&tool);
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].name, "crux.tool.inner");

    let step = capture.one("crux.flow.step");
    assert_eq!(step.i64_attr("crux.step.attempt"), Some(0));
    assert_eq!(capture.children(&step).len(), 1);
    assert_eq!(capture.named("crux.tool.local").len(), 1);
    assert_eq!(capture.named("crux.generate").len(), 1);
}
