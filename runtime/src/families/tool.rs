//! Tools (`#[crux::tool]`): the tool's identity and call id, its place in the tool loop
//! of an enclosing `use_reason`, its output metadata, and approvals.
//!
//! What a tool shows the model: tools often return more than the model needs (a full
//! record, a long document) and hand the model a shorter version. Implementing
//! [`ToolOutput`] declares both; crux records the shape and the two sizes, and the
//! savings estimate — never the content.

use crate::attributes as key;
use crate::core::attrs::{AttrList, Defaults};
use crate::core::callsite::Callsite;
use crate::core::content::{self, CaptureContent};
use crate::core::metrics::Metrics;
use crate::core::recorder::LeftEnd;
use crate::core::span::Span;
use crate::families::reason::{ReasonScope, ToolCall};
use opentelemetry::{Context, StringValue, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// The shape of what a tool returned, as `crux.tool.model_output.type` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutputKind {
    Text,
    Json,
    Content,
    ErrorText,
    ErrorJson,
    ExecutionDenied,
}

impl OutputKind {
    fn as_str(self) -> &'static str {
        match self {
            OutputKind::Text => "text",
            OutputKind::Json => "json",
            OutputKind::Content => "content",
            OutputKind::ErrorText => "error-text",
            OutputKind::ErrorJson => "error-json",
            OutputKind::ExecutionDenied => "execution-denied",
        }
    }

    /// A declared error output says more than the generic error text of an `Err`.
    fn is_error(self) -> bool {
        matches!(self, OutputKind::ErrorText | OutputKind::ErrorJson)
    }
}

/// What the model is shown of a tool's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelOutput {
    kind: OutputKind,
    size: usize,
}

impl ModelOutput {
    /// Text of `chars` characters.
    pub fn text(text: &str) -> ModelOutput {
        ModelOutput {
            kind: OutputKind::Text,
            size: text.chars().count(),
        }
    }
    /// JSON (the size of its text).
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> ModelOutput {
        let size = content::measure(value).map_or(0, |(_, n)| n);
        ModelOutput {
            kind: OutputKind::Json,
            size,
        }
    }
    /// Structured content parts of `size` characters in all.
    pub fn content(size: usize) -> ModelOutput {
        ModelOutput {
            kind: OutputKind::Content,
            size,
        }
    }
    /// An error shown as text.
    pub fn error_text(text: &str) -> ModelOutput {
        ModelOutput {
            kind: OutputKind::ErrorText,
            size: text.chars().count(),
        }
    }
    /// An error shown as JSON.
    pub fn error_json<T: serde::Serialize + ?Sized>(value: &T) -> ModelOutput {
        let size = content::measure(value).map_or(0, |(_, n)| n);
        ModelOutput {
            kind: OutputKind::ErrorJson,
            size,
        }
    }
    /// The call was not executed (a denied approval).
    pub fn execution_denied() -> ModelOutput {
        ModelOutput {
            kind: OutputKind::ExecutionDenied,
            size: 0,
        }
    }
}

/// A tool output that knows its raw size and what the model is shown.
///
/// ```
/// struct Page { html: String, summary: String }
///
/// impl crux::ToolOutput for Page {
///     fn output_size(&self) -> usize { self.html.chars().count() }
///     fn model_output(&self) -> crux::ModelOutput { crux::ModelOutput::text(&self.summary) }
/// }
///
/// #[crux::tool]
/// fn fetch_page(url: &str) -> Page {
///     Page { html: "<html>...</html>".repeat(100), summary: format!("{url}: a teapot shop") }
/// }
/// # let _c = crux::testing::capture();
/// fetch_page("https://example.com");
/// ```
pub trait ToolOutput {
    /// Characters of the raw output.
    fn output_size(&self) -> usize;
    /// What the model is shown.
    fn model_output(&self) -> ModelOutput;
}

