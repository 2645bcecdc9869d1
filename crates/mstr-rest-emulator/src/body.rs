//! Request bodies that may come as JSON or as `application/x-www-form-urlencoded` (mstrio sends
//! its login form-encoded).

use axum::http::HeaderMap;
use serde_json::{Map, Value};

use crate::error_body::ApiError;
use crate::state::header_str;

/// The top-level fields of a JSON object or a form, with form values as JSON strings.
#[derive(Debug, Default)]
pub(crate) struct Fields(Map<String, Value>);

impl Fields {
    /// Parses by `Content-Type`: form-encoded when it says so, otherwise JSON. An empty body is
    /// an empty set of fields, so the server's defaults apply.
    pub(crate) fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, ApiError> {
        let is_form = header_str(headers, "content-type").is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        if is_form {
            return Ok(Self(
                form_pairs(body)
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            _ => Err(ApiError::invalid_json()),
        }
    }

    /// A string field; JSON `null` counts as absent.
    pub(crate) fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// An integer field given as a JSON number or a numeric string (`-1` and `"-1"` alike).
    /// `Ok(None)` when absent or `null`; an error when present but not an integer.
    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| not_an_integer(key)),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| not_an_integer(key)),
            Some(_) => Err(not_an_integer(key)),
        }
    }
}

fn not_an_integer(key: &str) -> ApiError {
    ApiError::invalid_input(format!("Invalid value for '{key}': expected an integer"))
}

pub(crate) fn form_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            (form_decode(key), form_decode(value))
        })
}

/// Decodes one form component: `+` is a space, `%XX` a byte; a malformed escape stays as it is.
fn form_decode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = input
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
