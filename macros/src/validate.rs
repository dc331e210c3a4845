//! Checks the arguments against the macro's table and the key registry, gathering every
//! problem, and turns what is valid into settings for the expansion.

use crate::args::{self, Arg, ArgValue, Args, Entries, Entry, Values};
use crate::errors::Errors;
use crate::spec::{ArgSpec, MacroSpec, Shape};
use crux_registry::{self as registry, ValueType};
use proc_macro2::Span;
use syn::{Expr, ExprLit, Lit, LitStr, UnOp};

/// One attribute the expansion records when the span starts.
pub struct Setting {
    pub key: String,
    pub key_span: Span,
    pub value: SettingValue,
    /// The value type the key requires, if the registry knows the key.
    pub ty: Option<ValueType>,
}

pub enum SettingValue {
    /// A string literal, recorded without a copy.
    Str(LitStr),
    /// `true` from a bare flag.
    True,
    /// Any other literal or expression.
    Expr(Expr),
    /// A string or expression recorded as its hash (`Shape::Hashed`), literal or not.
    Hashed(Expr),
}

/// The valid part of the arguments.
#[derive(Default)]
pub struct Checked {
    /// The `Shape::Name` argument (tool name), if given.
    pub name: Option<LitStr>,
    pub settings: Vec<Setting>,
    /// `(Start method, expression)` for `Shape::Runtime` arguments.
    pub runtime: Vec<(&'static str, Expr)>,
    /// Tag expressions (`tags(..)`).
    pub tags: Vec<Expr>,
}

pub fn check(spec: &MacroSpec, args: &[Arg], errors: &mut Errors) -> Checked {
    let mut checked = Checked::default();
    let list = ArgList {
        table: spec.args,
        nested_in: None,
        primary: spec.primary,
    };
    check_args(spec, &list, args, &mut checked, errors);
    checked
}

/// One argument list: the macro's own, or a nested one such as `telemetry(..)`.
struct ArgList<'a> {
    table: &'static [ArgSpec],
    /// The nesting argument (`telemetry`), for a nested list.
    nested_in: Option<&'a str>,
    /// The argument a bare literal most likely meant.
    primary: &'a str,
}

impl ArgList<'_> {
    /// Where the list is, for messages: `#[crux::use_reason]`, `telemetry(..)`.
    fn place(&self, spec: &MacroSpec) -> String {
        match self.nested_in {
            None => format!("#[crux::{}]", spec.name),
            Some(outer) => format!("{outer}(..)"),
        }
    }
}

