#[crux::judge]
fn grade(answer: &str) -> f64 {
    answer.len() as f64
}

#[crux::judge(attributes(app.judge_model = "gpt-4o-mini"))]
fn grade_again(answer: &str) -> f64 {
    answer.len() as f64
}

fn main() {
    grade("ok");
    grade_again("ok");
}
