//! A raw identifier fn name (`fn r#match`) gives `crux.tool.match`: no `r#` in the span
//! name, the label or `code.function.name`.
#![deny(warnings)]
#![deny(clippy::all)]

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
