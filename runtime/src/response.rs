//! What a model call returns: token usage, the answering model, finish reasons, cost.

use crate::recording::SpanGuard;
use crate::span::Span;

/// Token usage of one model call (or the sum of several).
///
/// ```
/// let usage = crux::Usage::new(1200, 300).with_cache_read(800);
/// let total = usage + crux::Usage::new(10, 5);
/// assert_eq!(total.input_tokens, 1210);
/// assert_eq!(total.cache_read_input_tokens, Some(800));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// Input tokens, cached ones included.
    pub input_tokens: u64,
    /// Output tokens, reasoning ones included.
    pub output_tokens: u64,
    /// Output tokens spent reasoning.
    pub reasoning_output_tokens: Option<u64>,
    /// Input tokens read from the provider's prompt cache.
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the provider's prompt cache.
    pub cache_creation_input_tokens: Option<u64>,
}

impl Usage {
    /// Usage with input and output token counts.
    pub const fn new(input_tokens: u64, output_tokens: u64) -> Usage {
        Usage {
            input_tokens,
            output_tokens,
            reasoning_output_tokens: None,
            cache_read_input_tokens: None,
            cache_creation_input_tokens: None,
        }
    }

    /// Sets the reasoning output tokens.
    pub const fn with_reasoning(mut self, tokens: u64) -> Usage {
        self.reasoning_output_tokens = Some(tokens);
        self
    }

    /// Sets the input tokens read from cache.
    pub const fn with_cache_read(mut self, tokens: u64) -> Usage {
        self.cache_read_input_tokens = Some(tokens);
        self
    }

    /// Sets the input tokens written to cache.
    pub const fn with_cache_creation(mut self, tokens: u64) -> Usage {
        self.cache_creation_input_tokens = Some(tokens);
        self
    }
}

fn add_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, rhs: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens + rhs.input_tokens,
            output_tokens: self.output_tokens + rhs.output_tokens,
            reasoning_output_tokens: add_opt(
                self.reasoning_output_tokens,
                rhs.reasoning_output_tokens,
            ),
            cache_read_input_tokens: add_opt(
                self.cache_read_input_tokens,
                rhs.cache_read_input_tokens,
            ),
            cache_creation_input_tokens: add_opt(
                self.cache_creation_input_tokens,
                rhs.cache_creation_input_tokens,
            ),
        }
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, rhs: Usage) {
        *self = *self + rhs;
    }
}

/// Implemented by a model client's response type so that a `#[crux::generate]` function
/// returning it (or a `Result` of it) records usage, response model and id, finish
/// reasons and cost automatically. Every method has a default of "unknown".
///
/// ```
/// struct Reply { text: String, tokens_in: u64, tokens_out: u64 }
///
/// impl crux::ModelResponse for Reply {
///     fn usage(&self) -> Option<crux::Usage> {
///         Some(crux::Usage::new(self.tokens_in, self.tokens_out))
///     }
///     fn finish_reasons(&self) -> Vec<&str> {
///         vec!["stop"]
///     }
/// }
///
/// #[crux::generate(provider = "openai", model = "gpt-4o-mini")]
/// fn complete(prompt: &str) -> Reply {
///     Reply { text: prompt.to_uppercase(), tokens_in: 12, tokens_out: 3 }
/// }
/// # assert_eq!(complete("hi").text, "HI");
/// ```
pub trait ModelResponse {
    /// Tokens used.
    fn usage(&self) -> Option<Usage> {
        None
    }
    /// The model that actually answered.
    fn response_model(&self) -> Option<&str> {
        None
    }
    /// The provider's id for this response.
    fn response_id(&self) -> Option<&str> {
        None
    }
    /// One finish reason per choice (`stop`, `length`, `tool_calls`, ...).
    fn finish_reasons(&self) -> Vec<&str> {
        Vec::new()
    }
    /// What the call cost, in USD.
    fn cost_usd(&self) -> Option<f64> {
        None
    }
    /// How many tool calls the model asked for.
    fn tool_calls(&self) -> Option<usize> {
        None
    }
    /// The output messages, recorded only with output content capture.
    fn output_messages(&self) -> Vec<crate::Message> {
        Vec::new()
    }
}

impl<T: ModelResponse + ?Sized> ModelResponse for &T {
    fn usage(&self) -> Option<Usage> {
        (**self).usage()
    }
    fn response_model(&self) -> Option<&str> {
        (**self).response_model()
    }
    fn response_id(&self) -> Option<&str> {
        (**self).response_id()
    }
    fn finish_reasons(&self) -> Vec<&str> {
        (**self).finish_reasons()
    }
    fn cost_usd(&self) -> Option<f64> {
        (**self).cost_usd()
    }
    fn tool_calls(&self) -> Option<usize> {
        (**self).tool_calls()
    }
    fn output_messages(&self) -> Vec<crate::Message> {
        (**self).output_messages()
    }
}

/// Wraps a reference to a `#[crux::generate]` function's output; see [`ModelResponse`].
#[derive(Debug)]
pub struct ResponseProbe<'a, T: ?Sized>(pub &'a T);

/// `Ok` of a `Result` whose value is a [`ModelResponse`].
pub trait ResultResponse {
    /// Records the response on `guard`.
    fn crux_response(&self, guard: &SpanGuard);
}

impl<T: ModelResponse, E> ResultResponse for &&ResponseProbe<'_, Result<T, E>> {
    fn crux_response(&self, guard: &SpanGuard) {
        if let (Ok(response), true) = (self.0, guard.is_recording()) {
            Span::from_context(guard.context()).record_response(response);
        }
    }
}

/// A [`ModelResponse`] returned directly.
pub trait DirectResponse {
    /// Records the response on `guard`.
    fn crux_response(&self, guard: &SpanGuard);
}

impl<T: ModelResponse> DirectResponse for &ResponseProbe<'_, T> {
    fn crux_response(&self, guard: &SpanGuard) {
        if guard.is_recording() {
            Span::from_context(guard.context()).record_response(self.0);
        }
    }
}

/// Anything else records nothing (record through [`Span::current`] instead).
pub trait NoResponse {
    /// Records nothing.
    fn crux_response(&self, guard: &SpanGuard);
}

impl<T: ?Sized> NoResponse for ResponseProbe<'_, T> {
    #[inline(always)]
    fn crux_response(&self, _guard: &SpanGuard) {}
}
