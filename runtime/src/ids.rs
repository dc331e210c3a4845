//! Identifiers crux generates (flow, step, run and tool-call ids).
//!
//! A per-thread xorshift generator seeded from the process's random hasher keys:
//! unique enough to tell runs apart, cheap enough for the hot path, not secret.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish() | 1
}

/// 64 random bits.
pub(crate) fn next_u64() -> u64 {
    STATE.with(|s| {
        // xorshift64*
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A new id: `prefix` followed by 16 lowercase hex digits.
pub(crate) fn new_id(prefix: &str) -> String {
    use std::fmt::Write;
    let mut id = String::with_capacity(prefix.len() + 16);
    id.push_str(prefix);
    let _ = write!(id, "{:016x}", next_u64());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let a = new_id("flow_");
        let b = new_id("flow_");
        assert!(a.starts_with("flow_") && a.len() == 21);
        assert_ne!(a, b);
    }

    #[test]
    fn threads_get_different_sequences() {
        let here = new_id("");
        let there = std::thread::spawn(|| new_id("")).join().unwrap();
        assert_ne!(here, there);
    }
}