/// What one tool call recorded while it ran: set by the output probe, read at the end.
#[derive(Debug, Default)]
pub(crate) struct ToolState {
    /// Its place in the tool loop of an enclosing `use_reason`.
    call: Option<ToolCall>,
    /// The first output recorded (a lock, not a `OnceLock`: it is set once per call,
    /// where a `OnceLock`'s first set costs more than taking a free lock).
    output: Mutex<Option<RecordedOutput>>,
    /// Characters of the error message, the size of an `Err` output.
    error_chars: AtomicUsize,
    /// The tool's callsite and name, kept when the call is counted in the metrics (the
    /// attribute's value itself: a literal name is not copied).
    metered: Option<(&'static Callsite, StringValue)>,
    /// The span left its start defaults to the export: its end values may go there too.
    end_at_export: bool,
}

#[derive(Debug)]
struct RecordedOutput {
    kind: OutputKind,
    size: usize,
    /// What the model is shown; the whole output unless declared.
    model_size: usize,
    /// The output itself, only with output capture.
    result: Option<String>,
}

/// The start defaults of a tool span: its name, a generated call id unless given, the
/// GenAI operation and tool keys, and the doc comment as the description.
/// `id_at_export`: the generated id may be left to the export thread (nothing reads the
/// span's attributes before its export: see [`crate::core::ids::call_id_at_export`]).
pub(crate) fn start_defaults(callsite: &Callsite, attrs: &mut Defaults<'_>, id_at_export: bool) {
    attrs.set_static(key::CRUX_TOOL_NAME, callsite.label);
    attrs.default_with(key::CRUX_TOOL_CALL_ID, || match id_at_export {
        true => crate::core::ids::call_id_at_export(),
        false => crate::core::ids::new_id_value("call_"),
    });
    attrs.set_static(key::GEN_AI_OPERATION_NAME, "execute_tool");
    attrs.set_static(key::GEN_AI_TOOL_NAME, callsite.label);
    attrs.mirror(key::CRUX_TOOL_CALL_ID, key::GEN_AI_TOOL_CALL_ID);
    attrs.set_static(key::GEN_AI_TOOL_TYPE, "function");
    if let Some(doc) = callsite.doc {
        attrs.default_static(key::GEN_AI_TOOL_DESCRIPTION, doc);
    }
}

/// Opens the tool call: inside a `use_reason` it becomes a call of the tool loop.
/// `left_defaults`: the span left its start defaults to the export.
pub(crate) fn open(
    callsite: &'static Callsite,
    attrs: &AttrList,
    parent: &Context,
    metered: bool,
    left_defaults: bool,
) -> ToolState {
    let call = parent.get::<ReasonScope>().map(|reason| {
        let text = |k: &str| attrs.text(k).unwrap_or_default();
        reason.tool_started(
            &text(key::GEN_AI_TOOL_NAME),
            &text(key::GEN_AI_TOOL_CALL_ID),
        )
    });
    ToolState {
        call,
        metered: metered.then(|| {
            // Absent when the tool's defaults wait for the export: the name is the label.
            let name = match attrs.get(key::GEN_AI_TOOL_NAME) {
                Some(Value::String(name)) => name.clone(),
                Some(other) => StringValue::from(other.as_str().into_owned()),
                None => StringValue::from(callsite.label),
            };
            (callsite, name)
        }),
        end_at_export: left_defaults,
        ..ToolState::default()
    }
}

/// The GenAI span name: `execute_tool {name}`.
pub(crate) fn genai_name(callsite: &Callsite) -> String {
    format!("execute_tool {}", callsite.label)
}

impl ToolState {
    /// Records a successful output: its privacy-safe metadata always, the value itself
    /// (`gen_ai.tool.call.result`) only with output capture.
    pub(crate) fn record_output<T: serde::Serialize + ?Sized>(
        &self,
        span: &Context,
        output: &T,
        capture: CaptureContent,
        cap: usize,
    ) {
        // The shape and size are measured without building the JSON; the value itself
        // is serialized only when output capture is on.
        let Some((shape, size)) = content::measure(output) else {
            return;
        };
        let captured = capture
            .output
            .then(|| content::capped_json(output, cap))
            .flatten();
        let result = captured.map(|fitted| {
            if fitted.cut {
                Span::from_context(span.clone()).set_attribute(key::CRUX_TRUNCATED, &true);
            }
            fitted.text
        });
        let kind = if shape == "text" {
            OutputKind::Text
        } else {
            OutputKind::Json
        };
        self.set_output(RecordedOutput {
            kind,
            size,
            model_size: size,
            result,
        });
    }

    /// Records a declared output: the raw output's size and what the model sees.
    pub(crate) fn record_model_output(&self, output_size: usize, model: &ModelOutput) {
        self.set_output(RecordedOutput {
            kind: model.kind,
            size: output_size,
            model_size: model.size,
            result: None,
        });
    }

    /// Keeps `output` unless one was recorded already.
    fn set_output(&self, output: RecordedOutput) {
        self.output
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(output);
    }

    /// The tool failed with `message`.
    pub(crate) fn record_error(&self, message: &str) {
        self.error_chars
            .store(message.chars().count(), Ordering::Relaxed);
    }

