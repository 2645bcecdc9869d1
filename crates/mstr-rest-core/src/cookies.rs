//! The session's cookie jar, scoped to the base URL's origin.
//!
//! reqwest's jar cannot list its cookies (we need that to serialise a session) and sends
//! cookies to every port of a host; this jar is kept for the one origin a session talks to.

use std::fmt;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

#[derive(Clone)]
struct Cookie {
    name: String,
    value: SecretString,
    path: String,
    secure: bool,
    expires: Option<Instant>,
}

#[derive(Default)]
pub(crate) struct CookieJar {
    cookies: Vec<Cookie>,
    /// Moves on at every change, so the built header can be reused until then.
    version: u64,
    /// The last `Cookie` header built: (version, which cookies it holds, value). Every
    /// request of a session sends the same header; building it once saves the formatting.
    built: Option<(u64, u64, HeaderValue)>,
}

impl CookieJar {
    /// Stores the cookies a response from our origin sets (RFC 6265, host-only: the Domain
    /// attribute is ignored, as the jar only ever serves one origin).
    pub(crate) fn store(&mut self, url: &Url, headers: &HeaderMap) {
        for raw in headers.get_all(http::header::SET_COOKIE) {
            let Ok(text) = raw.to_str() else { continue };
            if let Some(cookie) = parse_set_cookie(text, url) {
                self.cookies
                    .retain(|c| !(c.name == cookie.name && c.path == cookie.path));
                let expired = cookie.expires.is_some_and(|at| at <= Instant::now());
                if !expired {
                    self.cookies.push(cookie);
                }
                self.version += 1;
            }
        }
    }

    /// Adds a cookie restored from a serialised session (path `/`, as the Python library does).
    pub(crate) fn insert(&mut self, name: &str, value: SecretString) {
        self.version += 1;
        self.cookies.retain(|c| c.name != name);
        self.cookies.push(Cookie {
            name: name.to_owned(),
            value,
            path: "/".to_owned(),
            secure: false,
            expires: None,
        });
    }

    /// The `Cookie` header for a request to `url` (already known to be our origin),
    /// marked sensitive so it never shows in `Debug`.
    pub(crate) fn header_for(&mut self, url: &Url) -> Option<HeaderValue> {
        if self.cookies.iter().any(|c| c.expires.is_some()) {
            let now = Instant::now();
            let before = self.cookies.len();
            self.cookies.retain(|c| c.expires.is_none_or(|at| at > now));
            if self.cookies.len() != before {
                self.version += 1;
            }
        }
        let https = url.scheme() == "https";
        let sent = |c: &Cookie| (https || !c.secure) && path_matches(&c.path, url.path());
        let mask = self
            .cookies
            .iter()
            .enumerate()
            .filter(|(i, c)| *i < 64 && sent(c))
            .fold(0u64, |m, (i, _)| m | (1 << i));
        if let Some((version, built_mask, value)) = &self.built
            && *version == self.version
            && *built_mask == mask
            && self.cookies.len() <= 64
        {
            return (mask != 0).then(|| value.clone());
        }
        let mut line = String::new();
        for c in self.cookies.iter().filter(|c| sent(c)) {
            if !line.is_empty() {
                line.push_str("; ");
            }
            line.push_str(&c.name);
            line.push('=');
            line.push_str(c.value.expose_secret());
        }
        if line.is_empty() {
            return None;
        }
        let mut value = HeaderValue::from_str(&line).ok()?;
        value.set_sensitive(true);
        self.built = Some((self.version, mask, value.clone()));
        Some(value)
    }

    /// Name and value of every live cookie, oldest first.
    pub(crate) fn list(&self) -> Vec<(String, SecretString)> {
        let now = Instant::now();
        self.cookies
            .iter()
            .filter(|c| c.expires.is_none_or(|at| at > now))
            .map(|c| (c.name.clone(), c.value.clone()))
            .collect()
    }

    pub(crate) fn clear(&mut self) {
        self.version += 1;
        self.cookies.clear();
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: a JSESSIONID value is as good as a password.
        f.debug_list()
            .entries(self.cookies.iter().map(|c| &c.name))
            .finish()
    }
}

fn parse_set_cookie(text: &str, url: &Url) -> Option<Cookie> {
    let mut parts = text.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut cookie = Cookie {
        name: name.to_owned(),
        value: SecretString::from(value.trim().trim_matches('"').to_owned()),
        path: default_path(url.path()),
        secure: false,
        expires: None,
    };
    for attr in parts {
        let (key, val) = attr.split_once('=').unwrap_or((attr, ""));
        match key.trim().to_ascii_lowercase().as_str() {
            "path" if val.trim().starts_with('/') => cookie.path = val.trim().to_owned(),
            "secure" => cookie.secure = true,
            "max-age" => {
                let secs: i64 = val.trim().parse().ok()?;
                cookie.expires = Some(if secs <= 0 {
                    Instant::now()
                } else {
                    Instant::now() + Duration::from_secs(secs.unsigned_abs())
                });
            }
            _ => {}
        }
    }
    Some(cookie)
}

/// RFC 6265 §5.1.4: the directory of the request path.
fn default_path(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

/// RFC 6265 §5.1.4 path-match.
fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}
