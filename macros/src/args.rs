//! The argument grammar shared by every crux attribute macro:
//!
//! ```text
//! args   := (arg ("," arg)*)? ","?
//! arg    := ident                      a flag, e.g. `stream`
//!         | ident "=" expr             e.g. `model = req.model`, `name = "search"`
//!         | ident "(" tokens ")"       a list, read by the argument's shape:
//!                                        entries  `attributes(app.tier = "gold")`
//!                                        values   `tags("vip", ticket.queue)`
//!                                        args     `telemetry(operation = "triage", tags(..))`
//! entry  := (dotted.ident | "string") "=" expr
//! ```
//!
//! A bare string literal in place of an argument (`#[crux::tool("search")]`) parses as
//! [`ArgValue::Positional`], so that validation can name the argument it most likely
//! meant for this macro and go on checking the others.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Token};

/// One argument as written.
pub struct Arg {
    pub name: Ident,
    pub value: ArgValue,
}

/// What follows the argument's name.
pub enum ArgValue {
    Flag,
    Expr(Expr),
    /// The parenthesized group, parsed later according to the argument's shape. The group
    /// keeps its delimiters' spans, so that an error at the end of the list lands on `)`.
    List(Group),
    /// A bare string literal where a named argument was expected
    /// (`#[crux::tool("search")]`): reported with the macro's main argument as the hint.
    Positional(LitStr),
}

/// One `key = value` inside a list argument.
#[derive(Clone)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    /// The key as written (`gen_ai.request.model`, `"app.x"`): errors about the key
    /// underline all of it (`Span::join` is nightly-only).
    pub key_tokens: TokenStream,
    pub value: Expr,
}

/// All arguments of one invocation.
pub struct Args(pub Vec<Arg>);

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args = Punctuated::<Arg, Token![,]>::parse_terminated(input)?;
        Ok(Args(args.into_iter().collect()))
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            return Ok(Arg {
                name: Ident::new("__positional", lit.span()),
                value: ArgValue::Positional(lit),
            });
        }
        let name = input.call(Ident::parse_any).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected an argument name, e.g. `name = \"search\"`",
            )
        })?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            ArgValue::Expr(input.parse()?)
        } else if input.peek(syn::token::Paren) {
            ArgValue::List(input.parse()?)
        } else {
            ArgValue::Flag
        };
        Ok(Arg { name, value })
    }
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let (key, key_span, key_tokens) = if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            (lit.value(), lit.span(), lit.to_token_stream())
        } else {
            let first = input.call(Ident::parse_any)?;
            let mut key = first.unraw().to_string();
            let mut tokens = first.to_token_stream();
            while input.peek(Token![.]) {
                let dot = input.parse::<Token![.]>()?;
                let next = input.call(Ident::parse_any)?;
                key.push('.');
                key.push_str(&next.unraw().to_string());
                dot.to_tokens(&mut tokens);
                next.to_tokens(&mut tokens);
            }
            (key, first.span(), tokens)
        };
        input.parse::<Token![=]>()?;
        Ok(Entry {
            key,
            key_span,
            key_tokens,
            value: input.parse()?,
        })
    }
}

/// `key = value, ..` inside a list argument.
pub struct Entries(pub Vec<Entry>);

impl Parse for Entries {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Ok(Entries(
            Punctuated::<Entry, Token![,]>::parse_terminated(input)?
                .into_iter()
                .collect(),
        ))
    }
}

/// `value, ..` inside a list argument.
pub struct Values(pub Vec<Expr>);

impl Parse for Values {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Ok(Values(
            Punctuated::<Expr, Token![,]>::parse_terminated(input)?
                .into_iter()
                .collect(),
        ))
    }
}

/// Parses the inside of a list argument's parentheses as `T`. The group is parsed whole,
/// so errors keep their place: a missing token at the end is reported on the `)`, not
/// on the whole attribute.
pub fn parse_list<T: Parse>(group: &Group) -> syn::Result<T> {
    let parser = |input: ParseStream| {
        let content;
        syn::parenthesized!(content in input);
        content.parse::<T>()
    };
    debug_assert_eq!(group.delimiter(), Delimiter::Parenthesis);
    parser.parse2(group.to_token_stream())
}
