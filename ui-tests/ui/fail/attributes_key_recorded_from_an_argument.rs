// Keys the runtime records from an argument are rejected in `attributes(..)`, with the
// argument to use instead.
#[crux::generate(provider = "openai", attributes(gen_ai.system = "openai"))]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

#[crux::agent(name = "support", attributes(gen_ai.conversation.id = "chat-1", crux.trace.tags = ["vip"]))]
fn run() {}

#[crux::flow(attributes(gen_ai.workflow.name = "support"))]
fn support() {}

#[crux::composition(kind = "parallel", attributes(crux.composition.kind = "swarm"))]
fn fan_out() {}

#[crux::memory(op = "read", attributes(crux.memory.namespace_hash = "93332d7b"))]
fn recall() {}

#[crux::use_reason(attributes(crux.reason.operation = "triage", crux.prompt.name = "triage"))]
fn reason() {}

fn main() {
    complete("hi");
    run();
    support();
    fan_out();
    recall();
    reason();
}
