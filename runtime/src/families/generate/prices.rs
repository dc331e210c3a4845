//! Prices of common models, so that a model call reporting usage but no cost gets an
//! estimated `crux.cost`.
//!
//! The built-in table ([`Prices::default`]) lists list prices in USD per million tokens
//! (input, cached input, output) of the common models of OpenAI, Anthropic and Google
//! as published when this crux version was released. A model matches its entry by
//! name, with or without a date or `-latest` suffix (`gpt-4o-mini-2024-07-18` is
//! `gpt-4o-mini`) and without a `provider/` prefix; a model that matches no entry gets
//! no cost, never a guess. Replace the table or price calls yourself with
//! [`crate::TelemetryBuilder::prices`] and [`crate::TelemetryBuilder::price_with`].

pub use crate::core::pipeline::PriceQuery;

/// What one model costs, in USD per million tokens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelPrice {
    /// Input tokens (not read from cache).
    pub input: f64,
    /// Input tokens read from the provider's prompt cache.
    pub cached_input: f64,
    /// Output tokens (reasoning included).
    pub output: f64,
}

impl ModelPrice {
    /// A price per million input, cached input and output tokens.
    pub const fn new(input: f64, cached_input: f64, output: f64) -> ModelPrice {
        ModelPrice {
            input,
            cached_input,
            output,
        }
    }

    /// The cost of `query`'s tokens at this price.
    #[allow(clippy::cast_precision_loss)]
    pub fn cost(&self, query: &PriceQuery<'_>) -> f64 {
        let cached = query.cached_input_tokens.min(query.input_tokens);
        let fresh = query.input_tokens - cached;
        (fresh as f64 * self.input
            + cached as f64 * self.cached_input
            + query.output_tokens as f64 * self.output)
            / 1_000_000.0
    }
}

/// The built-in table: model, then USD per million input, cached input, output tokens.
const BUILT_IN: &[(&str, ModelPrice)] = &[
    // OpenAI
    ("gpt-5", ModelPrice::new(1.25, 0.125, 10.0)),
    ("gpt-5-mini", ModelPrice::new(0.25, 0.025, 2.0)),
    ("gpt-5-nano", ModelPrice::new(0.05, 0.005, 0.40)),
    ("gpt-4.1", ModelPrice::new(2.0, 0.50, 8.0)),
    ("gpt-4.1-mini", ModelPrice::new(0.40, 0.10, 1.60)),
    ("gpt-4.1-nano", ModelPrice::new(0.10, 0.025, 0.40)),
    ("gpt-4o", ModelPrice::new(2.50, 1.25, 10.0)),
    ("gpt-4o-mini", ModelPrice::new(0.15, 0.075, 0.60)),
    ("o3", ModelPrice::new(2.0, 0.50, 8.0)),
    ("o4-mini", ModelPrice::new(1.10, 0.275, 4.40)),
    ("text-embedding-3-small", ModelPrice::new(0.02, 0.02, 0.0)),
    ("text-embedding-3-large", ModelPrice::new(0.13, 0.13, 0.0)),
    // Anthropic
    ("claude-opus-4", ModelPrice::new(15.0, 1.50, 75.0)),
    ("claude-sonnet-4", ModelPrice::new(3.0, 0.30, 15.0)),
    ("claude-sonnet-4-5", ModelPrice::new(3.0, 0.30, 15.0)),
    ("claude-haiku-4-5", ModelPrice::new(1.0, 0.10, 5.0)),
    ("claude-3-5-haiku", ModelPrice::new(0.80, 0.08, 4.0)),
    // Google
    ("gemini-2.5-pro", ModelPrice::new(1.25, 0.31, 10.0)),
    ("gemini-2.5-flash", ModelPrice::new(0.30, 0.075, 2.50)),
    ("gemini-2.0-flash", ModelPrice::new(0.10, 0.025, 0.40)),
];

/// A price table: model names and what they cost.
///
/// ```
/// use crux::cost::{ModelPrice, PriceQuery, Prices};
///
/// let prices = Prices::default().with("my-finetune", ModelPrice::new(3.0, 1.5, 12.0));
/// let query = PriceQuery { provider: Some("openai"), model: "gpt-4o-mini-2024-07-18",
///                          input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 0 };
/// assert_eq!(prices.price(&query), Some(0.15));
/// let unknown = PriceQuery { model: "gpt-4o-turbo-preview", ..query };
/// assert_eq!(prices.price(&unknown), None);
/// ```
#[derive(Clone, Debug)]
pub struct Prices {
    models: Vec<(String, ModelPrice)>,
}

impl Default for Prices {
    /// The built-in table of common models.
    fn default() -> Prices {
        Prices {
            models: BUILT_IN
                .iter()
                .map(|(model, price)| ((*model).to_owned(), *price))
                .collect(),
        }
    }
}

impl Prices {
    /// An empty table: no call gets an estimated cost.
    pub fn empty() -> Prices {
        Prices { models: Vec::new() }
    }

    /// Adds `model` (or replaces its price).
    pub fn with(mut self, model: impl Into<String>, price: ModelPrice) -> Prices {
        let model = model.into();
        self.models.retain(|(m, _)| *m != model);
        self.models.push((model, price));
        self
    }

    /// The price of `model`: its entry, matched by name with or without a date or
    /// `-latest` suffix and a `provider/` prefix.
    pub fn lookup(&self, model: &str) -> Option<&ModelPrice> {
        let model = model.rsplit('/').next().unwrap_or(model);
        self.models
            .iter()
            .filter(|(name, _)| matches_entry(model, name))
            .max_by_key(|(name, _)| name.len())
            .map(|(_, price)| price)
    }

    /// The cost of `query`, if its model is in the table.
    pub fn price(&self, query: &PriceQuery<'_>) -> Option<f64> {
        self.lookup(query.model).map(|p| p.cost(query))
    }
}

/// `model` is `entry`, or `entry` with a date (`-2024-07-18`, `-20250514`) or `-latest`.
fn matches_entry(model: &str, entry: &str) -> bool {
    match model.strip_prefix(entry) {
        Some("") => true,
        Some(rest) => match rest.strip_prefix('-') {
            Some("latest") => true,
            Some(date) => {
                date.len() >= 6
                    && date.chars().all(|c| c.is_ascii_digit() || c == '-')
                    && date.chars().filter(char::is_ascii_digit).count() >= 6
            }
            None => false,
        },
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(model: &str) -> PriceQuery<'_> {
        PriceQuery {
            provider: None,
            model,
            input_tokens: 2_000_000,
            cached_input_tokens: 1_000_000,
            output_tokens: 1_000_000,
        }
    }

    #[test]
    fn dated_and_prefixed_names_match_their_model_and_nothing_is_guessed() {
        let prices = Prices::default();
        // 1M fresh input at 0.15, 1M cached at 0.075, 1M output at 0.60.
        let expected = 0.15 + 0.075 + 0.60;
        for model in [
            "gpt-4o-mini",
            "gpt-4o-mini-2024-07-18",
            "openai/gpt-4o-mini",
        ] {
            let cost = prices.price(&query(model)).unwrap();
            assert!((cost - expected).abs() < 1e-9, "{model}: {cost}");
        }
        assert!(prices.lookup("claude-sonnet-4-20250514").is_some());
        for unknown in ["gpt-4o-mini-tts", "gpt-4", "llama3.2", "gpt-4o-minimal", ""] {
            assert_eq!(prices.price(&query(unknown)), None, "{unknown}");
        }
        assert_eq!(Prices::empty().price(&query("gpt-4o")), None);
    }
}
