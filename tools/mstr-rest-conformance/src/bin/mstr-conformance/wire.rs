//! What went over the wire, in comparable form: the emulator's exchanges, the secrets in them
//! replaced by stable names, and each request reduced to the fields the comparison looks at.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// One request and the response it got, as `GET /__emulator/requests` lists it.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub(crate) method: String,
    /// Relative to `/MicroStrategyLibrary/api/`, still percent-encoded.
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
    pub(crate) status: u16,
    pub(crate) response_headers: Vec<(String, String)>,
    /// The exchange exactly as the emulator reported it, for the contract check.
    pub(crate) raw: Value,
}

impl Exchange {
    pub(crate) fn from_json(value: &Value) -> Result<Exchange, String> {
        let text = |v: &Value, key: &str| -> Result<String, String> {
            v[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("exchange without a string {key:?}: {v}"))
        };
        let response = &value["response"];
        Ok(Exchange {
            method: text(value, "method")?,
            path: text(value, "path")?,
            query: value["query"].as_str().map(str::to_owned),
            headers: header_pairs(&value["headers"])?,
            body: text(value, "body")?,
            status: response["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| format!("exchange without a status: {value}"))?,
            response_headers: header_pairs(&response["headers"])?,
            raw: value.clone(),
        })
    }

    /// All values of a request header (names are lower case already).
    fn request_header<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn response_header<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.response_headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn header_pairs(value: &Value) -> Result<Vec<(String, String)>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("headers are not a list: {value}"))?
        .iter()
        .map(|pair| match (pair[0].as_str(), pair[1].as_str()) {
            (Some(name), Some(value)) => Ok((name.to_ascii_lowercase(), value.to_owned())),
            _ => Err(format!("a header is not a [name, value] pair: {pair}")),
        })
        .collect()
}

/// What kind of secret a value is, for its stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SecretKind {
    Token,
    Cookie,
    Identity,
    /// The `iSession` cookie set beside `JSESSIONID`.
    ISession,
}

impl SecretKind {
    fn label(self) -> &'static str {
        match self {
            SecretKind::Token => "token",
            SecretKind::Cookie => "cookie",
            SecretKind::Identity => "identity",
            SecretKind::ISession => "isession",
        }
    }
}

/// The secrets the emulator issued in one run, each with a name by order of issue:
/// `<token 1>` is the first auth token, `<cookie 2>` the second `JSESSIONID`. Tokens and
/// cookies are random, so two runs can only be compared through these names.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    names: BTreeMap<String, String>,
    issued: BTreeMap<SecretKind, usize>,
    /// Names of the tokens `auth/delegate` issued.
    delegated: BTreeSet<String>,
}

impl Secrets {
    /// Learns every secret the emulator's answers carried, in order.
    pub(crate) fn learn(&mut self, exchanges: &[Exchange]) {
        for exchange in exchanges {
            for token in exchange.response_header("x-mstr-authtoken") {
                let name = self.add(SecretKind::Token, token);
                if exchange.path == "auth/delegate" {
                    self.delegated.insert(name);
                }
            }
            for identity in exchange.response_header("x-mstr-identitytoken") {
                self.add(SecretKind::Identity, identity);
            }
            for cookie in exchange.response_header("set-cookie") {
                let pair = cookie.split(';').next().unwrap_or("");
                match pair.split_once('=') {
                    Some(("JSESSIONID", value)) => {
                        self.add(SecretKind::Cookie, value.trim());
                    }
                    Some(("iSession", value)) => {
                        self.add(SecretKind::ISession, value.trim());
                    }
                    _ => {}
                }
            }
        }
    }

    fn add(&mut self, kind: SecretKind, value: &str) -> String {
        if let Some(name) = self.names.get(value) {
            return name.clone();
        }
        let n = self.issued.entry(kind).or_default();
        *n += 1;
        let name = format!("<{} {n}>", kind.label());
        self.names.insert(value.to_owned(), name.clone());
        name
    }

