//! What went wrong, the exit code it means (documented in `--help`), and the one line that
//! says what to do.

use std::fmt;
use std::process::ExitCode;

use mstr_rest::{ApiErrorKind, Error};

/// A command's failure.
#[derive(Debug)]
pub(crate) enum Failure {
    /// From the library.
    Mstr(Error),
    /// Bad input the library never saw (exit 2).
    Usage(String),
    /// No session and no credentials (exit 3).
    NoSession(String),
    /// A local file or stream (exit 1).
    Local(String, std::io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Mstr(e)
    }
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure::Usage(message.into())
    }

    pub(crate) fn local(what: impl Into<String>, e: std::io::Error) -> Failure {
        Failure::Local(what.into(), e)
    }

    /// The documented exit code.
    pub(crate) fn code(&self) -> u8 {
        match self {
            Failure::Local(..) => 1,
            Failure::Usage(_) => 2,
            Failure::NoSession(_) => 3,
            Failure::Mstr(e) => match e {
                Error::Config(_) => 2,
                Error::NotLoggedIn => 3,
                Error::Credential(_) => 7,
                Error::Transport(_) | Error::Deadline(_) => 6,
                Error::Io(_) | Error::Worker(_) => 1,
                Error::Api(api) => match api.kind() {
                    ApiErrorKind::LoginFailure | ApiErrorKind::Session => 3,
                    ApiErrorKind::ResourceNotFound => 4,
                    _ => 5,
                },
                _ => 5,
            },
        }
    }

    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }

    /// What to try next, by kind.
    fn hint(&self) -> Option<&'static str> {
        match self {
            Failure::Mstr(Error::Api(api)) => match api.kind() {
                ApiErrorKind::LoginFailure => {
                    Some("check the user name, password and --mode (or the secret they come from)")
                }
                ApiErrorKind::Session => Some("the session ended: run `mstr login` again"),
                ApiErrorKind::ResourceNotFound => {
                    Some("check the id and --project (`mstr search` finds ids)")
                }
                ApiErrorKind::InsufficientPrivileges => {
                    Some("the user lacks a privilege for this; ask an administrator")
                }
                _ => None,
            },
            Failure::Mstr(Error::Transport(_)) => {
                Some("check --base-url and the network; -v shows each request")
            }
            Failure::Mstr(Error::Credential(_)) => {
                Some("check the secret reference and the cloud credentials it needs")
            }
            Failure::Mstr(Error::NotLoggedIn) => Some("run `mstr login` or pass credentials"),
            _ => None,
        }
    }

    /// The error with its cause chain, for `--verbose`.
    pub(crate) fn chain(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut source = match self {
            Failure::Mstr(e) => std::error::Error::source(e),
            Failure::Local(_, e) => Some(e as &(dyn std::error::Error + 'static)),
            _ => None,
        };
        while let Some(s) = source {
            out.push(s.to_string());
            source = s.source();
        }
        out
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Mstr(Error::Api(api)) => {
                write!(f, "{api}")?;
                if let Some(ticket) = &api.ticket_id {
                    write!(f, " (ticket {ticket})")?;
                }
            }
            Failure::Mstr(e) => write!(f, "{e}")?,
            Failure::Usage(m) | Failure::NoSession(m) => f.write_str(m)?,
            Failure::Local(what, e) => write!(f, "{what}: {e}")?,
        }
        if let Some(hint) = self.hint() {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstr_rest::ApiError;

    #[test]
    fn each_kind_of_failure_has_its_documented_code() {
        let api = |status, code| Failure::Mstr(Error::Api(ApiError::new(status, Some(code), "m")));
        assert_eq!(api(401, "ERR003").code(), 3);
        assert_eq!(api(401, "ERR009").code(), 3);
        assert_eq!(api(404, "ERR004").code(), 4);
        assert_eq!(api(500, "ERR001").code(), 5);
        assert_eq!(Failure::Mstr(Error::config("x")).code(), 2);
        assert_eq!(Failure::usage("x").code(), 2);
        assert_eq!(Failure::NoSession("x".into()).code(), 3);
        assert_eq!(
            Failure::local("writing out.csv", std::io::Error::other("disk full")).code(),
            1
        );
    }

    #[test]
    fn messages_say_what_to_do() {
        let e = Failure::Mstr(Error::Api(ApiError::new(
            404,
            Some("ERR004"),
            "Report not found",
        )));
        let text = e.to_string();
        assert!(
            text.contains("ERR004") && text.contains("mstr search"),
            "{text}"
        );
    }
}
