//! Native `async fn` in traits, `-> impl Future + Send` in traits, and default methods
//! with bodies.
#![deny(warnings)]
#![deny(clippy::all)]

use std::future::Future;

trait Tool {
    async fn call(&self, query: &str) -> String;

    fn call_send(&self, query: &str) -> impl Future<Output = usize> + Send;

    #[crux::tool(name = "describe")]
    fn describe(&self) -> String {
        String::from("a tool")
    }

    #[crux::tool(name = "describe_async")]
    async fn describe_async(&self) -> String {
        futures::future::ready(()).await;
        self.describe()
    }
}

struct Search {
    prefix: String,
}

impl Tool for Search {
    #[crux::tool(name = "search")]
    async fn call(&self, query: &str) -> String {
        futures::future::ready(()).await;
        format!("{}{query}", self.prefix)
    }

    #[crux::tool(name = "search_send")]
    fn call_send(&self, query: &str) -> impl Future<Output = usize> + Send {
        let n = self.prefix.len() + query.len();
        async move { n }
    }
}

async fn use_generically<T: Tool>(tool: &T) -> (String, usize, String) {
    let a = tool.call("q").await;
    let b = tool.call_send("query").await;
    let c = tool.describe_async().await;
    (a, b, c)
}

fn main() {
    let capture = crux::testing::capture();

    let search = Search {
        prefix: "p:".to_owned(),
    };
    let (a, b, c) = futures::executor::block_on(use_generically(&search));
    assert_eq!(a, "p:q");
    assert_eq!(b, 7);
    assert_eq!(c, "a tool");

    let describe_async = capture.one("crux.tool.describe_async");
    let children = capture.children(&describe_async);
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].name, "crux.tool.describe");
    assert_eq!(capture.named("crux.tool.search").len(), 1);
    assert_eq!(capture.named("crux.tool.search_send").len(), 1);
}
