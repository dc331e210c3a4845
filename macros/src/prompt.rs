//! `#[derive(crux::Prompt)]`: a prompt struct's identity, attributes and variables.
//!
//! ```text
//! #[prompt(name = "..", version = .., kind = "chat", source = "..", id = "..")]   on the struct
//! #[prompt(name | version | kind | source | id)]     a field holds that identity part
//! #[prompt(attribute = "app.key")]                   a field recorded as an attribute
//! #[prompt(variable)] / #[prompt(variable = "n")]    a template variable (input capture only)
//! #[prompt(metadata)] / #[prompt(metadata = "k")]    metadata for `map_prompt_metadata`
//! #[prompt(skip)]                                    never recorded (the default for fields)
//! ```

use crate::errors::Errors;
use crux_registry as registry;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, ExprLit, Fields, Lit, LitStr};

const IDENTITY: [&str; 5] = ["name", "version", "kind", "source", "id"];
pub(crate) const STRUCT_KEYS: [&str; 5] = IDENTITY;
pub(crate) const FIELD_KEYS: [&str; 9] = [
    "name",
    "version",
    "kind",
    "source",
    "id",
    "attribute",
    "variable",
    "metadata",
    "skip",
];

enum Role {
    Identity(&'static str),
    Attribute(String),
    Variable(String),
    Metadata(String),
    Skip,
}

struct FieldRole {
    member: syn::Ident,
    ty: syn::Type,
    role: Role,
    /// The role as written (`version` in `#[prompt(version)]`).
    span: Span,
}

pub fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(e) => return e.into_compile_error(),
    };
    let mut errors = Errors::default();
    let statics = struct_identity(&input, &mut errors);
    let fields = field_roles(&input, &mut errors);
    for (part, _) in &statics {
        if let Some(field) = fields
            .iter()
            .find(|f| matches!(f.role, Role::Identity(p) if p == *part))
        {
            errors.at_span(
                field.span,
                format_args!(
                    "the prompt's `{part}` is given on the struct and on a field; keep one"
                ),
            );
        }
    }
    match errors.finish() {
        Ok(()) => expand(&input, &statics, &fields),
        Err(e) => {
            // The error, plus an impl so code using the prompt still type-checks.
            let stub = stub(&input);
            let e = e.into_compile_error();
            quote!(#e #stub)
        }
    }
}

fn prompt_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = &syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("prompt"))
}

fn unknown(key: &str, valid: &[&str], place: &str) -> String {
    crate::errors::unknown(
        &format!("#[prompt({key})] on {place}"),
        key,
        valid.iter().copied(),
    )
}

/// The role whose value crux records under `key` itself (the prompt's identity keys and
/// its variables): an `attribute = ".."` there would clash with it.
fn identity_role(key: &str) -> Option<&'static str> {
    registry::PROMPT_IDENTITY
        .iter()
        .find(|(_, keys)| keys.contains(&key))
        .map(|(role, _)| *role)
        .or_else(|| {
            key.starts_with(registry::keys::GEN_AI_PROMPT_VARIABLE)
                .then_some("variable")
        })
}

fn struct_identity(input: &DeriveInput, errors: &mut Errors) -> Vec<(&'static str, LitStr)> {
    let mut found: Vec<(&'static str, LitStr)> = Vec::new();
    for attr in prompt_attrs(&input.attrs) {
        let parsed = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            let Some(part) = STRUCT_KEYS.iter().copied().find(|k| *k == key) else {
                if FIELD_KEYS.contains(&key.as_str()) {
                    errors.at(&meta.path, format_args!("#[prompt({key})] goes on a field, not on the struct"));
                } else {
                    errors.at(&meta.path, unknown(&key, &STRUCT_KEYS, "a struct"));
                }
                // Consume a value so parsing can go on to the next key.
                if meta.input.peek(syn::Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                }
                return Ok(());
            };
            if !meta.input.peek(syn::Token![=]) {
                errors.at(&meta.path, format_args!("#[prompt({part})] on the struct needs a value: #[prompt({part} = \"..\")]; to read it from a field, put #[prompt({part})] on that field"));
                return Ok(());
            }
            let value: Expr = meta.value()?.parse()?;
            let lit = match &value {
                Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.clone()),
                Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) if part == "version" => Some(LitStr::new(i.base10_digits(), i.span())),
                Expr::Lit(ExprLit { lit: Lit::Float(f), .. }) if part == "version" => Some(LitStr::new(f.base10_digits(), f.span())),
                _ => None,
            };
            match lit {
                Some(_) if found.iter().any(|(p, _)| *p == part) => {
                    errors.at(&meta.path, format_args!("duplicate #[prompt({part})]"));
                }
                Some(lit) => found.push((part, lit)),
                None => errors.at(
                    &value,
                    format_args!("#[prompt({part} = ..)] on the struct takes a literal; to read it from a field, put #[prompt({part})] on that field"),
                ),
            }
            Ok(())
        });
        if let Err(e) = parsed {
            errors.push(e);
        }
    }
    found
}

