//! The base URL: validated once, then used to join paths and to decide what is "ours".

use std::fmt;

use mstr_rest_error::{Error, Result};
use url::{Origin, Url};

use crate::redact::redact_url;

/// A validated base URL such as `https://env.example.com/MicroStrategyLibrary/api/`.
///
/// Always absolute, `http` or `https`, with a host, and ending in `/`.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
    origin: Origin,
}

impl BaseUrl {
    /// Validates `raw` and adds a trailing `/` if missing.
    ///
    /// # Errors
    /// [`Error::Config`] naming the value when it has no `http`/`https` scheme or no host,
    /// or carries a query or fragment.
    pub fn parse(raw: &str) -> Result<BaseUrl> {
        // The text may carry a password (`https://svc:pw@…`) or a token in a query: never shown.
        let shown = redact_url(raw);
        let bad = |why: &str| {
            Error::config(format!(
                "invalid base URL {shown:?}: {why}; expected an absolute http(s) URL such as \
                 https://env.example.com/MicroStrategyLibrary/api/"
            ))
        };
        let trimmed = raw.trim();
        let mut url = Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::config(
                "invalid base URL: it must not carry a user name or password; pass credentials to login() instead",
            ));
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not carry a query or fragment"));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        let origin = url.origin();
        Ok(BaseUrl { url, origin })
    }

    /// The URL, ending in `/`.
    pub fn as_url(&self) -> &Url {
        &self.url
    }

    /// The URL as text, ending in `/`.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// Joins `path` as the Python library does: an absolute URL (`http://…`, `https://…`)
    /// passes through; anything else is appended to the base, and leading `/`s on it never
    /// drop the base's own path.
    ///
    /// ```
    /// # use mstr_rest_core::BaseUrl;
    /// let base = BaseUrl::parse("https://h/MicroStrategyLibrary/api").unwrap();
    /// assert_eq!(base.join("projects").unwrap().as_str(), "https://h/MicroStrategyLibrary/api/projects");
    /// assert_eq!(base.join("/projects").unwrap().as_str(), "https://h/MicroStrategyLibrary/api/projects");
    /// assert_eq!(base.join("https://other/x").unwrap().as_str(), "https://other/x");
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when the result is not a valid URL.
    pub fn join(&self, path: &str) -> Result<Url> {
        let path = path.trim();
        if is_absolute(path) {
            return Url::parse(path).map_err(|e| {
                Error::config(format!("invalid request URL {:?}: {e}", redact_url(path)))
            });
        }
        let relative = path.trim_start_matches('/');
        // Appending text (rather than Url::join) keeps "a:b" from being read as a scheme.
        let joined = format!("{}{}", self.url.as_str(), relative);
        Url::parse(&joined)
            .map_err(|e| Error::config(format!("invalid request path {:?}: {e}", redact_url(path))))
    }

    /// True when `url` has the base URL's scheme, host and port: the only place the token,
    /// the project header and the cookies are sent.
    pub fn is_same_origin(&self, url: &Url) -> bool {
        url.origin() == self.origin
    }

    /// The path of `url` below this base (`auth/login` for `…/api/auth/login`), or `None`
    /// when `url` is on another origin or outside the base path.
    pub fn relative_path<'u>(&self, url: &'u Url) -> Option<&'u str> {
        if !self.is_same_origin(url) {
            return None;
        }
        url.path().strip_prefix(self.as_url().path())
    }
}

fn is_absolute(path: &str) -> bool {
    let lower = path.get(..8).unwrap_or(path).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.url.as_str(), f)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}
