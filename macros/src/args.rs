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

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
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
    /// The tokens inside the parentheses, parsed later according to the argument's shape.
    List(proc_macro2::TokenStream),
}

/// One `key = value` inside a list argument.
#[derive(Clone)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
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
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "arguments are named: write `name = {}`",
                    quote::quote!(#lit)
                ),
            ));
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
            let content;
            syn::parenthesized!(content in input);
            ArgValue::List(content.parse()?)
        } else {
            ArgValue::Flag
        };
        Ok(Arg { name, value })
    }
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let (key, key_span) = if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            (lit.value(), lit.span())
        } else {
            let first = input.call(Ident::parse_any)?;
            let mut key = first.unraw().to_string();
            let mut span = first.span();
            while input.peek(Token![.]) {
                input.parse::<Token![.]>()?;
                let next = input.call(Ident::parse_any)?;
                key.push('.');
                key.push_str(&next.unraw().to_string());
                span = span.join(next.span()).unwrap_or(span);
            }
            (key, span)
        };
        input.parse::<Token![=]>()?;
        Ok(Entry {
            key,
            key_span,
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