fn field_roles(input: &DeriveInput, errors: &mut Errors) -> Vec<FieldRole> {
    let fields = match &input.data {
        Data::Struct(s) => &s.fields,
        Data::Enum(e) => {
            errors.at(
                e.enum_token,
                "#[derive(crux::Prompt)] works on structs, not enums",
            );
            return Vec::new();
        }
        Data::Union(u) => {
            errors.at(
                u.union_token,
                "#[derive(crux::Prompt)] works on structs, not unions",
            );
            return Vec::new();
        }
    };
    let named = match fields {
        Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
        Fields::Unit => Vec::new(),
        Fields::Unnamed(unnamed) => {
            for field in &unnamed.unnamed {
                if prompt_attrs(&field.attrs).next().is_some() {
                    errors.at(
                        field,
                        "#[prompt(..)] on a field needs a named field (a struct with `{ .. }`)",
                    );
                }
            }
            Vec::new()
        }
    };
    let mut roles = Vec::new();
    for field in named {
        let member = field.ident.clone().expect("named field");
        let mut role: Option<(Role, Span)> = None;
        for attr in prompt_attrs(&field.attrs) {
            let parsed = attr.parse_nested_meta(|meta| {
                let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                let span = meta.path.span();
                let value: Option<Expr> = if meta.input.peek(syn::Token![=]) {
                    Some(meta.value()?.parse()?)
                } else {
                    None
                };
                let Some(key) = FIELD_KEYS.iter().copied().find(|k| *k == key) else {
                    errors.at_span(span, unknown(&key, &FIELD_KEYS, "a field"));
                    return Ok(());
                };
                let lit = match value {
                    Some(_) if IDENTITY.contains(&key) || key == "skip" => {
                        errors.at_span(span, format_args!("#[prompt({key})] on a field takes no value"));
                        return Ok(());
                    }
                    Some(Expr::Lit(ExprLit { lit: Lit::Str(lit), .. })) => Some(lit),
                    Some(other) => {
                        errors.at(other, format_args!("#[prompt({key} = ..)] takes a string literal"));
                        return Ok(());
                    }
                    None => None,
                };
                let new_role = match (key, lit) {
                    ("attribute", Some(lit)) => {
                        let k = lit.value();
                        let checked = registry::check_user_key(&k);
                        if let (Ok(_) | Err(registry::KeyError::UnknownReserved { .. }), Some(role)) = (checked, identity_role(&k)) {
                            errors.at(&lit, format_args!("`{k}` is recorded from the prompt's {role}: mark the field #[prompt({role})] instead"));
                            return Ok(());
                        }
                        if let Err(e) = checked {
                            errors.at(&lit, e.message(&k));
                            return Ok(());
                        }
                        Role::Attribute(k)
                    }
                    ("attribute", None) => {
                        errors.at_span(span, "#[prompt(attribute = \"app.key\")] needs the attribute's name");
                        return Ok(());
                    }
                    ("variable", lit) => {
                        let name = lit.as_ref().map_or_else(|| member.to_string(), LitStr::value);
                        if let Some(reason) = registry::invalid_name_reason(&name) {
                            // It becomes part of `gen_ai.prompt.variable.<name>`.
                            errors.at_span(lit.map_or(span, |l| l.span()), format_args!("`{name}` is not a valid variable name: {reason}"));
                            return Ok(());
                        }
                        Role::Variable(name)
                    }
                    ("metadata", lit) => Role::Metadata(lit.map_or_else(|| member.to_string(), |l| l.value())),
                    ("skip", _) => Role::Skip,
                    (part, _) => Role::Identity(part),
                };
                if role.is_some() {
                    errors.at_span(span, format_args!("field `{member}` already has a #[prompt(..)] role; a field has one"));
                } else {
                    role = Some((new_role, span));
                }
                Ok(())
            });
            if let Err(e) = parsed {
                errors.push(e);
            }
        }
        if let Some((role, span)) = role {
            if let Role::Identity(part) = &role {
                if let Some(first) = roles
                    .iter()
                    .find(|r: &&FieldRole| matches!(r.role, Role::Identity(p) if p == *part))
                {
                    errors.at_span(
                        span,
                        format_args!(
                            "two fields hold the prompt's `{part}`: `{}` already does",
                            first.member
                        ),
                    );
                }
            }
            roles.push(FieldRole {
                member,
                ty: field.ty.clone(),
                role,
                span,
            });
        }
    }
    roles
}

