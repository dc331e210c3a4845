//! `async fn` under every macro: the span covers the future from first poll to completion.
#![deny(warnings)]
#![deny(clippy::all)]

#[crux::flow(name = "support")]
async fn support(question: &str) -> String {
    let order = lookup(question).await;
    let answer = answer(&order).await;
    announce().await;
    answer
}

#[crux::flow_step]
async fn lookup(question: &str) -> String {
    futures::future::ready(()).await;
    format!("order for {question}")
}

#[crux::generate(provider = "anthropic", model = "claude-sonnet-4")]
async fn answer(order: &str) -> String {
    let text = futures::future::ready(order.to_uppercase()).await;
    text + "!"
}

#[crux::tool]
async fn announce() {
    futures::future::ready(()).await;
}

#[crux::tool]
async fn borrow_and_return<'a>(items: &'a [String], index: usize) -> &'a str {
    futures::future::ready(()).await;
    &items[index]
}

fn main() {
    let capture = crux::testing::capture();

    let answer = futures::executor::block_on(support("where is my parcel?"));
    assert_eq!(answer, "ORDER FOR WHERE IS MY PARCEL?!");

    let items = vec!["a".to_owned(), "b".to_owned()];
    let item = futures::executor::block_on(borrow_and_return(&items, 1));
    assert_eq!(item, "b");

    let flow = capture.one("crux.flow");
    let children: Vec<_> = capture
        .children(&flow)
        .into_iter()
        .map(|s| s.name.to_string())
        .collect();
    assert_eq!(
        children,
        ["crux.flow.step", "crux.generate", "crux.tool.announce"]
    );
    assert_eq!(capture.named("crux.tool.borrow_and_return").len(), 1);
}
