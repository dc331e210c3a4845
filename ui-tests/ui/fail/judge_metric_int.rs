#[crux::judge(metric = 1)]
fn grade(answer: &str) -> f64 {
    answer.len() as f64
}

fn main() {
    grade("ok");
}
