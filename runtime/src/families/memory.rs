//! Memory reads and writes (`#[crux::memory(op = "read")]`).

use crate::attributes as key;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;

/// The start defaults of a memory span: its operation, from the macro's `op`.
pub(crate) fn start_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_MEMORY_OPERATION, callsite.label);
}
