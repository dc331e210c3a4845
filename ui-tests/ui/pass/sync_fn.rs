//! Plain (synchronous) functions under every macro: the span covers the call.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

/// Counts the characters of a query.
///
/// The first doc line becomes the tool's description.
#[crux::tool]
fn count(query: &str) -> usize {
    query.chars().count()
}

#[crux::tool(name = "noop")]
fn noop() {}

#[crux::flow]
fn support(question: &str) -> usize {
    let words = step(question);
    let chars = count(question);
    noop();
    words + chars
}

#[crux::flow_step]
fn step(question: &str) -> usize {
    question.split_whitespace().count()
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
fn complete(mut prompt: String) -> String {
    prompt.push_str(" -> ok");
    prompt
}

#[crux::tool]
fn with_inner_items(n: u32) -> u32 {
    const OFFSET: u32 = 2;
    fn double(n: u32) -> u32 {
        n * 2
    }
    double(n) + OFFSET
}

#[crux::tool]
#[must_use]
#[inline]
pub(crate) fn with_other_attributes(n: u32) -> u32 {
    n + 1
}

fn main() {
    let capture = crux::testing::capture();

    assert_eq!(support("where is my parcel"), 4 + 18);
    assert_eq!(complete("hi".to_owned()), "hi -> ok");
    assert_eq!(with_inner_items(3), 8);
    assert_eq!(with_other_attributes(1), 2);

    let flow = capture.one("crux.flow");
    let children: Vec<_> = capture
        .children(&flow)
        .into_iter()
        .map(|s| s.name.to_string())
        .collect();
    assert_eq!(
        children,
        ["crux.flow.step", "crux.tool.count", "crux.tool.noop"]
    );
    assert_eq!(
        capture
            .one("crux.tool.count")
            .str_attr("gen_ai.tool.description")
            .as_deref(),
        Some("Counts the characters of a query.")
    );
    assert_eq!(
        capture
            .one("crux.generate")
            .str_attr("gen_ai.request.model")
            .as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(capture.named("crux.tool.with_inner_items").len(), 1);
    assert_eq!(capture.named("crux.tool.with_other_attributes").len(), 1);
}
