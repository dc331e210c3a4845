//! `impl Trait` in argument and return position.
#![deny(warnings)]
#![deny(clippy::all)]

use std::fmt::Display;

#[crux::tool]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[crux::tool]
fn join(items: impl IntoIterator<Item = impl Display>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[crux::tool]
fn borrowed_iter(items: &[u32]) -> impl Iterator<Item = &u32> + '_ {
    items.iter().rev()
}

#[crux::flow_step]
fn parsed(text: &str) -> Result<impl Iterator<Item = u32>, std::num::ParseIntError> {
    let limit: u32 = text.parse()?;
    Ok(0..limit)
}

#[crux::tool]
fn make_adder(n: u32) -> impl Fn(u32) -> u32 {
    move |x| x + n
}

#[crux::generate(model = "gpt-4o")]
async fn shout(text: impl Display + Send) -> impl Display {
    futures::future::ready(()).await;
    format!("{text}!")
}

fn main() {
    let capture = crux::testing::capture();

    assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
    assert_eq!(join([1, 2, 3]), "1,2,3");
    assert_eq!(borrowed_iter(&[1, 2]).copied().collect::<Vec<_>>(), [2, 1]);
    assert_eq!(parsed("3").map(Iterator::count), Ok(3));
    assert!(parsed("x").is_err());
    assert_eq!(make_adder(2)(3), 5);
    assert_eq!(
        futures::executor::block_on(shout("hey")).to_string(),
        "hey!"
    );

    assert_eq!(capture.spans().len(), 7);
}