fn expand(
    input: &DeriveInput,
    statics: &[(&'static str, LitStr)],
    fields: &[FieldRole],
) -> TokenStream {
    let ident = &input.ident;
    let mut generics = input.generics.clone();
    {
        // Generic field types get a bound; concrete ones are checked where they are
        // recorded, so that an error lands on the field's type (a false bound on a
        // concrete type would be reported on the derive).
        let params: Vec<&syn::Ident> = input.generics.type_params().map(|p| &p.ident).collect();
        let where_clause = generics.make_where_clause();
        for field in fields.iter().filter(|f| !matches!(f.role, Role::Skip)) {
            let ty = &field.ty;
            if mentions_any(ty, &params) {
                where_clause
                    .predicates
                    .push(syn::parse_quote!(#ty: ::crux::AttrValue));
            }
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let part = |name: &str| -> TokenStream {
        if let Some((_, lit)) = statics.iter().find(|(p, _)| *p == name) {
            return quote!(::core::option::Option::Some(::std::string::String::from(#lit)));
        }
        match fields
            .iter()
            .find(|f| matches!(f.role, Role::Identity(p) if p == name))
        {
            Some(f) => {
                let member = f.member_at_type();
                quote_spanned!(f.ty.span()=> ::crux::__private::prompt_text(&self.#member))
            }
            None => quote!(::core::option::Option::None),
        }
    };
    let (id, name, version, kind, source) = (
        part("id"),
        part("name"),
        part("version"),
        part("kind"),
        part("source"),
    );
    let metadata = fields.iter().filter_map(|f| match &f.role {
        Role::Metadata(k) => {
            let member = f.member_at_type();
            Some(quote_spanned!(f.ty.span()=> ::crux::__private::push_metadata(&mut metadata, #k, &self.#member);))
        }
        _ => None,
    });
    let attributes = fields.iter().filter_map(|f| match &f.role {
        Role::Attribute(k) => {
            let member = f.member_at_type();
            Some(quote_spanned!(f.ty.span()=> ::crux::__private::push_attribute(out, #k, &self.#member);))
        }
        _ => None,
    });
    let variables = fields.iter().filter_map(|f| match &f.role {
        Role::Variable(k) => {
            let member = f.member_at_type();
            Some(quote_spanned!(f.ty.span()=> ::crux::__private::push_variable(out, #k, &self.#member);))
        }
        _ => None,
    });
    quote! {
        impl #impl_generics ::crux::Prompt for #ident #ty_generics #where_clause {
            fn identity(&self) -> ::crux::PromptIdentity {
                #[allow(unused_mut)]
                let mut metadata = ::std::vec::Vec::new();
                #(#metadata)*
                ::crux::PromptIdentity {
                    id: #id,
                    name: #name,
                    version: #version,
                    kind: #kind,
                    source: #source,
                    metadata,
                }
            }
            fn attributes(&self, out: &mut ::std::vec::Vec<::crux::opentelemetry::KeyValue>) {
                let _ = &out;
                #(#attributes)*
            }
            fn variables(&self, out: &mut ::std::vec::Vec<(&'static str, ::crux::opentelemetry::Value)>) {
                let _ = &out;
                #(#variables)*
            }
        }
    }
}

fn stub(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics ::crux::Prompt for #ident #ty_generics #where_clause {
            fn identity(&self) -> ::crux::PromptIdentity {
                ::core::unreachable!("#[derive(crux::Prompt)] failed to compile")
            }
        }
    }
}

impl FieldRole {
    /// The field's name, spanned at its type: what the generated code records from the
    /// field is reported on the type when the type cannot be recorded.
    fn member_at_type(&self) -> syn::Ident {
        let mut member = self.member.clone();
        member.set_span(self.ty.span());
        member
    }
}

/// Whether `ty` mentions one of the type parameters `params`.
fn mentions_any(ty: &syn::Type, params: &[&syn::Ident]) -> bool {
    struct Finder<'a> {
        params: &'a [&'a syn::Ident],
        found: bool,
    }
    impl syn::visit::Visit<'_> for Finder<'_> {
        fn visit_path(&mut self, path: &syn::Path) {
            if let Some(first) = path.segments.first() {
                self.found |= self.params.iter().any(|p| first.ident == **p);
            }
            syn::visit::visit_path(self, path);
        }
    }
    let mut finder = Finder {
        params,
        found: false,
    };
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.found
}
