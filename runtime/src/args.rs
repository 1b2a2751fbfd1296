//! The arguments of one tool call, checked against the tool's parameters and deserialised one
//! parameter at a time by the code `#[tool]` generates.
//!
//! Arguments that arrive as JSON text (a `tools/call` request) are kept as borrowed raw JSON and
//! each is deserialised straight into its parameter's type: the request is read once, with no
//! `serde_json::Value` tree built in between and torn down after. Arguments given as a `Value`
//! (the [`Registry::call`](crate::registry::Registry::call) API) are taken from it.

use crate::error::ToolError;
use crate::protocol::JsonKey;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// The arguments of one call, already checked against the parameter list (unknown names rejected)
/// with the defaults at hand for the absent ones.
#[derive(Debug, Default)]
#[doc(hidden)]
pub struct Args<'a> {
    /// One entry per parameter the client gave (a name given twice: the last value counts, as
    /// when a JSON object is read into a map). At most one entry per parameter, so a hostile
    /// object repeating a name cannot grow this.
    given: Vec<(Cow<'a, str>, Given<'a>)>,
    /// Values of the parameters that have a default.
    defaults: &'a [(&'static str, Value)],
}

#[derive(Debug)]
enum Given<'a> {
    Raw(&'a RawValue),
    Value(Value),
    Taken,
}

impl<'a> Args<'a> {
    /// The arguments in `raw` (a JSON object, or `null` for none), checked against `params`.
    pub(crate) fn from_raw(
        params: &[&str],
        defaults: &'a [(&'static str, Value)],
        raw: Option<&'a RawValue>,
    ) -> Result<Self, ToolError> {
        let given = match raw {
            None => Vec::new(),
            Some(raw) => {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                let given = de
                    .deserialize_any(ObjectVisitor { params })
                    .map_err(|e| ToolError::invalid_arguments(without_position(&e)))?;
                given.map_err(|unknown| unknown_argument(params, &unknown))?
            }
        };
        Ok(Args { given, defaults })
    }

    /// The arguments in `value` (an object, or `null` for none), checked against `params`.
    pub(crate) fn from_value(
        params: &[&str],
        defaults: &'a [(&'static str, Value)],
        value: Value,
    ) -> Result<Self, ToolError> {
        let map = match value {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(ToolError::invalid_arguments(format!(
                    "arguments must be an object, got {}",
                    json_kind(&other)
                )))
            }
        };
        if let Some(unknown) = map.keys().find(|k| !is_param(params, k)) {
            return Err(unknown_argument(params, unknown));
        }
        let given = map
            .into_iter()
            .map(|(k, v)| (Cow::Owned(k), Given::Value(v)))
            .collect();
        Ok(Args { given, defaults })
    }

    /// One argument with no parameter list around it (a default checked at start-up).
    pub(crate) fn single(name: &str, value: Value) -> Args<'static> {
        Args {
            given: vec![(Cow::Owned(name.to_owned()), Given::Value(value))],
            defaults: &[],
        }
    }

    /// Removes and deserialises one argument. An absent argument takes its default, or else
    /// deserialises from `null`, which succeeds exactly for optional types.
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, ToolError> {
        let given = self
            .given
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, given)| std::mem::replace(given, Given::Taken));
        let bad = |e: serde_json::Error| {
            ToolError::invalid_arguments(format!("argument `{name}`: {}", without_position(&e)))
        };
        match given {
            Some(Given::Raw(raw)) => serde_json::from_str(raw.get()).map_err(bad),
            Some(Given::Value(v)) => serde_json::from_value(v).map_err(bad),
            Some(Given::Taken) | None => match self.defaults.iter().find(|(n, _)| *n == name) {
                Some((_, default)) => T::deserialize(default).map_err(bad),
                None => serde_json::from_value(Value::Null).map_err(|_| {
                    ToolError::invalid_arguments(format!("missing required argument `{name}`"))
                }),
            },
        }
    }
}

fn is_param(params: &[&str], name: &str) -> bool {
    params.contains(&name)
}

fn unknown_argument(params: &[&str], unknown: &str) -> ToolError {
    ToolError::invalid_arguments(format!(
        "unknown argument `{unknown}` (expected: {})",
        if params.is_empty() {
            "none".to_owned()
        } else {
            params.join(", ")
        }
    ))
}

/// serde_json's message without its " at line L column C": the position is within the
/// arguments' own text, which the client never sees as such, and the message then reads the
/// same whether the arguments came as text or as a `Value`.
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&suffix) {
        Some(m) => m.to_owned(),
        None => message,
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads an arguments object into `(name, raw value)` entries, one per parameter; the inner
/// `Err` names the first argument that is no parameter.
struct ObjectVisitor<'p> {
    params: &'p [&'p str],
}

