//! `system` is a runtime argument, and runtime arguments reject every literal ("`system`
//! takes an expression, not a literal"), although a string literal is the most common
//! system prompt and `system = SYSTEM` (a `const &str`) is accepted.
#![deny(warnings)]

#[crux::generate(model = "gpt-4o", system = "Answer in one line.")]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    assert_eq!(complete("hi"), "HI");
}