    /// The end attributes (`crux.tool.model_output.type`, the sizes, the savings
    /// estimate, the captured result), the end of its tool-loop call, and the call counted
    /// in `metrics` (the instruments of the pipeline it started in). Without a captured
    /// result, a span that left its defaults to the export leaves these there too: they
    /// are returned, for [`write_end`].
    pub(crate) fn end(
        &self,
        end: &mut AttrList,
        returned: bool,
        errored: bool,
        error_type: Option<&str>,
        metrics: Option<&Metrics>,
    ) -> Option<LeftEnd> {
        if let Some(call) = &self.call {
            call.finished(returned, errored);
        }
        if let (Some((site, name)), Some(metrics)) = (&self.metered, metrics) {
            metrics.tool_call(site, name.as_str(), error_type);
        }
        let output = self
            .output
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let (kind, size, model_size) = match &output {
            Some(out) if out.kind.is_error() || !errored => (out.kind, out.size, out.model_size),
            _ if errored => {
                let chars = self.error_chars.load(Ordering::Relaxed);
                (OutputKind::ErrorText, chars, chars)
            }
            _ => return None,
        };
        let values = LeftEnd {
            text: kind.as_str(),
            counts: [size, model_size],
        };
        match output.and_then(|o| o.result) {
            None if self.end_at_export => return Some(values),
            None => write_end(values, end),
            Some(result) => {
                write_end(values, end);
                end.push(key::GEN_AI_TOOL_CALL_RESULT, result);
            }
        }
        None
    }
}

/// Writes a tool's end values as its attributes: the model output's type, the two
/// sizes and the savings estimate (what [`ToolState::end`] returns, or writes itself).
pub(crate) fn write_end(values: LeftEnd, end: &mut AttrList) {
    let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let [size, model_size] = values.counts;
    end.push(key::CRUX_TOOL_MODEL_OUTPUT_TYPE, values.text);
    end.push(key::CRUX_TOOL_OUTPUT_SIZE, as_i64(size));
    end.push(key::CRUX_TOOL_MODEL_OUTPUT_SIZE, as_i64(model_size));
    end.push(
        key::CRUX_TOOL_TOKEN_SAVINGS_ESTIMATE,
        as_i64(size.saturating_sub(model_size)),
    );
}

/// Tool approvals: a request and the human's decision, as instant spans.
pub mod approval {
    use crate::attributes as key;
    use crate::attributes::spans;
    use opentelemetry::{Context, KeyValue};

    /// A tool call waits for approval: `crux.tool.approval.request`.
    pub fn request(tool: &str, call_id: &str, approval_id: &str) {
        if crate::core::pipeline::enabled() {
            crate::core::pipeline::instant(
                &Context::current(),
                spans::TOOL_APPROVAL_REQUEST,
                vec![
                    KeyValue::new(key::CRUX_TOOL_NAME, tool.to_owned()),
                    KeyValue::new(key::CRUX_TOOL_CALL_ID, call_id.to_owned()),
                    KeyValue::new(key::CRUX_TOOL_APPROVAL_ID, approval_id.to_owned()),
                ],
            );
        }
    }

    /// The decision: `crux.tool.approval.decision`.
    pub fn decision(approval_id: &str, approved: bool, tool: Option<&str>, call_id: Option<&str>) {
        if !crate::core::pipeline::enabled() {
            return;
        }
        let mut attrs = vec![
            KeyValue::new(key::CRUX_TOOL_APPROVAL_ID, approval_id.to_owned()),
            KeyValue::new(key::CRUX_TOOL_APPROVAL_APPROVED, approved),
        ];
        if let Some(tool) = tool {
            attrs.push(KeyValue::new(key::CRUX_TOOL_NAME, tool.to_owned()));
        }
        if let Some(call_id) = call_id {
            attrs.push(KeyValue::new(key::CRUX_TOOL_CALL_ID, call_id.to_owned()));
        }
        crate::core::pipeline::instant(&Context::current(), spans::TOOL_APPROVAL_DECISION, attrs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::attrs::with_inherited;
    use crate::core::callsite::Kind;
    use opentelemetry::KeyValue;

    /// A tool's start defaults, filled as with `given` arguments, under a run whose
    /// whole identity its spans inherit.
    fn defaults(given: bool) -> AttrList {
        static SITE: Callsite = Callsite {
            kind: Kind::Tool,
            name: "crux.tool.lookup",
            label: "lookup",
            doc: Some("Looks a thing up."),
            function: "tests::lookup",
            file: "tool.rs",
            line: 1,
            calls: crate::core::callsite::CallTally::new(),
        };
        let mut identity: Vec<KeyValue> = crate::families::run::IDENTITY
            .iter()
            .map(|k| KeyValue::new(*k, "run"))
            .collect();
        identity.push(KeyValue::new(
            format!("{}team", key::CRUX_TRACE_METADATA),
            "run",
        ));
        let parent = with_inherited(Context::new(), identity);
        let mut list = AttrList::default();
        list.inherit(&parent);
        start_defaults(&SITE, &mut Defaults::new(&mut list, given), false);
        list
    }

    #[test]
    fn defaults_pushed_without_a_search_are_the_ones_searched_for() {
        let pushed = defaults(false);
        let searched = defaults(true);
        let keys =
            |list: &AttrList| -> Vec<String> { list.iter().map(|kv| kv.key.to_string()).collect() };
        assert_eq!(keys(&pushed), keys(&searched));
        let id = |list: &AttrList| list.text(key::CRUX_TOOL_CALL_ID);
        assert!(id(&pushed).is_some_and(|id| id.starts_with("call_")));
        assert_eq!(
            pushed.get(key::GEN_AI_TOOL_CALL_ID),
            pushed.get(key::CRUX_TOOL_CALL_ID)
        );
        // The call ids differ (each list made its own); every other value is the same.
        let without_ids = |list: &AttrList| -> Vec<KeyValue> {
            list.iter()
                .filter(|kv| {
                    ![key::CRUX_TOOL_CALL_ID, key::GEN_AI_TOOL_CALL_ID].contains(&kv.key.as_str())
                })
                .cloned()
                .collect()
        };
        assert_eq!(without_ids(&pushed), without_ids(&searched));
        let mut distinct = keys(&pushed);
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), pushed.iter().count(), "no key twice");
    }
}
