#[crux::validation_retry(max_attempts = 2.5)]
fn validate() -> Result<(), String> {
    Ok(())
}

fn main() {
    validate().unwrap();
}
