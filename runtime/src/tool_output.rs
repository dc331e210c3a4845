//! What a tool shows the model: tools often return more than the model needs (a full
//! record, a long document) and hand the model a shorter version. Implementing
//! [`ToolOutput`] declares both; crux records the shape and the two sizes, and the
//! savings estimate — never the content.

/// What the model is shown of a tool's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelOutput {
    kind: u8,
    size: usize,
}

const KINDS: [&str; 7] = [
    "",
    "text",
    "json",
    "content",
    "error-text",
    "error-json",
    "execution-denied",
];

pub(crate) fn kind_name(code: u8) -> &'static str {
    KINDS.get(usize::from(code)).copied().unwrap_or("")
}

impl ModelOutput {
    /// Text of `chars` characters.
    pub fn text(text: &str) -> ModelOutput {
        ModelOutput {
            kind: 1,
            size: text.chars().count(),
        }
    }
    /// JSON (the size of its text).
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> ModelOutput {
        let size = crate::content::measure(value).map_or(0, |(_, n)| n);
        ModelOutput { kind: 2, size }
    }
    /// Structured content parts of `size` characters in all.
    pub fn content(size: usize) -> ModelOutput {
        ModelOutput { kind: 3, size }
    }
    /// An error shown as text.
    pub fn error_text(text: &str) -> ModelOutput {
        ModelOutput {
            kind: 4,
            size: text.chars().count(),
        }
    }
    /// An error shown as JSON.
    pub fn error_json<T: serde::Serialize + ?Sized>(value: &T) -> ModelOutput {
        let size = crate::content::measure(value).map_or(0, |(_, n)| n);
        ModelOutput { kind: 5, size }
    }
    /// The call was not executed (a denied approval).
    pub fn execution_denied() -> ModelOutput {
        ModelOutput { kind: 6, size: 0 }
    }
    pub(crate) fn size(&self) -> usize {
        self.size
    }
    pub(crate) fn kind_code(&self) -> u8 {
        self.kind
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
