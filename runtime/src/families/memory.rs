//! Memory reads and writes (`#[crux::memory(op = "read")]`).

use crate::attributes as key;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;

/// The start defaults of a memory span: its operation, from the macro's `op`, and the
/// GenAI conventions' memory operation (`search_memory` for a read, `upsert_memory` for a
/// write, which may create or update).
pub(crate) fn start_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_MEMORY_OPERATION, callsite.label);
    let genai = if callsite.name.ends_with(".read") {
        "search_memory"
    } else {
        "upsert_memory"
    };
    attrs.upsert_static(key::GEN_AI_OPERATION_NAME, genai);
}
