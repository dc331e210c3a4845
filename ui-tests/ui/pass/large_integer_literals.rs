//! Unsuffixed integer literals past `i32::MAX` are recorded as the 64-bit attributes
//! they are (the macro types them `i64`, or `f64` for a number), not rejected as
//! `overflowing_literals`.
#![deny(warnings)]
#![deny(clippy::all)]

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
