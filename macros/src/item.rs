//! The annotated item: it must be a function with a body, and its shape (sync, async,
//! returning a future, boxing an async block) decides how the span wraps it.

use crate::errors::Errors;
use crate::spec::MacroSpec;
use proc_macro2::TokenStream;
use syn::visit::Visit;
use syn::{
    Attribute, Block, Expr, ItemFn, ReturnType, Signature, Type, TypeParamBound, Visibility,
};

pub struct Function {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub block: Box<Block>,
}

/// How the body runs, hence where the span goes.
pub enum Shape<'a> {
    /// A plain function: the span covers the call.
    Sync,
    /// `async fn`: the span covers the future's life, from first poll to completion.
    Async,
    /// Returns `impl Future` (or a boxed `dyn Future`, or `futures`' `BoxFuture` /
    /// `LocalBoxFuture` alias of one): the body builds the future inside the span, and
    /// the span stays open until that future completes.
    ReturnsFuture { boxed: bool },
    /// The body is exactly `Box::pin(async move { .. })` (the `#[async_trait]` shape):
    /// the inner block is instrumented like an `async fn` body.
    BoxedAsyncBlock(&'a syn::ExprAsync),
}

impl Function {
    pub fn shape(&self) -> Shape<'_> {
        if self.sig.asyncness.is_some() {
            return Shape::Async;
        }
        let ReturnType::Type(_, ty) = &self.sig.output else {
            return Shape::Sync;
        };
        if is_impl_trait_of(ty, "Future") {
            return Shape::ReturnsFuture { boxed: false };
        }
        if is_boxed_dyn_future(ty) || is_box_future_alias(ty) {
            if let Some(block) = boxed_async_tail(&self.block) {
                return Shape::BoxedAsyncBlock(block);
            }
            return Shape::ReturnsFuture { boxed: true };
        }
        Shape::Sync
    }

    /// The declared output type when it can be written in a `let` (no `impl Trait`,
    /// not `!`).
    pub fn nameable_output(&self) -> Option<&Type> {
        match &self.sig.output {
            ReturnType::Type(_, ty)
                if !contains_impl_trait(ty) && !is_unit(ty) && !self.returns_never() =>
            {
                Some(ty)
            }
            _ => None,
        }
    }

    /// Whether the output is `!`: it cannot be named in a `let` on stable, so the
    /// expansion carries `Infallible` in its place.
    pub fn returns_never(&self) -> bool {
        matches!(&self.sig.output, ReturnType::Type(_, ty) if is_never(ty))
    }

    /// Whether the output is `impl Stream<..>` (a streaming model call).
    pub fn returns_stream(&self) -> bool {
        matches!(&self.sig.output, ReturnType::Type(_, ty) if is_impl_trait_of(ty, "Stream"))
    }

    /// The first line of the doc comment.
    pub fn doc_summary(&self) -> Option<String> {
        let mut lines = self.attrs.iter().filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        });
        lines
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_owned())
    }
}

/// Parses the item, or records why crux cannot instrument it. `None` means emit the
/// item untouched (with any recorded errors).
pub fn parse(spec: &MacroSpec, item: TokenStream, errors: &mut Errors) -> Option<Function> {
    let macro_name = format!("#[crux::{}]", spec.name);
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(f) => {
            if let Some(c) = &f.sig.constness {
                errors.at(c, format_args!("{macro_name} cannot instrument a `const fn`: spans are recorded at run time"));
            }
            if let Some(abi) = &f.sig.abi {
                errors.at(abi, format_args!("{macro_name} cannot instrument an `extern` fn: it is called across an FFI boundary where unwinding and context are not Rust's"));
            }
            if let Some(v) = &f.sig.variadic {
                errors.at(
                    v,
                    format_args!("{macro_name} cannot instrument a variadic fn"),
                );
            }
            Some(Function {
                attrs: f.attrs,
                vis: f.vis,
                sig: f.sig,
                block: f.block,
            })
        }
        Err(_) => {
            if let Ok(method) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
                if method.default.is_none() {
                    errors.at(
                        &method.sig.ident,
                        format_args!("{macro_name} needs a function body; put it on the method in the `impl` block"),
                    );
                }
                return None;
            }
            if let Ok(other) = syn::parse2::<syn::Item>(item) {
                if let Some((tokens, what)) = describe_item(&other) {
                    errors.at(
                        tokens,
                        format_args!("{macro_name} goes on a function, not on {what}"),
                    );
                }
            }
            // Anything else is a syntax error rustc reports better on the item itself.
            None
        }
    }
}