fn check_args(
    spec: &MacroSpec,
    list: &ArgList<'_>,
    args: &[Arg],
    checked: &mut Checked,
    errors: &mut Errors,
) {
    let mut seen: Vec<&syn::Ident> = Vec::new();
    let mut positional = false;
    for arg in args {
        if let ArgValue::Positional(lit) = &arg.value {
            errors.at(
                lit,
                format_args!(
                    "arguments are named: write `{} = {}`",
                    list.primary,
                    quote::quote!(#lit)
                ),
            );
            positional = true;
            continue;
        }
        let name = arg.name.to_string();
        let Some(arg_spec) = list.table.iter().find(|a| a.name == name) else {
            errors.at(&arg.name, unknown_argument(spec, list, &name));
            continue;
        };
        if seen.iter().any(|s| **s == arg.name) {
            let place = match list.nested_in {
                None => String::new(),
                Some(_) => format!(" in {}", list.place(spec)),
            };
            errors.at(
                &arg.name,
                format_args!("duplicate argument `{name}`{place}"),
            );
            continue;
        }
        seen.push(&arg.name);
        check_arg(spec, arg_spec, arg, checked, errors);
    }
    if list.nested_in.is_none() {
        let find = |n: &str| seen.iter().find(|s| **s == n).copied();
        for (a, b) in spec.exclusive {
            if let (Some(_), Some(second)) = (find(a), find(b)) {
                errors.at(
                    second,
                    format_args!("`{a}` and `{b}` cannot be used together"),
                );
            }
        }
        for required in spec.required {
            // A bare literal meant for it was reported already, with the fix.
            if find(required).is_none() && !(positional && *required == list.primary) {
                errors.at_span(
                    Span::call_site(),
                    format_args!("#[crux::{}] needs `{required} = ...`", spec.name),
                );
            }
        }
    }
}

fn unknown_argument(spec: &MacroSpec, list: &ArgList<'_>, name: &str) -> String {
    let place = list.place(spec);
    // The right argument in the wrong list: `telemetry(model = ..)`, `operation = ..`.
    let elsewhere = match list.nested_in {
        Some(_) => spec.args.iter().any(|a| a.name == name).then(|| {
            format!(
                "`{name}` is an argument of #[crux::{}] itself, outside `{place}`",
                spec.name
            )
        }),
        None => spec.args.iter().find_map(|a| match a.shape {
            Shape::Nested { args, .. } => args.iter().find(|n| n.name == name).map(|inner| {
                let written = match inner.shape {
                    Shape::Tags | Shape::Metadata(_) | Shape::Attributes => format!("{name}(..)"),
                    _ => format!("{name} = ..."),
                };
                format!("it goes inside `{}({written})`", a.name)
            }),
            _ => None,
        }),
    };
    if let Some(elsewhere) = elsewhere {
        return format!("unknown argument `{name}` for {place}: {elsewhere}");
    }
    crate::errors::unknown(
        &format!("argument `{name}` for {place}"),
        name,
        list.table.iter().map(|a| a.name),
    )
}

fn parse_list<T: syn::parse::Parse>(group: &proc_macro2::Group, errors: &mut Errors) -> Option<T> {
    args::parse_list::<T>(group)
        .map_err(|e| errors.push(e))
        .ok()
}

fn check_arg(
    spec: &MacroSpec,
    arg_spec: &'static ArgSpec,
    arg: &Arg,
    checked: &mut Checked,
    errors: &mut Errors,
) {
    let name = arg_spec.name;
    match (arg_spec.shape, &arg.value) {
        (Shape::Name, ArgValue::Expr(Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }))) => {
            if let Some(reason) = invalid_span_name_part(&lit.value()) {
                errors.at(lit, format_args!("invalid `{name}`: {reason}"));
            } else {
                checked.name = Some(lit.clone());
            }
        }
        (Shape::Choice(options), ArgValue::Expr(Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }))) => {
            let value = lit.value();
            if options.contains(&value.as_str()) {
                checked.name = Some(lit.clone());
            } else {
                let list = options.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ");
                let hint = registry::did_you_mean(&value, options.iter().copied())
                    .map(|b| format!("; did you mean \"{b}\"?"))
                    .unwrap_or_default();
                errors.at(lit, format_args!("`{name}` must be one of {list}, not \"{value}\"{hint}"));
            }
        }
        (Shape::Choice(options), ArgValue::Expr(expr)) => {
            let list = options.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ");
            errors.at(expr, format_args!("`{name}` must be a string literal, one of {list}: it is part of the span name"));
        }
        (Shape::Name, ArgValue::Expr(expr)) => errors.at(
            expr,
            format_args!("`{name}` must be a string literal: it is part of the span name, fixed at compile time"),
        ),
        (Shape::Attributes, ArgValue::List(tokens)) => {
            if let Some(Entries(entries)) = parse_list(tokens, errors) {
                for entry in &entries {
                    check_attribute(spec, entry, checked, errors);
                }
            }
        }
        (Shape::Metadata(prefix), ArgValue::List(tokens)) => {
            if let Some(Entries(entries)) = parse_list(tokens, errors) {
                for entry in entries {
                    check_metadata(prefix, entry, checked, errors);
                }
            }
        }
        (Shape::Tags, ArgValue::List(tokens)) => {
            if let Some(Values(values)) = parse_list(tokens, errors) {
                for value in values {
                    match literal_mismatch(ValueType::Str, &value) {
                        Some(found) => errors.at(&value, format_args!("tags are strings, found {found}")),
                        None => checked.tags.push(value),
                    }
                }
            }
        }
        (Shape::Nested { args, .. }, ArgValue::List(tokens)) => {
            if let Some(Args(nested)) = parse_list(tokens, errors) {
                let list = ArgList {
                    table: args,
                    nested_in: Some(name),
                    primary: args.first().map_or(name, |a| a.name),
                };
                check_args(spec, &list, &nested, checked, errors);
            }
        }
        (Shape::Runtime { method, strings: true }, ArgValue::Expr(expr)) => match expr {
            Expr::Lit(ExprLit { lit: Lit::Str(_), .. }) | Expr::Array(_) => {
                checked.runtime.push((method, expr.clone()))
            }
            _ => match literal_mismatch(ValueType::Str, expr) {
                Some(found) => errors.at(
                    expr,
                    format_args!("`{name}` takes a string literal or an expression, found {found}"),
                ),
                None => checked.runtime.push((method, expr.clone())),
            },
        },
        (Shape::Nested { method, .. } | Shape::Runtime { method, strings: false }, ArgValue::Expr(expr)) => {
            if let Expr::Lit(lit) = expr {
                errors.at(lit, format_args!("`{name}` takes an expression, not a literal"));
            } else {
                checked.runtime.push((method, expr.clone()));
            }
        }
        (Shape::Value(ValueType::Bool), ArgValue::Flag) => checked.settings.push(Setting {
            key: arg_spec.key.unwrap_or_default().to_owned(),
            key_span: arg.name.span(),
            value: SettingValue::True,
            ty: Some(ValueType::Bool),
        }),
        (Shape::Value(ty), ArgValue::Expr(expr)) => {
            if let Some(found) = literal_mismatch(ty, expr) {
                errors.at(expr, format_args!("`{name}` takes {}, found {found}", ty.describe()));
                return;
            }
            checked.settings.push(Setting {
                key: arg_spec.key.unwrap_or_default().to_owned(),
                key_span: arg.name.span(),
                value: setting_value(expr),
                ty: Some(ty),
                });
        }
        (Shape::Hashed, ArgValue::Expr(expr)) => {
            if let Some(found) = literal_mismatch(ValueType::Str, expr) {
                errors.at(
                    expr,
                    format_args!("`{name}` takes a string literal or an expression, found {found}"),
                );
                return;
            }
            checked.settings.push(Setting {
                key: arg_spec.key.unwrap_or_default().to_owned(),
                key_span: arg.name.span(),
                value: SettingValue::Hashed(expr.clone()),
                ty: Some(ValueType::Str),
            });
        }
        (Shape::Attributes | Shape::Metadata(_), _) => errors.at(
            &arg.name,
            format_args!("`{name}` takes a list: `{name}(key = value, ..)`"),
        ),
        (Shape::Tags, _) => errors.at(&arg.name, format_args!("`{name}` takes a list: `{name}(\"vip\", ..)`")),
        (Shape::Nested { .. }, ArgValue::Flag) => errors.at(
            &arg.name,
            format_args!("`{name}` takes a list `{name}(..)` or an expression `{name} = ..`"),
        ),
        (Shape::Runtime { .. }, _) | (Shape::Name | Shape::Choice(_) | Shape::Value(_) | Shape::Hashed, ArgValue::Flag) => {
            errors.at(&arg.name, format_args!("`{name}` needs a value: `{name} = ...`"))
        }
        (Shape::Name | Shape::Choice(_) | Shape::Value(_) | Shape::Hashed, ArgValue::List(_)) => errors.at(
            &arg.name,
            format_args!("`{name}` takes a single value: `{name} = ...`"),
        ),
        // Reported (with the macro's main argument) before the table is consulted.
        (_, ArgValue::Positional(_)) => {}
    }
}

