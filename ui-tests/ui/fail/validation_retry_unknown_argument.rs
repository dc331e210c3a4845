#[crux::validation_retry(max_attempt = 3)]
fn validate() -> Result<(), String> {
    Ok(())
}

fn main() {
    validate().unwrap();
}
