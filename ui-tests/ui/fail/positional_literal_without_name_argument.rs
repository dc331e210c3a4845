// The positional-literal hint names the macro's own main argument: `model` for
// #[crux::generate], `label` for #[crux::flow_step] (neither has a `name`).
#[crux::generate("gpt-4o")]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

#[crux::flow_step("fetch")]
fn fetch(id: u32) -> u32 {
    id
}

fn main() {
    complete("hi");
    fetch(7);
}