fn describe_item(item: &syn::Item) -> Option<(TokenStream, &'static str)> {
    use quote::ToTokens;
    let found = match item {
        syn::Item::Struct(i) => (i.struct_token.to_token_stream(), "a struct"),
        syn::Item::Enum(i) => (i.enum_token.to_token_stream(), "an enum"),
        syn::Item::Union(i) => (i.union_token.to_token_stream(), "a union"),
        syn::Item::Const(i) => (i.const_token.to_token_stream(), "a const"),
        syn::Item::Static(i) => (i.static_token.to_token_stream(), "a static"),
        syn::Item::Impl(i) => (
            i.impl_token.to_token_stream(),
            "an impl block (annotate its methods)",
        ),
        syn::Item::Trait(i) => (
            i.trait_token.to_token_stream(),
            "a trait (annotate the methods of its impls)",
        ),
        syn::Item::Mod(i) => (i.mod_token.to_token_stream(), "a module"),
        syn::Item::Type(i) => (i.type_token.to_token_stream(), "a type alias"),
        syn::Item::Use(i) => (i.use_token.to_token_stream(), "a use declaration"),
        syn::Item::ForeignMod(i) => (i.abi.to_token_stream(), "an extern block"),
        syn::Item::Macro(i) => (i.mac.path.to_token_stream(), "a macro invocation"),
        syn::Item::ExternCrate(i) => (i.extern_token.to_token_stream(), "an extern crate"),
        _ => return None,
    };
    Some(found)
}

fn last_segment_is(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

/// The type inside parentheses and invisible groups (a `$ty` from a `macro_rules!`
/// macro arrives as a group), which do not change what a type is.
fn peel(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Paren(p) => ty = &p.elem,
            Type::Group(g) => ty = &g.elem,
            _ => return ty,
        }
    }
}

fn is_impl_trait_of(ty: &Type, name: &str) -> bool {
    match peel(ty) {
        Type::ImplTrait(t) => t.bounds.iter().any(|b| match b {
            TypeParamBound::Trait(t) => last_segment_is(&t.path, name),
            _ => false,
        }),
        _ => false,
    }
}

/// `Pin<Box<dyn Future<Output = ..> + ..>>`, under any path prefix.
fn is_boxed_dyn_future(ty: &Type) -> bool {
    fn single_generic<'t>(path: &'t syn::Path, name: &str) -> Option<&'t Type> {
        let seg = path.segments.last().filter(|s| s.ident == name)?;
        match &seg.arguments {
            syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(t) => Some(peel(t)),
                _ => None,
            }),
            _ => None,
        }
    }
    let Type::Path(pin) = peel(ty) else {
        return false;
    };
    let Some(Type::Path(boxed)) = single_generic(&pin.path, "Pin") else {
        return false;
    };
    match single_generic(&boxed.path, "Box") {
        Some(Type::TraitObject(obj)) => obj.bounds.iter().any(|b| match b {
            TypeParamBound::Trait(t) => last_segment_is(&t.path, "Future"),
            _ => false,
        }),
        _ => false,
    }
}

/// The async block of a body that is exactly `Box::pin(async move { .. })`.
fn boxed_async_tail(block: &Block) -> Option<&syn::ExprAsync> {
    let [syn::Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_slice() else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let mut last_two = func.path.segments.iter().rev().take(2);
    let is_box_pin = matches!((last_two.next(), last_two.next()), (Some(pin), Some(boxed))
        if pin.ident == "pin" && boxed.ident == "Box");
    if !is_box_pin || call.args.len() != 1 {
        return None;
    }
    match call.args.first() {
        Some(Expr::Async(block)) if block.capture.is_some() => Some(block),
        _ => None,
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl Visit<'_> for Finder {
        fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

fn is_never(ty: &Type) -> bool {
    matches!(peel(ty), Type::Never(_))
}

/// `futures`' `BoxFuture<'a, T>` / `LocalBoxFuture<'a, T>`, aliases of a pinned boxed
/// `dyn Future`, under any path prefix.
fn is_box_future_alias(ty: &Type) -> bool {
    match peel(ty) {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            (s.ident == "BoxFuture" || s.ident == "LocalBoxFuture")
                && matches!(s.arguments, syn::PathArguments::AngleBracketed(_))
        }),
        _ => false,
    }
}
