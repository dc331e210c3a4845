//! `system = ".."` and `messages = ".."` take string literals (the most common system
//! prompt), recorded with input capture like their expression forms.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

#[crux::generate(model = "gpt-4o", system = "Answer in one line.")]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

#[crux::generate(model = "gpt-4o-mini", system = r"Be terse.", messages = "Say hi.")]
fn greet() -> String {
    "hi".to_owned()
}

fn main() {
    let capture = crux::testing::capture_with(crux::Telemetry::builder().capture_content(true));
    assert_eq!(complete("hi"), "HI");
    assert_eq!(greet(), "hi");

    let spans = capture.named("crux.generate");
    let by_model = |model: &str| {
        spans
            .iter()
            .find(|s| s.str_attr("gen_ai.request.model").as_deref() == Some(model))
            .unwrap_or_else(|| panic!("no span for {model}"))
            .clone()
    };
    assert_eq!(
        by_model("gpt-4o")
            .str_attr("gen_ai.system_instructions")
            .as_deref(),
        Some(r#"[{"content":"Answer in one line.","type":"text"}]"#)
    );
    let greet = by_model("gpt-4o-mini");
    assert_eq!(
        greet.str_attr("gen_ai.system_instructions").as_deref(),
        Some(r#"[{"content":"Be terse.","type":"text"}]"#)
    );
    // A plain string becomes one user message, in the conventions' shape.
    assert_eq!(
        greet.str_attr("gen_ai.input.messages").as_deref(),
        Some(r#"[{"parts":[{"content":"Say hi.","type":"text"}],"role":"user"}]"#)
    );
}
