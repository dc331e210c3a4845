//! Delegation (`#[crux::delegate]`): work handed to a remote agent.

use crate::attributes as key;
use crate::core::attrs::AttrList;

/// The start defaults of a delegation: a generated id unless given.
pub(crate) fn start_defaults(attrs: &mut AttrList) {
    attrs.default_with(key::CRUX_DELEGATE_ID, || {
        crate::core::ids::new_id_value("delegate_")
    });
}
