//! The one [`Error`] of the workspace and the context structs its variants wrap.

use std::borrow::Cow;
use std::fmt;

use crate::ApiError;

/// A boxed error from a layer below us (reqwest, serde_json, a cloud SDK). It is only ever
/// reachable through [`std::error::Error::source`], never named in our API.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result<T, mstr_rest::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in mstr-rest.
///
/// `Display` says what failed and what to do, and never repeats its
/// [`source`](std::error::Error::source); print the whole chain where you log it.
///
/// ```
/// # fn handle(err: mstr_rest_error::Error) {
/// use mstr_rest_error::{ApiErrorKind, Error};
/// match &err {
///     Error::Api(api) if api.kind() == ApiErrorKind::Session => { /* log in again */ }
///     Error::Api(api) => eprintln!("server said {api} (status {})", api.status),
///     Error::Transport(t) if t.is_timeout() => { /* retry later */ }
///     other => eprintln!("{other}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status of 400 or more.
    #[error(transparent)]
    Api(ApiError),
    /// The request did not complete: connect failure, timeout, broken connection.
    #[error(transparent)]
    Transport(TransportError),
    /// A secret source could not produce its value.
    #[error(transparent)]
    Credential(CredentialError),
    /// The client was configured with something unusable (a bad base URL, a bad header).
    #[error(transparent)]
    Config(ConfigError),
    /// A response could not be decoded into what was asked for.
    #[error(transparent)]
    Decode(DecodeError),
    /// The call needs a session, and none is held: nothing was sent.
    #[error("not logged in: call login() or connect() first")]
    NotLoggedIn,
    /// The server kept working past a deadline of ours: a report instance still running, a
    /// dataset publish still in progress. Every request succeeded; the wait ran out.
    #[error(transparent)]
    Deadline(DeadlineError),
    /// A local writer (a CSV or Arrow sink given by the caller) failed.
    #[error(transparent)]
    Io(IoError),
    /// The blocking API's runtime thread could not start, or has stopped.
    #[error(transparent)]
    Worker(WorkerError),
}

impl Error {
    /// Shorthand for an [`Error::Config`] with this message.
    pub fn config(message: impl Into<Cow<'static, str>>) -> Error {
        Error::Config(ConfigError::new(message))
    }

    /// Shorthand for an [`Error::Decode`] with this message and no source.
    pub fn decode(message: impl Into<Cow<'static, str>>) -> Error {
        Error::Decode(DecodeError::new(message))
    }

