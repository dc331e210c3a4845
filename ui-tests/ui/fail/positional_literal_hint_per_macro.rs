// A bare literal is answered with each macro's main argument; a required one is not
// reported missing on top.
#[crux::judge("faithfulness")]
fn grade(answer: &str) -> f64 {
    answer.len() as f64
}

#[crux::composition("parallel")]
fn fan_out() {}

#[crux::memory("read")]
fn recall() {}

#[crux::agent("support")]
fn run() {}

#[crux::delegate("billing")]
fn hand_off() {}

#[crux::compact("context_window")]
fn compact() {}

#[crux::corpus_sync("docs")]
fn sync() {}

#[crux::use_reason("gpt-4o")]
fn reason() {}

#[crux::flow("support")]
fn support() {}

fn main() {
    grade("ok");
    fan_out();
    recall();
    run();
    hand_off();
    compact();
    sync();
    reason();
    support();
}
