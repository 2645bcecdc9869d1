//! Library errors as the exceptions of `mstr_rest.exceptions` (the seed's names and
//! hierarchy, re-exported as `mstr_rest.requests.rest.exceptions`).

use std::error::Error as _;

use mstr_rest::{ApiErrorKind, Error, TransportKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Where the exception classes are defined (in Python, so they subclass as users expect).
const MODULE: &str = "mstr_rest.exceptions";

/// A failure of the package itself, not of a call.
pub(crate) fn internal(message: impl Into<String>) -> PyErr {
    PyRuntimeError::new_err(message.into())
}

/// The message of an error and of every error it wraps, so `str(exc)` says why.
fn chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}

/// The exception class for an API error's kind.
fn api_class(kind: ApiErrorKind) -> &'static str {
    match kind {
        ApiErrorKind::LoginFailure => "LoginFailureException",
        ApiErrorKind::IServer => "IServerException",
        ApiErrorKind::ResourceNotFound => "ResourceNotFoundException",
        ApiErrorKind::InvalidRequest => "InvalidRequestException",
        ApiErrorKind::Session => "SessionException",
        ApiErrorKind::InsufficientPrivileges => "InsufficientPrivilegesException",
        ApiErrorKind::ObjectAlreadyExists => "ObjectAlreadyExistsException",
        ApiErrorKind::Unknown => "MSTRUnknownException",
        _ => "MSTRException",
    }
}

/// The Python exception for a library error.
pub(crate) fn to_py(py: Python<'_>, error: &Error) -> PyErr {
    match build(py, error) {
        Ok(err) => err,
        // The exceptions module failed to import: say so rather than lose the error.
        Err(import) => internal(format!("{} (and {import})", chain(error))),
    }
}

fn build(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    let kwargs = PyDict::new(py);
    let class = match error {
        Error::Api(api) => {
            kwargs.set_item("code", api.code.as_deref().unwrap_or("N/A"))?;
            kwargs.set_item("server_message", &api.message)?;
            kwargs.set_item("iserver_code", api.iserver_code)?;
            kwargs.set_item("status_code", api.status)?;
            kwargs.set_item("ticket_id", api.ticket_id.as_deref())?;
            let subs = PyList::empty(py);
            for sub in &api.sub_errors {
                let entry = PyDict::new(py);
                entry.set_item("code", sub.code.as_deref())?;
                entry.set_item("iserver_code", sub.iserver_code)?;
                entry.set_item("message", &sub.message)?;
                subs.append(entry)?;
            }
            kwargs.set_item("sub_errors", subs)?;
            api_class(api.kind())
        }
        Error::NotLoggedIn => "SessionException",
        Error::Credential(c) => {
            kwargs.set_item("source", c.source_name())?;
            kwargs.set_item("field", c.field())?;
            if c.is_not_found() {
                "MissingCredentialException"
            } else {
                "CredentialException"
            }
        }
        Error::Transport(t) => {
            kwargs.set_item("url", t.url())?;
            match t.kind() {
                TransportKind::Timeout => "MSTRTimeoutError",
                _ => "MSTRConnectionError",
            }
        }
        Error::Deadline(_) => "MSTRTimeoutError",
        Error::Config(_) => "MSTRConfigError",
        Error::Decode(_) => "MSTRDecodeError",
        Error::Io(_) => "MSTRIOError",
        _ => "MSTRException",
    };
    let message = match error {
        Error::NotLoggedIn => {
            "N/A: There is no valid session available: log in first (login(), delegate() or the context manager)".to_owned()
        }
        other => chain(other),
    };
    let class = py.import(MODULE)?.getattr(class)?;
    let instance = class.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}