fn check_attribute(spec: &MacroSpec, entry: &Entry, checked: &mut Checked, errors: &mut Errors) {
    let key = entry.key.as_str();
    let at = &entry.key_tokens;
    let checked_key = registry::check_user_key(key);
    if let Err(e @ registry::KeyError::InvalidName(_)) = checked_key {
        errors.at(at, e.message(key));
        return;
    }
    if let Some((argument, written)) = spec.argument_for(key) {
        errors.at(
            at,
            format_args!("set `{key}` with the `{argument}` argument: `{written}`"),
        );
        return;
    }
    if let Some(argument) = spec.hashed_from(key) {
        errors.at(
            at,
            format_args!(
                "`{key}` is set by #[crux::{}] itself: it is the hash of `{argument} = ...`",
                spec.name
            ),
        );
        return;
    }
    if let Some(from) = spec.derived(key) {
        let why = match from {
            Some(argument) => format!("it is recorded from `{argument}`"),
            None => "a value given here would be overwritten".to_owned(),
        };
        errors.at(
            at,
            format_args!("`{key}` is set by #[crux::{}] itself: {why}", spec.name),
        );
        return;
    }
    if checked.settings.iter().any(|s| s.key == key) {
        errors.at(at, format_args!("duplicate attribute `{key}`"));
        return;
    }
    let known = match checked_key {
        Ok(known) => known,
        Err(e) => {
            let prefix = match e {
                registry::KeyError::UnknownReserved { prefix, .. } => prefix,
                registry::KeyError::InvalidName(_) => "",
            };
            errors.at(
                at,
                format_args!(
                    "{}\nkeys under `{prefix}` must be in crux's key table; use your own namespace (`app.…`) for custom attributes",
                    e.message(key)
                ),
            );
            return;
        }
    };
    let ty = known.map(|k| k.ty);
    if let Some(found) = ty.and_then(|ty| literal_mismatch(ty, &entry.value)) {
        errors.at(
            &entry.value,
            format_args!(
                "`{key}` takes {}, found {found}",
                ty.unwrap_or(ValueType::Str).describe()
            ),
        );
        return;
    }
    checked.settings.push(Setting {
        key: key.to_owned(),
        key_span: entry.key_span,
        value: setting_value(&entry.value),
        ty,
    });
}

