//! Code generation: one `static` callsite, a span guard, and the body wrapped according
//! to its shape. Everything generated calls the runtime through `::crux::__private`.

use crate::item::{Function, Shape};
use crate::spec::{MacroSpec, Shape as ArgShape};
use crate::validate::{Checked, SettingValue};
use crux_registry::{Kind, Probe, ValueType};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitInt, LitStr, UnOp};

pub fn function(spec: &MacroSpec, checked: &Checked, f: Function) -> TokenStream {
    let callsite = callsite(spec, checked, &f);
    let arguments = match spec.kind {
        Kind::Tool => Some(arguments(&f, "tool_arguments")),
        Kind::Generate => request_arguments(&f),
        // A run's or flow's arguments are the trace's input in LLM backends.
        Kind::Run | Kind::Flow => Some(arguments(&f, "input_arguments")),
        _ => None,
    };
    let start = start(checked, arguments);
    let finish = finish(spec);
    let never = f.returns_never();
    // `!` cannot be written in a `let` on stable: an uninhabited stand-in carries it, and
    // the fn ends by matching on it (which never happens: the body does not return).
    let output_ty = if never {
        Some(quote!(::core::convert::Infallible))
    } else {
        f.nameable_output().map(|ty| quote!(#ty))
    };
    let output_annotation = output_ty.as_ref().map(|ty| quote!(: #ty));
    let stream = f.returns_stream();
    let complete = if never {
        quote!(match __crux_output {})
    } else {
        completion(&finish, stream)
    };

    let body = match f.shape() {
        Shape::Sync => {
            let block = &f.block;
            let closure_output = output_ty.as_ref().map(|ty| quote!(-> #ty));
            quote! {
                #callsite
                let __crux_span = #start;
                let __crux_output #output_annotation =
                    __crux_span.in_scope(move || #closure_output #block);
                #complete
            }
        }
        Shape::Async => {
            let block = &f.block;
            let pin_type = output_ty.as_ref().map(|ty| {
                quote! {
                    #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop)]
                    if false {
                        let __crux_unreachable: #ty = loop {};
                        return __crux_unreachable;
                    }
                }
            });
            quote! {
                #callsite
                let __crux_span = #start;
                // The body's own value may be a future (a JoinHandle, say): that is the
                // user's choice, not a forgotten `.await`.
                #[allow(clippy::async_yields_async)]
                let __crux_body = async move { #pin_type #block };
                let __crux_output #output_annotation = __crux_span.instrument(__crux_body).await;
                #complete
            }
        }
        Shape::ReturnsFuture { boxed } => {
            let block = &f.block;
            let wrap = boxed.then(|| quote!(::std::boxed::Box::pin));
            quote! {
                #callsite
                let __crux_span = #start;
                let __crux_future = __crux_span.in_scope(move || #block);
                #[allow(clippy::async_yields_async)]
                let __crux_wrapped = async move {
                    let __crux_output = __crux_span.instrument(__crux_future).await;
                    #finish
                    __crux_output
                };
                #wrap(__crux_wrapped)
            }
        }
        Shape::BoxedAsyncBlock(inner) => {
            let inner_block = &inner.block;
            quote! {
                #callsite
                ::std::boxed::Box::pin(async move {
                    let __crux_span = #start;
                    #[allow(clippy::async_yields_async)]
                    let __crux_body = async move #inner_block;
                    let __crux_output = __crux_span.instrument(__crux_body).await;
                    #finish
                    __crux_output
                })
            }
        }
    };

    let Function {
        attrs,
        vis,
        sig,
        block,
    } = f;
    // Inner attributes of the body (`#![allow(..)]`) stay inside it.
    let (inner, outer): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
    // The body goes inside the user's own braces: with generated ones, rustc takes the
    // item for macro-generated code and lints such as `dead_code` stay silent on it
    // (tracing#3108).
    let mut item = quote!(#(#outer)* #vis #sig);
    block.brace_token.surround(&mut item, |tokens| {
        tokens.extend(quote!(#(#inner)* #body));
    });
    item
}

/// After the body: record the outcome and end, or hand the span to the stream.
fn completion(finish: &TokenStream, stream: bool) -> TokenStream {
    if stream {
        // The stream's item type picks how its items are read (usage, errors, ...).
        quote! {
            #[allow(unused_imports)]
            use ::crux::__private::probes::*;
            let __crux_items = ::crux::__private::StreamItemProbe::of(&__crux_output);
            let __crux_readers = ::crux::__private::StreamReaders {
                data: (&&&__crux_items).crux_stream_data(),
                error: (&&&__crux_items).crux_stream_error(),
            };
            ::crux::__private::InstrumentedStream::new(__crux_span, __crux_output, __crux_readers)
        }
    } else {
        quote! {
            #finish
            __crux_output
        }
    }
}

fn callsite(spec: &MacroSpec, checked: &Checked, f: &Function) -> TokenStream {
    // `fn r#match` is the `match` tool: no `r#` in span names, labels or code paths.
    let fn_name = f.sig.ident.unraw().to_string();
    let kind = format_ident!("{}", format!("{:?}", spec.kind));
    let label = checked
        .name
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| fn_name.clone());
    let span_name = if spec
        .args
        .iter()
        .any(|a| matches!(a.shape, ArgShape::Name | ArgShape::Choice(_)))
    {
        format!("{}{}", spec.span_name, label)
    } else {
        spec.span_name.to_owned()
    };
    let doc = match f.doc_summary() {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        static __CRUX_CALLSITE: ::crux::__private::Callsite = ::crux::__private::Callsite {
            kind: ::crux::__private::Kind::#kind,
            name: #span_name,
            label: #label,
            doc: #doc,
            function: ::core::concat!(::core::module_path!(), "::", #fn_name),
            file: ::core::file!(),
            line: ::core::line!(),
            calls: ::crux::__private::CallTally::new(),
        };
    }
}

/// The parameters bound to a plain name.
fn named_parameters(f: &Function) -> impl Iterator<Item = &syn::Ident> {
    f.sig.inputs.iter().filter_map(|input| match input {
        syn::FnArg::Typed(pat) => match &*pat.pat {
            syn::Pat::Ident(ident) => Some(&ident.ident),
            _ => None,
        },
        syn::FnArg::Receiver(_) => None,
    })
}

/// For content capture: each parameter bound to a plain name, recorded if it serializes,
/// through the `Start` method `method`.
fn arguments(f: &Function, method: &str) -> TokenStream {
    let method = format_ident!("{}", method);
    let records = named_parameters(f).map(|name| {
        let label = name.unraw().to_string();
        quote!((&&::crux::__private::ArgumentProbe(&#name)).crux_argument(#label, __crux_args);)
    });
    quote! {
        __crux_start.#method(&mut |__crux_args| {
            #[allow(unused_imports)]
            use ::crux::__private::probes::*;
            #(#records)*
        });
    }
}

/// A model call's parameters: one that is a model request (`crux::ModelRequest`) gives
/// the request attributes.
fn request_arguments(f: &Function) -> Option<TokenStream> {
    let probes: Vec<_> = named_parameters(f)
        .map(|name| quote!((&&::crux::__private::RequestProbe(&#name)).crux_request(__crux_start);))
        .collect();
    if probes.is_empty() {
        return None;
    }
    Some(quote! {
        {
            #[allow(unused_imports)]
            use ::crux::__private::probes::*;
            #(#probes)*
        }
    })
}

fn start(checked: &Checked, extra: Option<TokenStream>) -> TokenStream {
    let settings = checked.settings.iter().map(|s| {
        let key = LitStr::new(&s.key, s.key_span);
        match &s.value {
            SettingValue::Hashed(expr) => {
                quote_spanned!(expr.span()=> __crux_start.set_hashed(#key, &(#expr));)
            }
            SettingValue::Str(lit) => quote!(__crux_start.set_static(#key, #lit);),
            SettingValue::True => quote!(__crux_start.set(#key, &true);),
            SettingValue::Expr(expr) => {
                let setter = match s.ty {
                    Some(ValueType::Str) => "set_str",
                    Some(ValueType::Bool) => "set_bool",
                    Some(ValueType::Int) => "set_int",
                    Some(ValueType::Double) => "set_double",
                    Some(ValueType::StrArray) => "set_str_array",
                    Some(ValueType::Json) | None => "set",
                };
                let setter = format_ident!("{}", setter, span = expr.span());
                let value = widened(expr, s.ty);
                quote_spanned!(expr.span()=> __crux_start.#setter(#key, &(#value));)
            }
        }
    });
    // What decides content capture runs before what it governs.
    let mut ordered: Vec<_> = checked.runtime.iter().collect();
    ordered.sort_by_key(|(method, _)| !matches!(*method, "capture_content" | "telemetry"));
    let runtime = ordered.into_iter().map(|(method, expr)| {
        let method = format_ident!("{}", method, span = expr.span());
        quote_spanned!(expr.span()=> __crux_start.#method(&(#expr));)
    });
    let tags = checked
        .tags
        .iter()
        .map(|expr| quote_spanned!(expr.span()=> __crux_start.tag(&(#expr));));
    let param = if checked.settings.is_empty()
        && checked.runtime.is_empty()
        && checked.tags.is_empty()
        && extra.is_none()
    {
        quote!(_)
    } else {
        quote!(__crux_start)
    };
    quote! {
        // Passed as `&mut dyn FnMut`: `SpanGuard::start` is not generic, so nothing of
        // the runtime is compiled again for each annotated function.
        ::crux::__private::SpanGuard::start(&__CRUX_CALLSITE, &mut |#param| { #(#settings)* #(#runtime)* #(#tags)* #extra })
    }
}

fn finish(spec: &MacroSpec) -> TokenStream {
    let response = spec.kind.probes().iter().map(|probe| match probe {
        Probe::Response => {
            quote!((&&&::crux::__private::ResponseProbe(&__crux_output)).crux_response(&__crux_span);)
        }
        // Five levels: a declared model output (in a Result or not) before a serializable
        // output (in a Result or not) before anything else.
        Probe::ToolOutput => {
            quote!((&&&&&::crux::__private::ToolOutputProbe(&__crux_output)).crux_tool_output(&__crux_span);)
        }
        Probe::Score => {
            quote!((&&&::crux::__private::JudgeProbe(&__crux_output)).crux_judge(&__crux_span);)
        }
        Probe::Embeddings => {
            quote!((&&&::crux::__private::EmbeddingsProbe(&__crux_output)).crux_embeddings(&__crux_span);)
        }
        Probe::Retrieved => {
            quote!((&&&::crux::__private::RetrievedProbe(&__crux_output)).crux_retrieved(&__crux_span);)
        }
        Probe::CacheLookup => {
            quote!((&&&::crux::__private::CacheLookupProbe(&__crux_output)).crux_cache_lookup(&__crux_span);)
        }
        Probe::Output => {
            quote!((&&&::crux::__private::OutputProbe(&__crux_output)).crux_output_value(&__crux_span);)
        }
    });
    quote! {
        {
            #[allow(unused_imports)]
            use ::crux::__private::probes::*;
            (&&&::crux::__private::OutcomeProbe(&__crux_output)).crux_outcome(&__crux_span);
            #(#response)*
        }
        __crux_span.end();
    }
}

/// An unsuffixed integer literal handed to a generic setter would be typed `i32` (and
/// `seed = 12345678901` would overflow): give it the attribute's own width, `i64`, or
/// `f64` for a number. Other expressions keep their own type.
fn widened(expr: &Expr, ty: Option<ValueType>) -> TokenStream {
    let suffix = match ty {
        Some(ValueType::Int) | None => "i64",
        Some(ValueType::Double) => "f64",
        _ => return quote!(#expr),
    };
    let suffixed = |expr: &Expr| match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) if int.suffix().is_empty() => Some(LitInt::new(
            &format!("{}{suffix}", int.base10_digits()),
            int.span(),
        )),
        _ => None,
    };
    match expr {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match suffixed(&u.expr) {
            Some(lit) => {
                let op = &u.op;
                quote!(#op #lit)
            }
            None => quote!(#expr),
        },
        other => match suffixed(other) {
            Some(lit) => quote!(#lit),
            None => quote!(#expr),
        },
    }
}
