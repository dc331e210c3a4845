//! Conversion of Rust values into OpenTelemetry attribute values.
//!
//! Strings, bools, integers, floats and homogeneous arrays of them map to the
//! matching OpenTelemetry value; `None` drops the key; anything else can be
//! recorded as JSON text through [`Json`].

use opentelemetry::{Array, StringValue, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// A value that can become a span attribute.
///
/// Macro arguments such as `model = req.model` are recorded through this trait, by
/// reference, so the argument is never moved out of the function.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span attribute",
    label = "not a string, bool, integer, float, or an array or `Option` of one",
    note = "record structured data as JSON text with `crux::Json(..)` (it needs `serde::Serialize`), or record one of its fields"
)]
pub trait AttrValue {
    /// The attribute value, or `None` to leave the key out.
    fn to_value(&self) -> Option<Value>;
}

impl<T: AttrValue + ?Sized> AttrValue for &T {
    fn to_value(&self) -> Option<Value> {
        (**self).to_value()
    }
}

impl<T: AttrValue + ?Sized> AttrValue for Box<T> {
    fn to_value(&self) -> Option<Value> {
        (**self).to_value()
    }
}

impl<T: AttrValue + ?Sized> AttrValue for Arc<T> {
    fn to_value(&self) -> Option<Value> {
        (**self).to_value()
    }
}

impl<T: AttrValue> AttrValue for Option<T> {
    fn to_value(&self) -> Option<Value> {
        self.as_ref().and_then(AttrValue::to_value)
    }
}

impl AttrValue for str {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.to_owned().into()))
    }
}

impl AttrValue for String {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.clone().into()))
    }
}

impl AttrValue for Cow<'_, str> {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.to_string().into()))
    }
}

impl AttrValue for bool {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

macro_rules! lossless_ints {
    ($($t:ty),*) => {$(
        impl AttrValue for $t {
            fn to_value(&self) -> Option<Value> {
                Some(Value::I64(i64::from(*self)))
            }
        }
    )*};
}
lossless_ints!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! saturating_ints {
    ($($t:ty),*) => {$(
        impl AttrValue for $t {
            fn to_value(&self) -> Option<Value> {
                Some(Value::I64(i64::try_from(*self).unwrap_or(i64::MAX)))
            }
        }
    )*};
}
saturating_ints!(u64, usize, isize, u128, i128);

impl AttrValue for f64 {
    fn to_value(&self) -> Option<Value> {
        Some(Value::F64(*self))
    }
}

impl AttrValue for f32 {
    fn to_value(&self) -> Option<Value> {
        Some(Value::F64(f64::from(*self)))
    }
}

/// Element types that form a homogeneous OpenTelemetry array.
pub trait ArrayElement {
    /// Collects a slice of elements into an array value.
    fn to_array(items: &[Self]) -> Array
    where
        Self: Sized;
}

impl<S: AsRef<str>> ArrayElement for S {
    fn to_array(items: &[Self]) -> Array {
        Array::String(
            items
                .iter()
                .map(|s| StringValue::from(s.as_ref().to_owned()))
                .collect(),
        )
    }
}

impl<T: ArrayElement> AttrValue for [T] {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Array(T::to_array(self)))
    }
}

impl<T: ArrayElement> AttrValue for Vec<T> {
    fn to_value(&self) -> Option<Value> {
        self.as_slice().to_value()
    }
}

impl<T: ArrayElement, const N: usize> AttrValue for [T; N] {
    fn to_value(&self) -> Option<Value> {
        self.as_slice().to_value()
    }
}

/// Integer arrays (`Vec<i64>`, `[i64]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ints(pub Vec<i64>);

impl AttrValue for Ints {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Array(Array::I64(self.0.clone())))
    }
}

/// Records any serializable value as JSON text.
///
/// ```
/// # use crux::{AttrValue, Json};
/// let v = Json(serde_json::json!({"plan": "pro"})).to_value().unwrap();
/// assert_eq!(v.as_str(), r#"{"plan":"pro"}"#);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> AttrValue for Json<T> {
    fn to_value(&self) -> Option<Value> {
        serde_json::to_string(&self.0)
            .ok()
            .map(|s| Value::String(s.into()))
    }
}

impl AttrValue for Value {
    fn to_value(&self) -> Option<Value> {
        Some(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_their_type() {
        assert_eq!("a".to_value(), Some(Value::from("a")));
        assert_eq!(3u32.to_value(), Some(Value::I64(3)));
        assert_eq!(u64::MAX.to_value(), Some(Value::I64(i64::MAX)));
        assert_eq!(0.5f32.to_value(), Some(Value::F64(0.5)));
        assert_eq!(true.to_value(), Some(Value::Bool(true)));
    }

    #[test]
    fn none_drops_the_key() {
        assert_eq!(None::<String>.to_value(), None);
        assert_eq!(Some("x").to_value(), Some(Value::from("x")));
    }

    #[test]
    fn string_collections_become_string_arrays() {
        let v = vec!["stop", "length"].to_value().unwrap();
        assert_eq!(
            v,
            Value::Array(Array::String(vec!["stop".into(), "length".into()]))
        );
        assert_eq!(
            ["a".to_string()].to_value(),
            Some(Value::Array(Array::String(vec!["a".into()])))
        );
    }
}

/// Values a string attribute accepts (`&str`, `String`, `Cow<str>`, an `Option` of one).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a string attribute",
    label = "this attribute takes a string (`&str`, `String`, or an `Option` of one)"
)]
pub trait StrAttr: AttrValue {}
/// Values an integer attribute accepts (integer types, or an `Option` of one).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as an integer attribute",
    label = "this attribute takes an integer (or an `Option` of one)"
)]
pub trait IntAttr: AttrValue {}
/// Values a float attribute accepts (floats and integers, or an `Option` of one).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a number attribute",
    label = "this attribute takes a number (or an `Option` of one)"
)]
pub trait DoubleAttr: AttrValue {}
/// Values a bool attribute accepts.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a bool attribute",
    label = "this attribute takes a bool (or an `Option` of one)"
)]
pub trait BoolAttr: AttrValue {}
/// Values a string-array attribute accepts (`Vec<String>`, `&[&str]`, `[&str; N]`, ...).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a string-array attribute",
    label = "this attribute takes an array of strings"
)]
pub trait StrArrayAttr: AttrValue {}

macro_rules! typed {
    ($marker:ident: $($t:ty),*) => {
        $(impl $marker for $t {})*
        impl<T: $marker + ?Sized> $marker for &T {}
        impl<T: $marker + ?Sized> $marker for Box<T> {}
        impl<T: $marker + ?Sized> $marker for Arc<T> {}
        impl<T: $marker> $marker for Option<T> {}
    };
}
typed!(StrAttr: str, String, Cow<'_, str>);
typed!(IntAttr: i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);
typed!(DoubleAttr: f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);
typed!(BoolAttr: bool);
impl<S: AsRef<str>> StrArrayAttr for [S] {}
impl<S: AsRef<str>> StrArrayAttr for Vec<S> {}
impl<S: AsRef<str>, const N: usize> StrArrayAttr for [S; N] {}
impl<T: StrArrayAttr + ?Sized> StrArrayAttr for &T {}
impl<T: StrArrayAttr> StrArrayAttr for Option<T> {}
