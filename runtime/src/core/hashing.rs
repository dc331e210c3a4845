//! Hashed identifiers (`*_hash` attributes): namespaces and source ids are recorded as
//! hashes, never as themselves.
//!
//! By default 32-bit FNV-1a over the UTF-16 code units, 8 lowercase hex digits — the same
//! value Crux's TypeScript package produces, so mixed fleets group together. FNV is
//! pseudonymisation, not protection (a short namespace can be guessed and checked); with
//! a hashing key configured ([`crate::TelemetryBuilder::hashing_key`]) crux uses
//! HMAC-SHA-256 instead, and the value says so with an `hmac:` prefix.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// 32-bit FNV-1a over the UTF-16 code units of `text`, as 8 lowercase hex digits.
///
/// ```
/// assert_eq!(crux::hashing::fnv1a("tenant-a"), "93332d7b");
/// assert_eq!(crux::hashing::fnv1a("😀"), "cb31c4b8");
/// ```
pub fn fnv1a(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for unit in text.encode_utf16() {
        hash ^= u32::from(unit);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// HMAC-SHA-256 of `text` under `key`: `hmac:` and the first 32 hex digits.
pub fn keyed(key: &[u8], text: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(text.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("hmac:{hex}")
}

/// The identifier hash the installed pipeline uses.
pub(crate) fn identifier(text: &str) -> String {
    match crate::core::pipeline::load()
        .options()
        .hashing_key
        .as_deref()
    {
        Some(key) => keyed(key, text),
        None => fnv1a(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_typescript_package() {
        for (input, expected) in [
            ("", "811c9dc5"),
            ("a", "e40c292c"),
            ("tenant-a", "93332d7b"),
            ("é", "6c0b6c44"),
            ("😀", "cb31c4b8"),
            ("private/path/guide.md", "5ac99160"),
            ("/outputs/private-report.pdf", "09699a15"),
        ] {
            assert_eq!(fnv1a(input), expected, "{input:?}");
        }
    }

    #[test]
    fn keyed_hashes_depend_on_the_key_and_say_so() {
        let a = keyed(b"key-1", "tenant-a");
        assert!(a.starts_with("hmac:") && a.len() == 5 + 32, "{a}");
        assert_ne!(a, keyed(b"key-2", "tenant-a"));
        assert_eq!(a, keyed(b"key-1", "tenant-a"));
        // RFC 4231 test case 2: HMAC-SHA-256("Jefe", "what do ya want for nothing?").
        assert_eq!(
            keyed(b"Jefe", "what do ya want for nothing?"),
            "hmac:5bdcc146bf60754e6a042426089575c7"
        );
    }
}
