//! The narrow interface generated code calls. Not a public API: it changes with the
//! macros, which are pinned to this exact runtime version.

pub use crate::attributes as keys;
pub use crate::callsite::{Callsite, Kind};
pub use crate::outcome::OutcomeProbe;
pub use crate::recording::{Instrumented, InstrumentedStream, SpanGuard, Start};
pub use crate::response::ResponseProbe;

/// The probe traits, imported with `use ::crux::__private::probes::*;` where the
/// generated code records an outcome (method resolution needs them in scope).
pub mod probes {
    pub use crate::outcome::{DebugErrorOutcome as _, DisplayErrorOutcome as _, PlainOutcome as _};
    pub use crate::response::{DirectResponse as _, NoResponse as _, ResultResponse as _};
}
