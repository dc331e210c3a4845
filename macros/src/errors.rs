//! Errors gathered across a whole macro invocation and reported together.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// Collects every error of one invocation (serde's `Ctxt`, in miniature).
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds an error spanning `tokens`.
    pub fn at(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Adds an error at `span`.
    pub fn at_span(&mut self, span: proc_macro2::Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Adds a ready error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// The combined error, if there was any.
    pub fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The user's item, unchanged, followed by the errors: the IDE and the rest of the
/// crate keep working while the attribute is being fixed.
pub fn item_with_errors(item: TokenStream, error: syn::Error) -> TokenStream {
    let errors = error.into_compile_error();
    quote::quote! { #item #errors }
}

/// "unknown {what}; did you mean `best`?" and the list of what is expected: the message
/// for a word that is not one of `candidates` (an argument, a `#[prompt(..)]` key).
pub fn unknown<'a>(
    what: &str,
    word: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
) -> String {
    let list = candidates
        .clone()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match crux_registry::did_you_mean(word, candidates) {
        Some(best) => format!("unknown {what}; did you mean `{best}`?\nexpected one of: {list}"),
        None => format!("unknown {what}\nexpected one of: {list}"),
    }
}
