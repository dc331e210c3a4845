//! Unsuffixed integer literals are passed to generic setters, so they are typed `i32`:
//! any value past `i32::MAX` is a `deny(overflowing_literals)` error, although the
//! attributes are 64-bit.
#![deny(warnings)]

use crux::testing::SpanDataExt;

#[crux::generate(model = "gpt-4o", seed = 12345678901, attributes(app.budget_tokens = 5_000_000_000))]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    let capture = crux::testing::capture();
    complete("hi");
    let span = capture.one("crux.generate");
    assert_eq!(span.i64_attr("gen_ai.request.seed"), Some(12_345_678_901));
    assert_eq!(span.i64_attr("app.budget_tokens"), Some(5_000_000_000));
}
