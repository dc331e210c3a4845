//! The futures of annotated async functions and trait methods are `Send` when their
//! bodies are, so they can be spawned on a multi-threaded runtime.
#![deny(warnings)]
#![deny(clippy::all)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

fn assert_send<T: Send>(_: &T) {}

#[crux::tool]
async fn free(query: String) -> usize {
    tokio::task::yield_now().await;
    query.len()
}

#[crux::flow(name = "borrowing")]
async fn borrowing(query: &str) -> usize {
    tokio::task::yield_now().await;
    query.len()
}

#[crux::flow_step]
fn impl_future(n: u32) -> impl Future<Output = u32> + Send {
    async move {
        tokio::task::yield_now().await;
        n
    }
}

#[crux::generate(model = "gpt-4o")]
fn boxed(n: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move {
        tokio::task::yield_now().await;
        n
    })
}

trait Native {
    async fn run(&self, n: u32) -> u32;
    fn run_send(&self, n: u32) -> impl Future<Output = u32> + Send;
}

#[async_trait::async_trait]
trait Boxed {
    async fn run_boxed(&self, n: u32) -> u32;
}

struct Agent {
    offset: u32,
}

impl Native for Agent {
    #[crux::tool]
    async fn run(&self, n: u32) -> u32 {
        tokio::task::yield_now().await;
        n + self.offset
    }

    #[crux::tool]
    fn run_send(&self, n: u32) -> impl Future<Output = u32> + Send {
        let offset = self.offset;
        async move {
            tokio::task::yield_now().await;
            n + offset
        }
    }
}

#[async_trait::async_trait]
impl Boxed for Agent {
    #[crux::tool]
    async fn run_boxed(&self, n: u32) -> u32 {
        tokio::task::yield_now().await;
        n + self.offset
    }
}

#[tokio::main]
async fn main() {
    let capture = crux::testing::capture();

    let query = String::from("rust");
    let agent = Arc::new(Agent { offset: 1 });

    let f = free(query.clone());
    assert_send(&f);
    assert_eq!(tokio::spawn(f).await.unwrap(), 4);

    let f = borrowing(&query);
    assert_send(&f);
    assert_eq!(f.await, 4);

    let f = impl_future(2);
    assert_send(&f);
    assert_eq!(tokio::spawn(f).await.unwrap(), 2);

    let f = boxed(3);
    assert_send(&f);
    assert_eq!(tokio::spawn(f).await.unwrap(), 3);

    let f = agent.run(1);
    assert_send(&f);
    assert_eq!(f.await, 2);
    let spawned = Arc::clone(&agent);
    assert_eq!(
        tokio::spawn(async move { spawned.run(2).await })
            .await
            .unwrap(),
        3
    );

    let f = agent.run_send(3);
    assert_send(&f);
    assert_eq!(f.await, 4);
    let spawned = Arc::clone(&agent);
    assert_eq!(
        tokio::spawn(async move { spawned.run_send(4).await })
            .await
            .unwrap(),
        5
    );

    let f = agent.run_boxed(4);
    assert_send(&f);
    assert_eq!(f.await, 5);

    assert_eq!(capture.spans().len(), 9);
}
