//! Emails through a Distribution Services email transmitter (`POST emails`), and the
//! transmitters themselves (`GET transmitters`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::emails::{Email, EmailsApi};
//! use mstr_rest_api::users::UsersApi;
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("administrator", "")).await?;
//! let dave = session.users().list().await?.into_iter()
//!     .find(|u| u.username == "dave").expect("seeded");
//! session
//!     .send_email(&Email::new("Nightly load done", "<b>All cubes published.</b>").html().to([dave.id]))
//!     .await?;
//! # Ok(()) }
//! ```

use std::future::Future;

use mstr_rest_session::{Error, Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An email to users of the server (their ids), sent by the email transmitter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    notification_type: String,
    user_ids: Vec<String>,
    subject: String,
    content: String,
    #[serde(rename = "isHTML")]
    is_html: bool,
}

impl Email {
    /// An email with this subject and body (plain text unless [`html`](Self::html)).
    pub fn new(subject: impl Into<String>, content: impl Into<String>) -> Email {
        Email {
            notification_type: "USER_CREATION".to_owned(),
            user_ids: Vec::new(),
            subject: subject.into(),
            content: content.into(),
            is_html: false,
        }
    }

    /// Adds recipients (user ids).
    pub fn to(mut self, user_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.user_ids.extend(user_ids.into_iter().map(Into::into));
        self
    }

    /// The body is HTML.
    pub fn html(mut self) -> Self {
        self.is_html = true;
        self
    }

    /// The notification type the server files the email under (default `USER_CREATION`,
    /// the one every server accepts).
    pub fn notification_type(mut self, kind: impl Into<String>) -> Self {
        self.notification_type = kind.into();
        self
    }

    fn check(&self) -> Result<()> {
        if self.subject.trim().is_empty() || self.content.trim().is_empty() {
            return Err(Error::config(
                "Email: give both a subject and a body; the server refuses empty ones",
            ));
        }
        if self.user_ids.is_empty() {
            return Err(Error::config(
                "Email: name at least one recipient with .to([user_id])",
            ));
        }
        Ok(())
    }
}

/// A Distribution Services transmitter (`GET transmitters`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Transmitter {
    /// The id.
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// `email`, `file`, `ftp` …
    #[serde(default)]
    pub delivery_type: Option<String>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct Transmitters {
    transmitters: Vec<Transmitter>,
}

/// Email calls: `use mstr_rest_api::emails::EmailsApi;` (or the facade's prelude).
pub trait EmailsApi {
    /// `POST emails`: sends the email (204).
    ///
    /// # Errors
    /// [`Error::Config`] for an email without subject, body or recipient (nothing is
    /// sent); [`Error::Api`] (no email transmitter, unknown user); [`Error::Transport`].
    fn send_email(&self, email: &Email) -> impl Future<Output = Result<()>> + Send;

    /// `GET transmitters`: the server's transmitters.
    ///
    /// # Errors
    /// [`Error::Api`]; [`Error::Transport`]; [`Error::Decode`].
    fn transmitters(&self) -> impl Future<Output = Result<Vec<Transmitter>>> + Send;
}

impl EmailsApi for Session {
    fn send_email(&self, email: &Email) -> impl Future<Output = Result<()>> + Send {
        let request = email.check().map(|()| self.post("emails").json(email));
        async move {
            request?.send().await?;
            Ok(())
        }
    }

    fn transmitters(&self) -> impl Future<Output = Result<Vec<Transmitter>>> + Send {
        let request = self.get("transmitters");
        async move {
            let listed: Transmitters = request.send().await?.json().await?;
            Ok(listed.transmitters)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_subject_a_body_and_a_recipient() {
        assert!(Email::new("", "b").to(["u"]).check().is_err());
        assert!(Email::new("s", " ").to(["u"]).check().is_err());
        assert!(Email::new("s", "b").check().is_err());
        let ok = Email::new("s", "b").to(["U1"]).html();
        assert!(ok.check().is_ok());
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            serde_json::json!({"notificationType": "USER_CREATION", "userIds": ["U1"],
                               "subject": "s", "content": "b", "isHTML": true})
        );
    }
}
