//! Checks the arguments against the macro's table and the key registry, gathering every
//! problem, and turns what is valid into settings for the expansion.

use crate::args::{Arg, ArgValue, Entry};
use crate::errors::Errors;
use crate::spec::{ArgSpec, MacroSpec, Shape};
use crux_registry::{self as registry, ValueType};
use proc_macro2::Span;
use syn::{Expr, ExprLit, Lit, LitStr, UnOp};

/// One attribute the expansion records when the span starts.
pub struct Setting<'a> {
    pub key: String,
    pub key_span: Span,
    pub value: SettingValue<'a>,
    /// The value type the key requires, if the registry knows the key.
    pub ty: Option<ValueType>,
}

pub enum SettingValue<'a> {
    /// A string literal, recorded without a copy.
    Str(&'a LitStr),
    /// `true` from a bare flag.
    True,
    /// Any other literal or expression.
    Expr(&'a Expr),
}

/// The valid part of the arguments.
#[derive(Default)]
pub struct Checked<'a> {
    /// The `Shape::Name` argument (tool name), if given.
    pub name: Option<&'a LitStr>,
    pub settings: Vec<Setting<'a>>,
    /// `(Start method, expression)` for `Shape::Runtime` arguments.
    pub runtime: Vec<(&'static str, &'a Expr)>,
}

impl Checked<'_> {
    /// The literal string recorded under `key`, if it was given as a literal.
    pub fn literal(&self, key: &str) -> Option<String> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .and_then(|s| match s.value {
                SettingValue::Str(lit) => Some(lit.value()),
                _ => None,
            })
    }
}

pub fn check<'a>(spec: &MacroSpec, args: &'a [Arg], errors: &mut Errors) -> Checked<'a> {
    let mut checked = Checked::default();
    let mut seen: Vec<&syn::Ident> = Vec::new();
    for arg in args {
        let name = arg.name.to_string();
        let Some(arg_spec) = spec.arg(&name) else {
            errors.at(&arg.name, unknown_argument(spec, &name));
            continue;
        };
        if let Some(first) = seen.iter().find(|s| **s == &arg.name) {
            let _ = first;
            errors.at(&arg.name, format_args!("duplicate argument `{name}`"));
            continue;
        }
        seen.push(&arg.name);
        check_arg(spec, arg_spec, arg, &mut checked, errors);
    }
    for (a, b) in spec.exclusive {
        let find = |n: &str| seen.iter().find(|s| **s == n).copied();
        if let (Some(_), Some(second)) = (find(a), find(b)) {
            errors.at(
                second,
                format_args!("`{a}` and `{b}` cannot be used together"),
            );
        }
    }
    checked
}

fn unknown_argument(spec: &MacroSpec, name: &str) -> String {
    let names = spec.args.iter().map(|a| a.name);
    let list = names
        .clone()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match registry::did_you_mean(name, names) {
        Some(best) => format!(
            "unknown argument `{name}` for #[crux::{}]; did you mean `{best}`?\nexpected one of: {list}",
            spec.name
        ),
        None => format!(
            "unknown argument `{name}` for #[crux::{}]\nexpected one of: {list}",
            spec.name
        ),
    }
}

fn check_arg<'a>(
    spec: &MacroSpec,
    arg_spec: &'static ArgSpec,
    arg: &'a Arg,
    checked: &mut Checked<'a>,
    errors: &mut Errors,
) {
    let name = arg_spec.name;
    match (arg_spec.shape, &arg.value) {
        (Shape::Name, ArgValue::Expr(Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }))) => {
            if let Some(reason) = invalid_span_name_part(&lit.value()) {
                errors.at(lit, format_args!("invalid `{name}`: {reason}"));
            } else {
                checked.name = Some(lit);
            }
        }
        (Shape::Name, ArgValue::Expr(expr)) => errors.at(
            expr,
            format_args!("`{name}` must be a string literal: it is part of the span name, fixed at compile time"),
        ),
        (Shape::Attributes, ArgValue::List(entries)) => {
            for entry in entries {
                check_entry(spec, entry, checked, errors);
            }
        }
        (Shape::Runtime(method), ArgValue::Expr(expr)) => {
            if let Expr::Lit(lit) = expr {
                errors.at(lit, format_args!("`{name}` takes an expression, not a literal"));
            } else {
                checked.runtime.push((method, expr));
            }
        }
        (Shape::Runtime(_), _) => errors.at(&arg.name, format_args!("`{name}` needs a value: `{name} = ...`")),
        (Shape::Attributes, _) => errors.at(
            &arg.name,
            "`attributes` takes a list: `attributes(app.tier = \"gold\", app.retries = 3)`",
        ),
        (Shape::Value(ValueType::Bool), ArgValue::Flag) => checked.settings.push(Setting {
            key: arg_spec.key.unwrap_or_default().to_owned(),
            key_span: arg.name.span(),
            value: SettingValue::True,
            ty: Some(ValueType::Bool),
        }),
        (Shape::Value(ty), ArgValue::Expr(expr)) => {
            if let Some(found) = literal_mismatch(ty, expr) {
                errors.at(
                    expr,
                    format_args!("`{name}` takes {}, found {found}", ty.describe()),
                );
                return;
            }
            checked.settings.push(Setting {
                key: arg_spec.key.unwrap_or_default().to_owned(),
                key_span: arg.name.span(),
                value: setting_value(expr),
                ty: Some(ty),
            });
        }
        (Shape::Name | Shape::Value(_), ArgValue::Flag) => {
            errors.at(&arg.name, format_args!("`{name}` needs a value: `{name} = ...`"))
        }
        (Shape::Name | Shape::Value(_), ArgValue::List(_)) => errors.at(
            &arg.name,
            format_args!("`{name}` takes a single value: `{name} = ...`"),
        ),
    }
}

fn check_entry<'a>(
    spec: &MacroSpec,
    entry: &'a Entry,
    checked: &mut Checked<'a>,
    errors: &mut Errors,
) {
    let key = entry.key.as_str();
    if let Some(reason) = registry::invalid_name_reason(key) {
        errors.at_span(
            entry.key_span,
            format_args!("`{key}` is not a valid attribute name: {reason}"),
        );
        return;
    }
    if let Some(arg) = spec.args.iter().find(|a| a.key == Some(key)) {
        errors.at_span(
            entry.key_span,
            format_args!(
                "set `{key}` with the `{}` argument: `{} = ...`",
                arg.name, arg.name
            ),
        );
        return;
    }
    if checked.settings.iter().any(|s| s.key == key) {
        errors.at_span(entry.key_span, format_args!("duplicate attribute `{key}`"));
        return;
    }
    let known = registry::lookup(key);
    if let (None, Some(prefix)) = (known, registry::reserved_prefix(key)) {
        let hint = registry::nearest_key(key)
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default();
        errors.at_span(
            entry.key_span,
            format_args!(
                "unknown attribute `{key}` in the reserved `{prefix}` namespace{hint}\n\
                 keys under `{prefix}` must be in crux's key table; use your own namespace (`app.…`) for custom attributes"
            ),
        );
        return;
    }
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

fn setting_value(expr: &Expr) -> SettingValue<'_> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => SettingValue::Str(lit),
        other => SettingValue::Expr(other),
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