    /// The stable name of a value, or the value itself when the emulator never issued it.
    pub(crate) fn name(&self, value: &str) -> String {
        self.names
            .get(value)
            .cloned()
            .unwrap_or_else(|| value.to_owned())
    }

    /// Names every issued secret found as a whole string anywhere in a JSON value.
    pub(crate) fn json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.name(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), self.json(v))).collect())
            }
            other => other.clone(),
        }
    }

    pub(crate) fn is_delegated(&self, name: &str) -> bool {
        self.delegated.contains(name)
    }
}

/// A request reduced to what the comparison looks at: method, path, decoded query, the
/// `X-MSTR-*` headers, the cookies, the body's media type and the body (JSON parsed, so key
/// order and spacing do not count). Secrets appear by their stable names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) mstr: BTreeMap<String, String>,
    pub(crate) cookies: BTreeMap<String, String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Option<Value>,
}

/// A request and the status it got (which some expected differences depend on).
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub(crate) request: WireRequest,
    pub(crate) status: u16,
}

pub(crate) const AUTH_TOKEN: &str = "x-mstr-authtoken";

impl WireRequest {
    pub(crate) fn from_exchange(exchange: &Exchange, secrets: &Secrets) -> WireRequest {
        let mut query: Vec<(String, String)> = exchange
            .query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        query.sort();
        let mstr = exchange
            .headers
            .iter()
            .filter(|(name, _)| name.starts_with("x-mstr-"))
            .map(|(name, value)| (name.clone(), secrets.name(value)))
            .collect();
        let cookies = exchange
            .request_header("cookie")
            .flat_map(|header| header.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .map(|(name, value)| (name.to_owned(), secrets.name(value)))
            .collect();
        let (content_type, body) = if exchange.body.is_empty() {
            (None, None)
        } else {
            let media = exchange.request_header("content-type").next().map(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
            let body = serde_json::from_str::<Value>(&exchange.body)
                .map(|v| secrets.json(&v))
                .unwrap_or_else(|_| Value::String(exchange.body.clone()));
            (media, Some(body))
        };
        WireRequest {
            method: exchange.method.clone(),
            path: exchange.path.clone(),
            query,
            mstr,
            cookies,
            content_type,
            body,
        }
    }

    pub(crate) fn token(&self) -> Option<&str> {
        self.mstr.get(AUTH_TOKEN).map(String::as_str)
    }

    pub(crate) fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }

    /// The fields in which two requests differ, each as `field: python … / rust …`.
    pub(crate) fn differences(&self, rust: &WireRequest) -> Vec<String> {
        let mut out = Vec::new();
        let mut field = |name: &str, python: String, theirs: String| {
            if python != theirs {
                out.push(format!("{name}: python {python} / rust {theirs}"));
            }
        };
        field("method", self.method.clone(), rust.method.clone());
        field("path", self.path.clone(), rust.path.clone());
        field("query", pairs(&self.query), pairs(&rust.query));
        field("x-mstr headers", map(&self.mstr), map(&rust.mstr));
        field("cookies", map(&self.cookies), map(&rust.cookies));
        field(
            "content type",
            format!("{:?}", self.content_type),
            format!("{:?}", rust.content_type),
        );
        field("body", body(&self.body), body(&rust.body));
        out
    }
}

fn pairs(query: &[(String, String)]) -> String {
    let inner: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("[{}]", inner.join("&"))
}

fn map(m: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn body(b: &Option<Value>) -> String {
    match b {
        None => "(none)".to_owned(),
        Some(v) => v.to_string(),
    }
}

impl fmt::Display for WireRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if !self.query.is_empty() {
            write!(f, " ?{}", pairs(&self.query))?;
        }
        for (name, value) in &self.mstr {
            write!(f, " {name}={value}")?;
        }
        if !self.cookies.is_empty() {
            write!(f, " cookies{}", map(&self.cookies))?;
        }
        if let Some(b) = &self.body {
            let ct = self.content_type.as_deref().unwrap_or("no content type");
            write!(f, " [{ct}] {b}")?;
        }
        Ok(())
    }
}