fn check_metadata(prefix: &str, entry: Entry, checked: &mut Checked, errors: &mut Errors) {
    let key = format!("{prefix}{}", entry.key);
    if entry.key.is_empty() {
        errors.at(&entry.key_tokens, "a metadata key cannot be empty");
        return;
    }
    if let Some(reason) = registry::invalid_name_reason(&entry.key) {
        errors.at(
            &entry.key_tokens,
            format_args!("`{}` is not a valid metadata key: {reason}", entry.key),
        );
        return;
    }
    if checked.settings.iter().any(|s| s.key == key) {
        errors.at(
            &entry.key_tokens,
            format_args!("duplicate metadata key `{}`", entry.key),
        );
        return;
    }
    checked.settings.push(Setting {
        value: setting_value(&entry.value),
        key,
        key_span: entry.key_span,
        ty: None,
    });
}

fn setting_value(expr: &Expr) -> SettingValue {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => SettingValue::Str(lit.clone()),
        other => SettingValue::Expr(other.clone()),
    }
}

/// Describes a literal that cannot have type `ty`; expressions are left to the compiler.
fn literal_mismatch(ty: ValueType, expr: &Expr) -> Option<&'static str> {
    let lit = match expr {
        Expr::Lit(ExprLit { lit, .. }) => lit,
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(ExprLit { lit, .. }) => lit,
            _ => return None,
        },
        Expr::Array(array) => {
            return match ty {
                ValueType::StrArray => array
                    .elems
                    .iter()
                    .find_map(|e| literal_mismatch(ValueType::Str, e))
                    .map(|_| "an array with a non-string literal"),
                ValueType::Json => None,
                _ => Some("an array"),
            }
        }
        _ => return None,
    };
    let found = match lit {
        Lit::Str(_) => "a string literal",
        Lit::Int(_) => "an integer literal",
        Lit::Float(_) => "a float literal",
        Lit::Bool(_) => "a bool literal",
        _ => "a literal of another type",
    };
    let fits = matches!(
        (ty, lit),
        (ValueType::Str, Lit::Str(_))
            | (ValueType::Bool, Lit::Bool(_))
            | (ValueType::Int, Lit::Int(_))
            | (ValueType::Double, Lit::Int(_) | Lit::Float(_))
            | (ValueType::Json, _)
    );
    (!fits).then_some(found)
}

/// Tool names become span names: keep them to what every backend displays well.
fn invalid_span_name_part(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it cannot be empty")
    } else if name.len() > 64 {
        Some("it is at most 64 characters")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        Some("use ASCII letters, digits, `_`, `-` and `.` only")
    } else {
        None
    }
}
