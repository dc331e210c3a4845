//! Compaction (`#[crux::compact]`): how much a history or context shrank.

use crate::attributes as key;
use crate::core::span::Span;

/// Records a compaction's ratio (size after / size before) on the current
/// `#[crux::compact]` span.
pub fn record_compaction(before: usize, after: usize) {
    if before > 0 {
        #[allow(clippy::cast_precision_loss)]
        let ratio = after as f64 / before as f64;
        Span::current().set_attribute(key::CRUX_COMPACTION_RATIO, &ratio);
    }
}
