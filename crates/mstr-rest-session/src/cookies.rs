//! The session's cookie jar, scoped to the base URL's origin.
//!
//! reqwest's jar cannot list its cookies (we need that to serialise a session) and sends
//! cookies to every port of a host; this jar is kept for the one origin a session talks to.
//!
//! It is bounded by RFC 6265's minimums (§6.1) for one domain: at most [`MAX_COOKIES`]
//! cookies, the oldest evicted first, each at most [`MAX_COOKIE_BYTES`] long (longer ones are
//! ignored), so a hostile server cannot grow it or the `Cookie` header without end.

use std::fmt;
use std::time::{Duration, Instant};

use mstr_rest_core::{HeaderMap, HeaderValue, Url, header};
use secrecy::{ExposeSecret, SecretString};

/// The most cookies the jar holds; storing another evicts the oldest.
pub const MAX_COOKIES: usize = 50;
/// The longest `Set-Cookie` (name, value and attributes) the jar accepts, in bytes.
pub const MAX_COOKIE_BYTES: usize = 4096;

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
        for raw in headers.get_all(header::SET_COOKIE) {
            let Ok(text) = raw.to_str() else { continue };
            if text.len() > MAX_COOKIE_BYTES {
                tracing::debug!(
                    bytes = text.len(),
                    "ignoring a Set-Cookie longer than {MAX_COOKIE_BYTES} bytes"
                );
                continue;
            }
            if let Some(cookie) = parse_set_cookie(text, url) {
                self.cookies
                    .retain(|c| !(c.name == cookie.name && c.path == cookie.path));
                let expired = cookie.expires.is_some_and(|at| at <= Instant::now());
                if !expired {
                    self.cookies.push(cookie);
                    self.evict();
                }
                self.bump();
            }
        }
    }

    fn bump(&mut self) {
        self.version = self.version.wrapping_add(1);
    }

    /// Drops the oldest cookies beyond [`MAX_COOKIES`].
    fn evict(&mut self) {
        if let Some(excess) = self.cookies.len().checked_sub(MAX_COOKIES)
            && excess > 0
        {
            tracing::debug!(excess, "cookie jar full: evicting the oldest cookies");
            self.cookies.drain(..excess);
        }
    }

    /// Adds a cookie restored from a serialised session (path `/`, as the Python library does).
    ///
    /// # Errors
    /// Why the cookie cannot be sent (a name that is not a token, a value with control
    /// characters or `;`, too long): nothing is stored then.
    pub(crate) fn insert(&mut self, name: &str, value: SecretString) -> Result<(), String> {
        check_cookie(name, value.expose_secret())?;
        self.bump();
        self.cookies.retain(|c| c.name != name);
        self.cookies.push(Cookie {
            name: name.to_owned(),
            value,
            path: "/".to_owned(),
            secure: false,
            expires: None,
        });
        self.evict();
        Ok(())
    }

    /// The `Cookie` header for a request to `url` (already known to be our origin),
    /// marked sensitive so it never shows in `Debug`.
    pub(crate) fn header_for(&mut self, url: &Url) -> Option<HeaderValue> {
        if self.cookies.iter().any(|c| c.expires.is_some()) {
            let now = Instant::now();
            let before = self.cookies.len();
            self.cookies.retain(|c| c.expires.is_none_or(|at| at > now));
            if self.cookies.len() != before {
                self.bump();
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
        self.bump();
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
                // An expiry past what the clock can represent is no expiry (`Max-Age=i64::MAX`).
                cookie.expires = if secs <= 0 {
                    Some(Instant::now())
                } else {
                    Instant::now().checked_add(Duration::from_secs(secs.unsigned_abs()))
                };
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

/// A cookie that can go into a `Cookie` header as it is: the name an HTTP token, the value
/// visible ASCII without `;` (RFC 6265 §4.1.1, leniently: quotes and commas pass, as
/// servers send them), both together at most [`MAX_COOKIE_BYTES`].
fn check_cookie(name: &str, value: &str) -> Result<(), String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err("its name is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)".to_owned());
    }
    if !value.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
        return Err("its value holds a space, a control character, `;` or non-ASCII".to_owned());
    }
    if name.len().saturating_add(value.len()) > MAX_COOKIE_BYTES {
        return Err(format!("it is longer than {MAX_COOKIE_BYTES} bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_cookies(lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append(header::SET_COOKIE, l.parse().unwrap());
        }
        h
    }

    #[test]
    fn jar_sends_cookies_under_their_path_only() {
        let mut jar = CookieJar::default();
        let login = Url::parse("http://h/MicroStrategyLibrary/api/auth/login").unwrap();
        jar.store(
            &login,
            &set_cookies(&["JSESSIONID=ABC; Path=/MicroStrategyLibrary; HttpOnly"]),
        );
        let inside = Url::parse("http://h/MicroStrategyLibrary/api/projects").unwrap();
        let outside = Url::parse("http://h/MicroStrategyLibraryX/api").unwrap();
        let header = jar.header_for(&inside).unwrap();
        assert_eq!(header.to_str().unwrap(), "JSESSIONID=ABC");
        assert!(header.is_sensitive());
        assert!(jar.header_for(&outside).is_none());
    }

    #[test]
    fn jar_replaces_same_name_and_honours_max_age_zero() {
        let mut jar = CookieJar::default();
        let url = Url::parse("http://h/api/x").unwrap();
        jar.store(&url, &set_cookies(&["a=1; Path=/", "b=2; Path=/"]));
        jar.store(
            &url,
            &set_cookies(&["a=3; Path=/", "b=; Path=/; Max-Age=0"]),
        );
        let listed: Vec<(String, String)> = jar
            .list()
            .into_iter()
            .map(|(n, v)| (n, v.expose_secret().to_owned()))
            .collect();
        assert_eq!(listed, vec![("a".to_owned(), "3".to_owned())]);
    }

    #[test]
    fn secure_cookies_stay_off_plain_http() {
        let mut jar = CookieJar::default();
        let url = Url::parse("https://h/api/x").unwrap();
        jar.store(&url, &set_cookies(&["s=1; Path=/; Secure"]));
        assert!(jar.header_for(&url).is_some());
        assert!(
            jar.header_for(&Url::parse("http://h/api/x").unwrap())
                .is_none()
        );
    }

    #[test]
    fn jar_debug_shows_names_not_values() {
        let mut jar = CookieJar::default();
        jar.insert("JSESSIONID", SecretString::from("s3cr3t-cookie"))
            .unwrap();
        let shown = format!("{jar:?}");
        assert!(shown.contains("JSESSIONID"));
        assert!(!shown.contains("s3cr3t-cookie"));
    }

    #[test]
    fn the_reused_cookie_header_follows_every_change() {
        let mut jar = CookieJar::default();
        let url = Url::parse("http://h/api/x").unwrap();
        jar.store(&url, &set_cookies(&["a=1; Path=/"]));
        assert_eq!(jar.header_for(&url).unwrap().to_str().unwrap(), "a=1");
        assert_eq!(jar.header_for(&url).unwrap().to_str().unwrap(), "a=1");
        jar.store(&url, &set_cookies(&["a=2; Path=/"]));
        assert_eq!(jar.header_for(&url).unwrap().to_str().unwrap(), "a=2");
        jar.insert("b", SecretString::from("3")).unwrap();
        assert_eq!(jar.header_for(&url).unwrap().to_str().unwrap(), "a=2; b=3");
        jar.clear();
        assert!(jar.header_for(&url).is_none());
    }
}
