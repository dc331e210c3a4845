//! Command-line options: `--port`, `--data`, `--max-traces`, `--max-age-hours`.

use crate::store::Retention;
use std::path::PathBuf;
use std::time::Duration;

/// The default port: next to OTLP/HTTP's 4318.
pub const DEFAULT_PORT: u16 = 4319;

/// What `crux-devtools` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// How much is kept.
    pub retention: Retention,
}

/// The usage text.
pub const USAGE: &str = "\
crux-devtools: a local web view of agent traces

USAGE: crux-devtools [--port N] [--data DIR] [--max-traces N] [--max-age-hours H]

  --port N           listen on 127.0.0.1:N (default 4319); send OTLP/HTTP to /v1/traces
  --data DIR         keep the database in DIR (default: the user's data directory)
  --max-traces N     keep at most N traces, the most recently active (default 1000)
  --max-age-hours H  drop traces inactive for more than H hours (default 168; 0: never)
";

/// What the command line asked for, when it is not a run.
#[derive(Debug, PartialEq, Eq)]
pub enum ArgsError {
    /// `--help`.
    Help,
    /// A mistake, with what was wrong.
    Invalid(String),
}

impl Config {
    /// Parses the arguments after the program name.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, ArgsError> {
        let mut config = Config {
            port: DEFAULT_PORT,
            data_dir: default_data_dir(),
            retention: Retention::default(),
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
                None => (arg.clone(), None),
            };
            if flag == "--help" || flag == "-h" {
                return Err(ArgsError::Help);
            }
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| ArgsError::Invalid(format!("{flag} needs a value")))
            };
            let number = |v: String| {
                v.parse::<u64>()
                    .map_err(|_| ArgsError::Invalid(format!("{flag} takes a number, not {v:?}")))
            };
            match flag.as_str() {
                "--port" => {
                    let v = value()?;
                    config.port = v.parse().map_err(|_| {
                        ArgsError::Invalid(format!("--port takes 0-65535, not {v:?}"))
                    })?;
                }
                "--data" => config.data_dir = PathBuf::from(value()?),
                "--max-traces" => {
                    let n = number(value()?)?;
                    config.retention.max_traces = usize::try_from(n.max(1)).unwrap_or(usize::MAX);
                }
                "--max-age-hours" => {
                    let h = number(value()?)?;
                    config.retention.max_age =
                        (h > 0).then(|| Duration::from_secs(h.saturating_mul(3600)));
                }
                other => return Err(ArgsError::Invalid(format!("unknown argument {other:?}"))),
            }
        }
        Ok(config)
    }
}

/// `<the user's data directory>/crux-devtools`, else `.crux-devtools` here.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join("crux-devtools"))
        .unwrap_or_else(|| PathBuf::from(".crux-devtools"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, ArgsError> {
        Config::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_then_flags() {
        let c = parse(&[]).expect("no arguments is fine");
        assert_eq!(c.port, DEFAULT_PORT);
        assert!(c.data_dir.ends_with("crux-devtools"));
        let c = parse(&[
            "--port",
            "9000",
            "--data=/tmp/x",
            "--max-traces",
            "5",
            "--max-age-hours",
            "0",
        ])
        .expect("valid arguments");
        assert_eq!(c.port, 9000);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.retention.max_traces, 5);
        assert_eq!(c.retention.max_age, None);
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        assert_eq!(parse(&["--help"]), Err(ArgsError::Help));
        let Err(ArgsError::Invalid(e)) = parse(&["--port", "http"]) else {
            panic!("a bad port must be refused")
        };
        assert!(e.contains("--port"), "{e}");
        assert!(matches!(parse(&["--port"]), Err(ArgsError::Invalid(_))));
        assert!(matches!(parse(&["--bogus"]), Err(ArgsError::Invalid(_))));
    }
}
