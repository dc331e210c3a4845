//! Reading configuration variables: unset or blank means "not set"; anything else must
//! parse, or install fails with an error naming the variable and its value.

use std::time::Duration;

/// The value of `var`, trimmed; `None` when unset or blank.
pub(crate) fn value(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `var` as a whole number of at least `min`.
pub(crate) fn number(var: &str, min: u64) -> Result<Option<u64>, String> {
    let Some(raw) = value(var) else {
        return Ok(None);
    };
    match raw.parse::<u64>() {
        Ok(n) if n >= min => Ok(Some(n)),
        _ => Err(format!(
            "{var}={raw} is not a whole number of at least {min}"
        )),
    }
}

/// `var` as milliseconds, at least `min_ms`.
pub(crate) fn millis(var: &str, min_ms: u64) -> Result<Option<Duration>, String> {
    number(var, min_ms)
        .map(|n| n.map(Duration::from_millis))
        .map_err(|e| format!("{e} (milliseconds)"))
}

/// The first of `vars` that is set, with its name.
pub(crate) fn first(vars: &[&'static str]) -> Option<(&'static str, String)> {
    vars.iter().find_map(|var| value(var).map(|v| (*var, v)))
}
