//! `?` in sync and async bodies, with `Box<dyn Error>`, `std::io::Result` and an alias;
//! an `Err` becomes the span's error outcome.
#![deny(warnings)]
#![deny(clippy::all)]

use std::error::Error;
use std::fmt;
use std::io;

#[derive(Debug)]
struct AppError(String);

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "app error: {}", self.0)
    }
}

impl Error for AppError {}

impl From<std::num::ParseIntError> for AppError {
    fn from(e: std::num::ParseIntError) -> Self {
        AppError(e.to_string())
    }
}

type AppResult<T> = Result<T, AppError>;

#[crux::tool]
fn parse_boxed(text: &str) -> Result<u32, Box<dyn Error>> {
    let n: u32 = text.trim().parse()?;
    Ok(n * 2)
}

#[crux::tool]
fn read_io(ok: bool) -> io::Result<&'static str> {
    let checked = if ok {
        Ok("read")
    } else {
        Err(io::Error::other("disk on fire"))
    };
    let value = checked?;
    Ok(value)
}

#[crux::tool]
fn parse_alias(text: &str) -> AppResult<u32> {
    let n: u32 = text.parse()?;
    Ok(n + 1)
}

#[crux::flow_step]
async fn parse_boxed_async(text: &str) -> Result<u32, Box<dyn Error + Send + Sync>> {
    futures::future::ready(()).await;
    let n: u32 = text.parse()?;
    Ok(n)
}

#[crux::flow_step]
async fn read_io_async(path: &str) -> io::Result<usize> {
    futures::future::ready(()).await;
    let content = std::fs::read_to_string(path)?;
    Ok(content.len())
}

#[crux::generate(model = "gpt-4o")]
async fn parse_alias_async(text: String) -> AppResult<u32> {
    let n: u32 = futures::future::ready(text.parse()).await?;
    Ok(n)
}

#[crux::flow]
async fn chain(text: &str) -> Result<u32, Box<dyn Error + Send + Sync>> {
    let a = parse_boxed_async(text).await?;
    let b = parse_alias_async(text.to_owned()).await?;
    Ok(a + b)
}

fn main() {
    use crux::testing::SpanDataExt;
    let capture = crux::testing::capture();

    assert_eq!(parse_boxed("21").unwrap(), 42);
    assert!(parse_boxed("x").is_err());
    assert_eq!(read_io(true).unwrap(), "read");
    assert!(read_io(false).is_err());
    assert_eq!(parse_alias("1").unwrap(), 2);
    assert!(parse_alias("x").is_err());
    assert!(futures::executor::block_on(read_io_async("/definitely/not/here")).is_err());
    assert_eq!(futures::executor::block_on(chain("2")).unwrap(), 4);
    assert!(futures::executor::block_on(chain("x")).is_err());

    let io_errors: Vec<_> = capture
        .named("crux.tool.read_io")
        .into_iter()
        .filter_map(|s| s.error_description())
        .collect();
    assert_eq!(io_errors, ["disk on fire"]);
    let alias_errors = capture
        .named("crux.tool.parse_alias")
        .into_iter()
        .filter_map(|s| s.error_description())
        .count();
    assert_eq!(alias_errors, 1);
    assert_eq!(
        capture
            .named("crux.flow")
            .iter()
            .filter(|s| s.error_description().is_some())
            .count(),
        1
    );
}