    /// The server's error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::Transport(_)
            | Error::Credential(_)
            | Error::Config(_)
            | Error::Decode(_)
            | Error::NotLoggedIn
            | Error::Deadline(_)
            | Error::Io(_)
            | Error::Worker(_) => None,
        }
    }

    /// The HTTP status of a server error.
    pub fn status(&self) -> Option<u16> {
        self.as_api().map(|e| e.status)
    }

    /// True when a request timed out, or a wait for the server ran past its deadline
    /// ([`Error::Deadline`]).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(t) if t.is_timeout()) || matches!(self, Error::Deadline(_))
    }

    /// True when no connection could be made.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport(t) if t.is_connect())
    }

    /// True for `ERR009`: the server no longer knows the session.
    pub fn is_session_expired(&self) -> bool {
        self.as_api().is_some_and(ApiError::is_session_expired)
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Error {
        Error::Api(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Error {
        Error::Transport(e)
    }
}

impl From<CredentialError> for Error {
    fn from(e: CredentialError) -> Error {
        Error::Credential(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::Config(e)
    }
}

impl From<DeadlineError> for Error {
    fn from(e: DeadlineError) -> Error {
        Error::Deadline(e)
    }
}

impl From<IoError> for Error {
    fn from(e: IoError) -> Error {
        Error::Io(e)
    }
}

impl From<WorkerError> for Error {
    fn from(e: WorkerError) -> Error {
        Error::Worker(e)
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Error {
        Error::Decode(e)
    }
}

/// What kind of transport failure a [`TransportError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connect or the whole request took longer than its timeout.
    Timeout,
    /// No connection could be made (refused, DNS, TLS handshake).
    Connect,
    /// The connection broke while the body was read or written.
    Body,
    /// Too many redirects, or a redirect that could not be followed.
    Redirect,
    /// The server (or a proxy, or a stale pooled connection) closed the connection before
    /// any response head arrived. Idempotent requests are retried under the retry policy.
    Closed,
    /// Anything else the HTTP stack reported.
    Other,
}

/// A request that did not complete. Answers [`is_timeout`](TransportError::is_timeout) and
/// [`is_connect`](TransportError::is_connect) without downcasting.
pub struct TransportError {
    kind: TransportKind,
    method: Option<String>,
    url: Option<String>,
    source: Option<BoxError>,
}

impl TransportError {
    /// Only the transport (`mstr-rest-core`) makes these; not part of the API.
    #[doc(hidden)]
    pub fn __new(kind: TransportKind, source: impl Into<BoxError>) -> TransportError {
        TransportError {
            kind,
            method: None,
            url: None,
            source: Some(source.into()),
        }
    }

    /// Names the request that failed; not part of the API. The URL carries no query string:
    /// queries may hold secrets.
    #[doc(hidden)]
    pub fn __with_request(mut self, method: impl Into<String>, url: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self.url = Some(url.into());
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportKind {
        self.kind
    }

    /// True when the connect or the request timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportKind::Timeout
    }

    /// True when no connection could be made.
    pub fn is_connect(&self) -> bool {
        self.kind == TransportKind::Connect
    }

    /// The URL of the failed request (without its query), when known.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match (&self.method, &self.url) {
            (Some(m), Some(u)) => format!("{m} {u}"),
            _ => "the request".to_owned(),
        };
        match self.kind {
            TransportKind::Timeout => write!(
                f,
                "{what} timed out; raise the timeout (builder or per request) or check the server's health"
            ),
            TransportKind::Connect => write!(
                f,
                "could not connect for {what}; check the base URL, the network, the proxy and TLS settings"
            ),
            TransportKind::Body => write!(f, "the connection broke during {what}"),
            TransportKind::Redirect => write!(
                f,
                "could not follow the redirects of {what}; check the base URL (a loop, or more hops than max_redirects allows)"
            ),
            TransportKind::Closed => write!(
                f,
                "the server closed the connection before answering {what}; check the server's and the proxy's health"
            ),
            TransportKind::Other => write!(f, "{what} failed in the HTTP layer"),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// Why a secret source failed, so callers can react without matching strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialErrorKind {
    /// The secret, variable or field does not exist (or resolved to nothing).
    NotFound,
    /// The caller may not read the secret.
    AccessDenied,
    /// The secret store asked us to slow down.
    Throttled,
    /// The secret exists but its value is unusable (not UTF-8, not a JSON object, …).
    Invalid,
    /// Anything else (the store was unreachable, an SDK error without a category).
    Other,
}

/// A secret source that could not produce its value.
///
/// It names the source (`env:MSTR_PASSWORD`, `aws-secretsmanager:prod/mstr#password`) and,
/// when the source feeds a login field, that field; never the value.
pub struct CredentialError {
    kind: CredentialErrorKind,
    source_name: Cow<'static, str>,
    field: Option<&'static str>,
    message: Cow<'static, str>,
    source: Option<BoxError>,
}

impl CredentialError {
    /// A failure of `source_name` (a description such as `env:MSTR_USER`), saying what went
    /// wrong in `message`. The message must not contain the secret.
    pub fn new(
        kind: CredentialErrorKind,
        source_name: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> CredentialError {
        CredentialError {
            kind,
            source_name: source_name.into(),
            field: None,
            message: message.into(),
            source: None,
        }
    }

    /// The secret or field does not exist.
    pub fn not_found(
        source_name: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> CredentialError {
        CredentialError::new(CredentialErrorKind::NotFound, source_name, message)
    }

    /// The value exists but cannot be used.
    pub fn invalid(
        source_name: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> CredentialError {
        CredentialError::new(CredentialErrorKind::Invalid, source_name, message)
    }

    /// Attaches the underlying error (an SDK's, say), reachable through `source()`.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> CredentialError {
        self.source = Some(source.into());
        self
    }

    /// Names the login field the source was resolved for (`"password"`).
    pub fn for_field(mut self, field: &'static str) -> CredentialError {
        self.field = Some(field);
        self
    }

    /// Why it failed.
    pub fn kind(&self) -> CredentialErrorKind {
        self.kind
    }

    /// The source's description, e.g. `env:MSTR_PASSWORD`.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The login field this source was resolved for, when known.
    pub fn field(&self) -> Option<&'static str> {
        self.field
    }

    /// True when the secret does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == CredentialErrorKind::NotFound
    }

    /// True when reading the secret was refused.
    pub fn is_access_denied(&self) -> bool {
        self.kind == CredentialErrorKind::AccessDenied
    }

    /// True when the store throttled us.
    pub fn is_throttled(&self) -> bool {
        self.kind == CredentialErrorKind::Throttled
    }
}

impl fmt::Debug for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialError")
            .field("kind", &self.kind)
            .field("source_name", &self.source_name)
            .field("field", &self.field)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(
                f,
                "could not resolve {field} from {}: {}",
                self.source_name, self.message
            ),
            None => write!(
                f,
                "could not resolve {}: {}",
                self.source_name, self.message
            ),
        }
    }
}

