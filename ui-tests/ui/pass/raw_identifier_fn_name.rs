//! A raw identifier fn name leaks its `r#` into the span name, the label and
//! `code.function.name` (`crux.tool.r#match`).
#![deny(warnings)]

use crux::testing::SpanDataExt;

#[crux::tool]
fn r#match(pattern: &str) -> bool {
    pattern.is_empty()
}

#[crux::flow_step]
fn r#loop() -> u32 {
    1
}

fn main() {
    let capture = crux::testing::capture();
    assert!(r#match(""));
    assert_eq!(r#loop(), 1);
    assert_eq!(capture.named("crux.tool.match").len(), 1);
    let step = capture.one("crux.flow.step");
    assert_eq!(step.str_attr("crux.step.label").as_deref(), Some("loop"));
    assert!(step
        .str_attr("code.function.name")
        .unwrap()
        .ends_with("::loop"));
}