type Entries<'a> = Vec<(Cow<'a, str>, Given<'a>)>;

impl<'de> Visitor<'de> for ObjectVisitor<'_> {
    type Value = Result<Entries<'de>, String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(Vec::new()))
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut given: Entries<'de> = Vec::with_capacity(self.params.len());
        let mut unknown = None;
        while let Some(JsonKey(name)) = map.next_key()? {
            if unknown.is_some() || !is_param(self.params, &name) {
                // The rest is read through (the object must still be well-formed), not kept.
                map.next_value::<de::IgnoredAny>()?;
                unknown.get_or_insert(name);
                continue;
            }
            let value = Given::Raw(map.next_value()?);
            match given.iter_mut().find(|(k, _)| *k == name) {
                Some(entry) => entry.1 = value,
                None => given.push((name, value)),
            }
        }
        Ok(match unknown {
            Some(name) => Err(name.into_owned()),
            None => Ok(given),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const PARAMS: [&str; 2] = ["a", "b"];

    fn raw(text: &str) -> &RawValue {
        serde_json::from_str(text).unwrap()
    }

    fn message(e: ToolError) -> String {
        match e {
            ToolError::InvalidArguments(m) => m,
            other => panic!("not invalid arguments: {other:?}"),
        }
    }

    #[test]
    fn raw_arguments_deserialise_into_their_types() {
        let text = raw(r#"{"b": [1, 2], "a": "x"}"#);
        let mut args = Args::from_raw(&PARAMS, &[], Some(text)).unwrap();
        assert_eq!(args.take::<String>("a").unwrap(), "x");
        assert_eq!(args.take::<Vec<u8>>("b").unwrap(), [1, 2]);
        // `null`, or nothing at all, is no arguments.
        for none in [Some(raw("null")), None] {
            let mut args = Args::from_raw(&PARAMS, &[], none).unwrap();
            assert_eq!(args.take::<Option<i64>>("a").unwrap(), None);
            assert_eq!(
                message(args.take::<i64>("b").unwrap_err()),
                "missing required argument `b`"
            );
        }
    }

    #[test]
    fn a_repeated_name_counts_once_with_its_last_value_as_in_a_map() {
        let text = raw(r#"{"a": 1, "\u0061": 2, "a": 3, "b": 0}"#);
        let mut args = Args::from_raw(&PARAMS, &[], Some(text)).unwrap();
        assert_eq!(args.given.len(), 2, "one entry per parameter");
        assert_eq!(args.take::<i64>("a").unwrap(), 3);
        let value = serde_json::from_str(text.get()).unwrap();
        let mut args = Args::from_value(&PARAMS, &[], value).unwrap();
        assert_eq!(args.take::<i64>("a").unwrap(), 3);
    }

    #[test]
    fn unknown_names_and_wrong_types_read_the_same_from_text_and_from_a_value() {
        for text in [
            r#"{"a": 1, "zz": {"deep": [1]}, "b": 2}"#,
            r#"{"a": "not a number"}"#,
            r#"{"b": 1, "a": -1}"#,
        ] {
            let from_text = Args::from_raw(&PARAMS, &[], Some(raw(text)))
                .and_then(|mut a| a.take::<u8>("a"))
                .map_err(message);
            let value = serde_json::from_str(text).unwrap();
            let from_value = Args::from_value(&PARAMS, &[], value)
                .and_then(|mut a| a.take::<u8>("a"))
                .map_err(message);
            assert_eq!(from_text, from_value, "{text}");
            assert!(from_text.is_err(), "{text}");
        }
        let e = Args::from_raw(&PARAMS, &[], Some(raw(r#"{"zz": 1}"#))).unwrap_err();
        assert_eq!(message(e), "unknown argument `zz` (expected: a, b)");
        // Not an object: refused with serde's reason, the position left out.
        let e = Args::from_raw(&PARAMS, &[], Some(raw("[1]"))).unwrap_err();
        assert_eq!(message(e), "invalid type: sequence, expected an object");
    }

    #[test]
    fn a_default_stands_in_for_an_absent_argument_only() {
        let defaults = [("b", serde_json::json!(10))];
        let mut args = Args::from_raw(&PARAMS, &defaults, Some(raw(r#"{"a":1}"#))).unwrap();
        assert_eq!(args.take::<i64>("b").unwrap(), 10);
        let mut args = Args::from_raw(&PARAMS, &defaults, Some(raw(r#"{"b":2}"#))).unwrap();
        assert_eq!(args.take::<i64>("b").unwrap(), 2);
        // A given `null` is the client's value, not an absent one.
        let mut args = Args::from_raw(&PARAMS, &defaults, Some(raw(r#"{"b":null}"#))).unwrap();
        assert_eq!(args.take::<Option<i64>>("b").unwrap(), None);
    }
}