impl std::error::Error for CredentialError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// Unusable configuration, found before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: Cow<'static, str>,
}

impl ConfigError {
    /// A configuration error; the message names the bad value and the expected form.
    pub fn new(message: impl Into<Cow<'static, str>>) -> ConfigError {
        ConfigError {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A response that could not be turned into what was asked for.
pub struct DecodeError {
    message: Cow<'static, str>,
    source: Option<BoxError>,
}

impl DecodeError {
    /// A decode failure described by `message`.
    pub fn new(message: impl Into<Cow<'static, str>>) -> DecodeError {
        DecodeError {
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the parser's error, reachable through `source()`.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> DecodeError {
        self.source = Some(source.into());
        self
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// A wait for the server that ran past its deadline; names what was awaited and the
/// setting that bounds it.
#[derive(Debug)]
pub struct DeadlineError {
    waited_for: Cow<'static, str>,
    setting: &'static str,
    deadline: std::time::Duration,
}

impl DeadlineError {
    /// `waited_for` (e.g. "report 0123… to finish running") did not happen within
    /// `deadline`, the value of the builder setting `setting` (e.g. `poll_deadline`).
    pub fn new(
        waited_for: impl Into<Cow<'static, str>>,
        setting: &'static str,
        deadline: std::time::Duration,
    ) -> DeadlineError {
        DeadlineError {
            waited_for: waited_for.into(),
            setting,
            deadline,
        }
    }

    /// The setting that bounds the wait (`poll_deadline`, `publish_timeout`).
    pub fn setting(&self) -> &'static str {
        self.setting
    }

    /// The deadline that passed.
    pub fn deadline(&self) -> std::time::Duration {
        self.deadline
    }
}

impl fmt::Display for DeadlineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gave up waiting for {} after {:?} ({}); the server may still be working: raise {} or check the job on the server",
            self.waited_for, self.deadline, self.setting, self.setting
        )
    }
}

impl std::error::Error for DeadlineError {}

/// A local writer that failed; [`source`](std::error::Error::source) is the `std::io::Error`.
#[derive(Debug)]
pub struct IoError {
    what: Cow<'static, str>,
    source: std::io::Error,
}

impl IoError {
    /// Writing to `what` (e.g. "the CSV writer") failed with `source`.
    pub fn new(what: impl Into<Cow<'static, str>>, source: std::io::Error) -> IoError {
        IoError {
            what: what.into(),
            source,
        }
    }

    /// The I/O error's kind.
    pub fn kind(&self) -> std::io::ErrorKind {
        self.source.kind()
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "writing to {} failed; nothing is wrong with the server: check the destination (disk space, a closed pipe, permissions)",
            self.what
        )
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The blocking API's runtime thread could not start or has stopped.
#[derive(Debug)]
pub struct WorkerError {
    message: Cow<'static, str>,
}

impl WorkerError {
    /// A worker failure described by `message`.
    pub fn new(message: impl Into<Cow<'static, str>>) -> WorkerError {
        WorkerError {
            message: message.into(),
        }
    }
}

impl fmt::Display for WorkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WorkerError {}
