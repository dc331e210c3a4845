//! Looking keys up in the table, checking names, and "did you mean".

use crate::{Key, KEYS, RESERVED_PREFIXES};

/// The entry for `key`: an exact key, or a template whose prefix `key` extends.
pub fn lookup(key: &str) -> Option<&'static Key> {
    KEYS.iter()
        .find(|k| !k.template && k.name == key)
        .or_else(|| {
            KEYS.iter()
                .find(|k| k.template && key.len() > k.name.len() && key.starts_with(k.name))
        })
}

/// The reserved namespace `key` falls in, if any.
pub fn reserved_prefix(key: &str) -> Option<&'static str> {
    RESERVED_PREFIXES
        .iter()
        .copied()
        .find(|p| key.starts_with(p))
}

/// Why `key` is not a valid attribute name, or `None` when it is: non-empty,
/// dot-separated segments of ASCII letters, digits and `_`, each segment non-empty.
pub fn invalid_name_reason(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return Some("an attribute name cannot be empty");
    }
    if key.len() > 255 {
        return Some("an attribute name is at most 255 characters");
    }
    for segment in key.split('.') {
        if segment.is_empty() {
            return Some("an attribute name cannot start or end with `.` or contain `..`");
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Some("an attribute name uses only ASCII letters, digits, `_`, `-` and `.`");
        }
    }
    None
}

/// Edit distance between two strings (Levenshtein, by characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let budget = (input.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(input, c), c))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The nearest known key to an unknown `key` in a reserved namespace.
pub fn nearest_key(key: &str) -> Option<&'static str> {
    did_you_mean(key, KEYS.iter().map(|k| k.name))
}

/// Why an application may not use `key` for an attribute of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Not a valid attribute name; the reason.
    InvalidName(&'static str),
    /// In a namespace crux owns (the prefix) but not in its table; the nearest known key.
    UnknownReserved {
        /// The reserved namespace.
        prefix: &'static str,
        /// The nearest key of the table, if one is close.
        nearest: Option<&'static str>,
    },
}

impl KeyError {
    /// The diagnostic for `key`.
    pub fn message(self, key: &str) -> String {
        match self {
            KeyError::InvalidName(reason) if key.is_empty() => reason.to_owned(),
            KeyError::InvalidName(reason) => {
                format!("`{key}` is not a valid attribute name: {reason}")
            }
            KeyError::UnknownReserved { prefix, nearest } => {
                let hint = nearest
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                format!("unknown attribute `{key}` in the reserved `{prefix}` namespace{hint}")
            }
        }
    }
}

/// Checks a key an application writes itself (in `attributes(..)`, on a prompt field):
/// a valid name, and in a reserved namespace only a key of the table. Returns the
/// table's entry when there is one (its value type).
pub fn check_user_key(key: &str) -> Result<Option<&'static Key>, KeyError> {
    if let Some(reason) = invalid_name_reason(key) {
        return Err(KeyError::InvalidName(reason));
    }
    let known = lookup(key);
    match (known, reserved_prefix(key)) {
        (None, Some(prefix)) => Err(KeyError::UnknownReserved {
            prefix,
            nearest: nearest_key(key),
        }),
        _ => Ok(known),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ValueType;

    #[test]
    fn every_key_is_a_valid_name_in_a_reserved_namespace() {
        for key in KEYS {
            let name = key.name.trim_end_matches('.');
            assert_eq!(invalid_name_reason(name), None, "{}", key.name);
            assert!(reserved_prefix(key.name).is_some(), "{}", key.name);
        }
    }

    #[test]
    fn keys_are_unique() {
        let mut names: Vec<_> = KEYS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn lookup_finds_exact_keys_and_templates() {
        assert_eq!(lookup("gen_ai.request.model").unwrap().ty, ValueType::Str);
        assert_eq!(
            lookup("crux.trace.metadata.accountId").unwrap().name,
            "crux.trace.metadata."
        );
        assert!(lookup("crux.trace.metadata.").is_none());
        assert!(lookup("gen_ai.request.modle").is_none());
    }

    #[test]
    fn did_you_mean_ranks_the_real_table() {
        assert_eq!(
            nearest_key("gen_ai.request.modle"),
            Some("gen_ai.request.model")
        );
        assert_eq!(
            nearest_key("gen_ai.usage.input_token"),
            Some("gen_ai.usage.input_tokens")
        );
        assert_eq!(nearest_key("crux.flow.idd"), Some("crux.flow.id"));
        assert_eq!(nearest_key("crux.tool.callid"), Some("crux.tool.call_id"));
        assert_eq!(nearest_key("gen_ai.something.else.entirely"), None);
    }

    #[test]
    fn did_you_mean_ranks_argument_names_and_choices() {
        let agent = [
            "name",
            "id",
            "session_id",
            "user_id",
            "tenant_id",
            "metadata",
            "tags",
            "parent",
            "attributes",
        ];
        assert_eq!(did_you_mean("sesion_id", agent), Some("session_id"));
        assert_eq!(did_you_mean("tag", agent), Some("tags"));
        assert_eq!(did_you_mean("target", ["id", "attributes"]), None);
        let kinds = ["parallel", "pipeline", "consensus", "swarm"];
        assert_eq!(did_you_mean("paralel", kinds), Some("parallel"));
        assert_eq!(did_you_mean("hierarchy", kinds), None);
        assert_eq!(did_you_mean("raed", ["read", "write"]), Some("read"));
        assert_eq!(
            nearest_key("gen_ai.conversation_id"),
            Some("gen_ai.conversation.id")
        );
    }

    #[test]
    fn invalid_names_are_explained() {
        assert!(invalid_name_reason("app..x").is_some());
        assert!(invalid_name_reason("app.x y").is_some());
        assert!(invalid_name_reason(".app").is_some());
        assert!(invalid_name_reason("").is_some());
        assert_eq!(invalid_name_reason("app.user_tier"), None);
    }

    #[test]
    fn user_keys_are_checked_once_for_every_caller() {
        assert_eq!(check_user_key("app.tier"), Ok(None));
        assert_eq!(
            check_user_key("gen_ai.request.model")
                .unwrap()
                .map(|k| k.ty),
            Some(ValueType::Str)
        );
        assert_eq!(
            check_user_key("gen_ai.request.modle"),
            Err(KeyError::UnknownReserved {
                prefix: "gen_ai.",
                nearest: Some("gen_ai.request.model")
            })
        );
        assert!(matches!(
            check_user_key("a..b"),
            Err(KeyError::InvalidName(_))
        ));
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
