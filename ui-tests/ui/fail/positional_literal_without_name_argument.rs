// The positional-literal hint always says `name = ..`, an argument that
// #[crux::generate] and #[crux::flow_step] do not have.
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
