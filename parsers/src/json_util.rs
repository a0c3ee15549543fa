//! Lenient readers for the agent's and extensions' JSON files (status, heartbeat, handler and agent-status
//! files). Writers disagree on types — `"code": 1` or `"code": "1"`, `true` or `"True"` — so every field
//! reader accepts what any known writer produced, and `None` means "absent or unreadable".

use crate::error::ParseError;
use crate::lines::decode;
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// A JSON object.
pub(crate) type Object = Map<String, Value>;

/// Decodes bytes (BOM, UTF-16) and parses JSON; NUL bytes are dropped first because Windows and page
/// blobs pad files with them. Nesting is bounded by `serde_json`'s recursion limit (128), so hostile
/// input gives an error rather than a stack overflow.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, ParseError> {
    let text = decode(bytes);
    let text = if text.contains('\0') { Cow::Owned(text.replace('\0', "")) } else { text };
    if text.trim().is_empty() {
        return Err(ParseError::new("empty file"));
    }
    Ok(serde_json::from_str(&text)?)
}

/// The object under `key`, when it is one.
pub(crate) fn object<'a>(obj: &'a Object, key: &str) -> Option<&'a Object> {
    obj.get(key).and_then(Value::as_object)
}

/// The object under `key`, or an error naming the key: `missing key <key>` / `<key> is not a JSON object`.
pub(crate) fn required_object<'a>(obj: &'a Object, key: &str) -> Result<&'a Object, ParseError> {
    let value = obj.get(key).ok_or_else(|| ParseError::new(format!("missing key {key}")))?;
    value.as_object().ok_or_else(|| ParseError::new(format!("{key} is not a JSON object")))
}

/// A scalar field as text: strings as-is, numbers and booleans written out; `None` for null, missing,
/// arrays and objects.
pub(crate) fn str_field(obj: &Object, key: &str) -> Option<String> {
    match obj.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `formattedMessage.message`, without the checks the agent applies to extension status files.
pub(crate) fn formatted_message_text(obj: &Object) -> Option<String> {
    object(obj, "formattedMessage").and_then(|m| str_field(m, "message"))
}

/// A boolean written as `true` or as the string `"true"`/`"True"`.
pub(crate) fn bool_field(obj: &Object, key: &str) -> Option<bool> {
    match obj.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A non-negative integer written as a number or a string of digits.
pub(crate) fn u64_field(obj: &Object, key: &str) -> Option<u64> {
    match obj.get(key)? {
        Value::Number(n) => {
            n.as_u64().or_else(|| integral_f64(n.as_f64()).and_then(|i| u64::try_from(i).ok()))
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An integer written as a number or a string.
pub(crate) fn i64_field(obj: &Object, key: &str) -> Option<i64> {
    match obj.get(key)? {
        Value::Number(n) => number_i64(n),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON number as an integer: `2` and `2.0` are 2; `2.5` and values beyond `i64` are `None`.
pub(crate) fn number_i64(n: &Number) -> Option<i64> {
    n.as_i64().or_else(|| integral_f64(n.as_f64()))
}

/// `1.0` as 1, but not `1.5` nor values beyond `i64`.
fn integral_f64(f: Option<f64>) -> Option<i64> {
    let f = f?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
}

/// `[{"Key": k, "Value": v}]` (either key case) as pairs; values that are not strings become JSON text.
pub(crate) fn key_value_pairs(value: Option<&Value>) -> Vec<(String, String)> {
    let Some(items) = value.and_then(Value::as_array) else { return Vec::new() };
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|o| {
            let key = str_field(o, "Key").or_else(|| str_field(o, "key"))?;
            let value = str_field(o, "Value").or_else(|| str_field(o, "value")).unwrap_or_default();
            Some((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn parse_json_tolerates_bom_and_nul_padding_but_not_emptiness() {
        assert_eq!(parse_json(b"\xEF\xBB\xBF{\"a\": 1}\0\0").unwrap(), json!({"a": 1}));
        assert_eq!(parse_json(b" \0 \n").unwrap_err().message, "empty file");
        let err = parse_json(b"{\n\"a\": }").unwrap_err();
        assert!(err.message.starts_with("invalid JSON: "), "{}", err.message);
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn field_readers_accept_every_writer_spelling() {
        let o = obj(json!({
            "s": "x", "n": 12, "f": 2.0, "half": 2.5, "neg": -3, "t": "True", "b": false, "digits": " 42 ",
            "null": null, "list": [1], "big": 1e300
        }));
        let strs: Vec<_> = ["s", "n", "b", "null", "list", "absent"].map(|k| str_field(&o, k)).to_vec();
        assert_eq!(strs, [Some("x".into()), Some("12".into()), Some("false".into()), None, None, None]);
        assert_eq!(
            (bool_field(&o, "t"), bool_field(&o, "b"), bool_field(&o, "s")),
            (Some(true), Some(false), None)
        );
        let u64s: Vec<_> = ["n", "f", "half", "neg", "digits", "big"].map(|k| u64_field(&o, k)).to_vec();
        assert_eq!(u64s, [Some(12), Some(2), None, None, Some(42), None]);
        let i64s: Vec<_> =
            ["n", "f", "half", "neg", "digits", "null", "big"].map(|k| i64_field(&o, k)).to_vec();
        assert_eq!(i64s, [Some(12), Some(2), None, Some(-3), Some(42), None, None]);
    }

    #[test]
    fn objects_and_formatted_messages() {
        let o = obj(json!({"formattedMessage": {"lang": "en-US", "message": "m"}, "list": []}));
        assert_eq!(formatted_message_text(&o).as_deref(), Some("m"));
        assert_eq!(object(&o, "list"), None);
        assert_eq!(required_object(&o, "list").unwrap_err().message, "list is not a JSON object");
        assert_eq!(required_object(&o, "status").unwrap_err().message, "missing key status");
        assert!(required_object(&o, "formattedMessage").is_ok());
    }

    #[test]
    fn key_value_pairs_in_either_case() {
        let v =
            json!([{"Key": "a", "Value": "1"}, {"key": "b", "value": 2}, {"Key": "c"}, {"Value": "d"}, 5]);
        let pairs = key_value_pairs(Some(&v));
        let expected = [("a", "1"), ("b", "2"), ("c", "")].map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(pairs, expected);
        assert!(key_value_pairs(Some(&json!({"Key": "a"}))).is_empty());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(Value::Object(o)) = parse_json(&bytes) {
                for key in o.keys() {
                    let _ = (str_field(&o, key), bool_field(&o, key), u64_field(&o, key), i64_field(&o, key));
                }
            }
        }
    }
}
