//! Saving a session to JSON and restoring it: the Python library's format, so a session can
//! be handed between Python and Rust processes.

use mstr_rest_error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use mstr_rest_core::printable;

use crate::session::{Session, SessionBuilder};

/// Headers the HTTP stack owns; a saved session's copies (a Python dump carries
/// `user-agent: python-httpx/…`) are not restored.
const TRANSPORT_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "connection",
    "content-length",
    "content-type",
    "cookie",
    "host",
    "user-agent",
];

impl Session {
    /// Saves the session as `{"base_url": …, "cookies": {…}, "headers": {…}}` — the shape
    /// the Python library's `json()` writes and `from_dict()` reads, with its separators.
    ///
    /// **This is the one deliberate exposure of secrets**: the output holds the auth token
    /// and the session cookie, and whoever reads it can act as this user until the session
    /// ends. Store it like a password.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
    /// # let emulator = mstr_rest_emulator::Emulator::start().await;
    /// # use mstr_rest_session::{Credentials, Session};
    /// let session = Session::builder(emulator.base_url()).build()?;
    /// session.login(Credentials::standard("dave", "hellodave")).await?;
    /// let saved = session.to_json()?;
    /// let again = Session::from_json(&saved)?;      // e.g. in another process
    /// again.extend_session().await?;                 // same server session
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// None today; the `Result` leaves room for formats that can fail.
    pub fn to_json(&self) -> Result<String> {
        let client = self.client();
        let mut out = String::from("{\"base_url\": ");
        out.push_str(&quote(client.base_url().as_str()));
        out.push_str(", \"cookies\": {");
        let cookies = self.cookies();
        push_pairs(
            &mut out,
            cookies.iter().map(|(n, v)| (n.as_str(), v.expose_secret())),
        );
        out.push_str("}, \"headers\": {");
        let token = self.auth_token();
        let defaults = client
            .default_headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)));
        let token = token
            .as_ref()
            .map(|t| ("x-mstr-authtoken", t.expose_secret()));
        push_pairs(&mut out, defaults.chain(token));
        out.push_str("}}");
        Ok(out)
    }

    /// Restores a session saved by [`to_json`](Self::to_json) or by the Python library,
    /// with default settings. Header names are matched case-insensitively; the token comes
    /// from `x-mstr-authtoken`, and headers the HTTP stack owns (`user-agent`, `accept`, …)
    /// are ignored.
    ///
    /// # Errors
    /// [`Error::Config`] naming what is wrong: not JSON, not an object, a missing or invalid
    /// `base_url`, `cookies` or `headers` that are not objects of strings, a cookie or header
    /// that cannot be sent as it is (control characters, `;` in a cookie value, a name that
    /// is not a token). A document with one bad entry is refused whole, so a restored
    /// session never silently lacks its session cookie.
    pub fn from_json(json: &str) -> Result<Session> {
        Session::from_json_with(json, |b| b)
    }

    /// As [`from_json`](Self::from_json), with the builder's settings adjusted by
    /// `configure` (timeouts, TLS, proxy).
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    pub fn from_json_with(
        json: &str,
        configure: impl FnOnce(SessionBuilder) -> SessionBuilder,
    ) -> Result<Session> {
        let value: Value = serde_json::from_str(json).map_err(|e| {
            Error::config(format!(
                "the saved session is not valid JSON (line {}, column {}); pass the text to_json() produced",
                e.line(),
                e.column()
            ))
        })?;
        let Value::Object(map) = value else {
            return Err(Error::config(
                "the saved session is not a JSON object with base_url, cookies and headers",
            ));
        };
        let base_url = match map.get("base_url") {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => {
                return Err(Error::config(
                    "the saved session's \"base_url\" is not a string",
                ));
            }
            None => return Err(Error::config("the saved session has no \"base_url\"")),
        };
        let cookies = string_map(&map, "cookies")?;
        let headers = string_map(&map, "headers")?;

        let mut builder = configure(Session::builder(base_url));
        let mut token = None;
        for (name, value) in &headers {
            let lower = name.to_ascii_lowercase();
            if lower == "x-mstr-authtoken" {
                token = Some(SecretString::from(value.to_string()));
            } else if !TRANSPORT_HEADERS.contains(&lower.as_str()) {
                builder = builder.transport(|t| t.default_header(name, value));
            }
        }
        let session = builder.build()?;
        if cookies.len() > crate::MAX_COOKIES {
            return Err(Error::config(format!(
                "the saved session has {} cookies, more than the {} a session keeps; is it a saved session?",
                cookies.len(),
                crate::MAX_COOKIES
            )));
        }
        // Every entry or none: a document with one bad cookie is refused, never half restored.
        for (name, value) in cookies {
            session
                .auth()
                .jar()
                .insert(name, SecretString::from(value.to_owned()))
                .map_err(|why| {
                    Error::config(format!(
                        "the saved session is refused: the cookie {} cannot be sent: {why}",
                        printable(name)
                    ))
                })?;
        }
        if let Some(token) = token {
            session.auth().set_token(token).map_err(|_| {
                Error::config("the saved session's x-mstr-authtoken is not a valid header value")
            })?;
        }
        Ok(session)
    }
}

fn string_map<'a>(
    map: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Vec<(&'a str, &'a str)>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(entries)) => entries
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.as_str(), s.as_str())),
                _ => Err(Error::config(format!(
                    "the saved session's {key:?} entry {k:?} is not a string"
                ))),
            })
            .collect(),
        Some(_) => Err(Error::config(format!(
            "the saved session's {key:?} is not an object of strings"
        ))),
    }
}

/// JSON-quotes a string (serde_json's escaping cannot fail for a `&str`).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// Writes `"k": "v", …` with Python's default separators.
fn push_pairs<'a>(out: &mut String, pairs: impl Iterator<Item = (&'a str, &'a str)>) {
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&quote(k));
        out.push_str(": ");
        out.push_str(&quote(v));
    }
}
