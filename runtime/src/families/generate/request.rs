//! A model call's request as a fn argument: the request attributes it gives.

use crate::core::content::{Message, Part};

/// Implemented by a model client's request type so that a `#[crux::generate]` fn taking
/// it as an argument records the request attributes by itself: `gen_ai.request.model`,
/// `.temperature`, `.max_tokens`, `.top_p`, `.seed`, `.stop_sequences`,
/// `gen_ai.tool.definitions` and, with input capture, `gen_ai.input.messages` and
/// `gen_ai.system_instructions`. What the macro's own arguments say wins. Every method
/// has a default of "not set".
///
/// ```
/// struct Ask { model: String, question: String }
///
/// impl crux::ModelRequest for Ask {
///     fn request_model(&self) -> Option<&str> { Some(&self.model) }
///     fn temperature(&self) -> Option<f64> { Some(0.2) }
///     fn input_messages(&self) -> Vec<crux::Message> { vec![crux::Message::user(&*self.question)] }
/// }
///
/// #[crux::generate(provider = "openai")]
/// fn complete(request: &Ask) -> String {
///     request.question.to_uppercase()
/// }
///
/// let capture = crux::testing::capture();
/// complete(&Ask { model: "gpt-4o-mini".into(), question: "hi".into() });
/// let span = capture.one("crux.generate");
/// let model = span.attributes.iter().find(|kv| kv.key.as_str() == "gen_ai.request.model");
/// assert_eq!(model.map(|kv| kv.value.to_string()), Some("gpt-4o-mini".to_owned()));
/// ```
pub trait ModelRequest {
    /// The model asked for.
    fn request_model(&self) -> Option<&str> {
        None
    }
    /// The sampling temperature.
    fn temperature(&self) -> Option<f64> {
        None
    }
    /// The most tokens the model may produce.
    fn max_tokens(&self) -> Option<u64> {
        None
    }
    /// The nucleus sampling mass.
    fn top_p(&self) -> Option<f64> {
        None
    }
    /// The sampling seed.
    fn seed(&self) -> Option<i64> {
        None
    }
    /// The stop sequences.
    fn stop_sequences(&self) -> Vec<String> {
        Vec::new()
    }
    /// Whether the response is streamed.
    fn stream(&self) -> Option<bool> {
        None
    }
    /// The tools offered to the model, as a JSON list of their definitions.
    fn tool_definitions(&self) -> Option<serde_json::Value> {
        None
    }
    /// The conversation sent (system messages excluded; recorded only with input
    /// capture).
    fn input_messages(&self) -> Vec<Message> {
        Vec::new()
    }
    /// The system instructions sent, as parts (recorded only with input capture).
    fn system_instructions(&self) -> Vec<Part> {
        Vec::new()
    }
}

/// An optional request part (genai's `Option<&ChatOptions>`, say): its values when given.
impl<T: ModelRequest> ModelRequest for Option<T> {
    fn request_model(&self) -> Option<&str> {
        self.as_ref()?.request_model()
    }
    fn temperature(&self) -> Option<f64> {
        self.as_ref()?.temperature()
    }
    fn max_tokens(&self) -> Option<u64> {
        self.as_ref()?.max_tokens()
    }
    fn top_p(&self) -> Option<f64> {
        self.as_ref()?.top_p()
    }
    fn seed(&self) -> Option<i64> {
        self.as_ref()?.seed()
    }
    fn stop_sequences(&self) -> Vec<String> {
        self.as_ref().map(T::stop_sequences).unwrap_or_default()
    }
    fn stream(&self) -> Option<bool> {
        self.as_ref()?.stream()
    }
    fn tool_definitions(&self) -> Option<serde_json::Value> {
        self.as_ref()?.tool_definitions()
    }
    fn input_messages(&self) -> Vec<Message> {
        self.as_ref().map(T::input_messages).unwrap_or_default()
    }
    fn system_instructions(&self) -> Vec<Part> {
        self.as_ref()
            .map(T::system_instructions)
            .unwrap_or_default()
    }
}

impl<T: ModelRequest + ?Sized> ModelRequest for &T {
    fn request_model(&self) -> Option<&str> {
        (**self).request_model()
    }
    fn temperature(&self) -> Option<f64> {
        (**self).temperature()
    }
    fn max_tokens(&self) -> Option<u64> {
        (**self).max_tokens()
    }
    fn top_p(&self) -> Option<f64> {
        (**self).top_p()
    }
    fn seed(&self) -> Option<i64> {
        (**self).seed()
    }
    fn stop_sequences(&self) -> Vec<String> {
        (**self).stop_sequences()
    }
    fn stream(&self) -> Option<bool> {
        (**self).stream()
    }
    fn tool_definitions(&self) -> Option<serde_json::Value> {
        (**self).tool_definitions()
    }
    fn input_messages(&self) -> Vec<Message> {
        (**self).input_messages()
    }
    fn system_instructions(&self) -> Vec<Part> {
        (**self).system_instructions()
    }
}
