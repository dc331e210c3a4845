//! The narrow interface generated code calls. Not a public API: it changes with the
//! macros, which are pinned to this exact runtime version.

pub use crate::core::callsite::{CallTally, Callsite, Kind};
pub use crate::recording::guard::SpanGuard;
pub use crate::recording::instrument::{Instrumented, InstrumentedStream};
pub use crate::recording::probes::{ArgumentProbe, JudgeProbe, OutcomeProbe, ToolOutputProbe};
pub use crate::recording::probes::{
    CacheLookupProbe, EmbeddingsProbe, OutputProbe, ResponseProbe, RetrievedProbe,
};
pub use crate::recording::probes::{RequestProbe, StreamItemProbe, StreamReaders};
pub use crate::recording::start::Start;

/// The probe traits, imported with `use ::crux::__private::probes::*;` where the
/// generated code records an outcome (method resolution needs them in scope).
pub mod probes {
    pub use crate::recording::probes::{
        DebugErrorOutcome as _, DisplayErrorOutcome as _, PlainOutcome as _,
    };
    pub use crate::recording::probes::{
        DebugStreamError as _, DisplayStreamError as _, NoStreamError as _,
    };
    pub use crate::recording::probes::{DeclaredOutput as _, ResultDeclaredOutput as _};
    pub use crate::recording::probes::{
        DirectCacheLookup as _, NoCacheLookup as _, ResultCacheLookup as _,
    };
    pub use crate::recording::probes::{
        DirectEmbeddings as _, NoEmbeddings as _, ResultEmbeddings as _,
    };
    pub use crate::recording::probes::{
        DirectOutputValue as _, NoOutputValue as _, ResultOutputValue as _,
    };
    pub use crate::recording::probes::{DirectResponse as _, NoResponse as _, ResultResponse as _};
    pub use crate::recording::probes::{
        DirectRetrieved as _, NoRetrieved as _, ResultRetrieved as _,
    };
    pub use crate::recording::probes::{DirectScore as _, NoScore as _, ResultScore as _};
    pub use crate::recording::probes::{
        DirectStreamData as _, NoStreamData as _, ResultStreamData as _,
    };
    pub use crate::recording::probes::{
        DirectToolOutput as _, OpaqueToolOutput as _, ResultToolOutput as _,
    };
    pub use crate::recording::probes::{NoRequest as _, Request as _};
    pub use crate::recording::probes::{OpaqueArgument as _, SerializableArgument as _};
}

pub use serde_json;

/// A prompt field's value as text (identity parts).
pub fn prompt_text<V: crate::core::value::AttrValue + ?Sized>(value: &V) -> Option<String> {
    value.to_value().map(|v| v.as_str().into_owned())
}

/// Records a prompt field as an attribute.
pub fn push_attribute<V: crate::core::value::AttrValue + ?Sized>(
    out: &mut Vec<opentelemetry::KeyValue>,
    key: &'static str,
    value: &V,
) {
    if let Some(v) = value.to_value() {
        out.push(opentelemetry::KeyValue::new(key, v));
    }
}

/// Records a prompt field as a template variable.
pub fn push_variable<V: crate::core::value::AttrValue + ?Sized>(
    out: &mut Vec<(&'static str, opentelemetry::Value)>,
    name: &'static str,
    value: &V,
) {
    if let Some(v) = value.to_value() {
        out.push((name, v));
    }
}

/// Records a prompt field as metadata.
pub fn push_metadata<V: crate::core::value::AttrValue + ?Sized>(
    out: &mut Vec<(String, String)>,
    key: &str,
    value: &V,
) {
    if let Some(v) = value.to_value() {
        out.push((key.to_owned(), v.as_str().into_owned()));
    }
}
