//! Project quotas: the space, in MB, users may fill with Data Import in a project — the
//! project's default (`projects/{id}/quotas`) and per user
//! (`projects/{id}/users/quotas`, `projects/{id}/users/{userId}/quotas`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::quotas::QuotasApi;
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("administrator", "")).await?;
//! let quotas = session.quotas("B19DEDCC11D4E0EFC000EB9495D0F44F");
//! quotas.set_project(500.0).await?;
//! let me = session.user_info().await?;
//! quotas.set_user(&me.id, 2048.0).await?;
//! assert_eq!(quotas.users().await?.iter().find(|q| q.id == me.id).unwrap().quota, 2048.0);
//! # Ok(()) }
//! ```

use mstr_rest_core::segment;
use mstr_rest_session::{Error, Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Quota calls: `use mstr_rest_api::quotas::QuotasApi;` (or the facade's prelude).
pub trait QuotasApi {
    /// The Data Import quotas of a project.
    fn quotas(&self, project_id: &str) -> Quotas;
}

impl QuotasApi for Session {
    fn quotas(&self, project_id: &str) -> Quotas {
        Quotas::new(self.clone(), project_id)
    }
}

/// One user's quota in a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserQuota {
    /// The user id.
    pub id: String,
    /// The quota, in MB.
    pub quota: f64,
    /// Every other field the server sent (the user's name …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct ProjectQuota {
    quota: f64,
}

#[derive(Deserialize)]
struct UserQuotas {
    users: Vec<UserQuota>,
}

/// The quotas of one project, from [`QuotasApi::quotas`].
#[derive(Debug, Clone)]
pub struct Quotas<S = Session> {
    pub(crate) session: S,
    project_id: String,
}

impl<S> Quotas<S> {
    pub(crate) fn new(session: S, project_id: &str) -> Quotas<S> {
        Quotas {
            session,
            project_id: project_id.to_owned(),
        }
    }

    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Quotas<T> {
        Quotas::new(session, &self.project_id)
    }
}

/// Quotas are whole megabytes up to what the server stores (a 32-bit count).
fn checked(mb: f64) -> Result<f64> {
    if mb.is_finite() && (0.0..=f64::from(i32::MAX)).contains(&mb) {
        Ok(mb.round())
    } else {
        Err(Error::config(format!(
            "a quota is a number of MB between 0 and {}, not {mb}",
            i32::MAX
        )))
    }
}

impl Quotas {
    fn project_path(&self) -> Result<String> {
        Ok(format!(
            "projects/{}",
            segment("project id", &self.project_id)?
        ))
    }

    /// `GET projects/{id}/quotas`: the project's default quota, in MB.
    ///
    /// # Errors
    /// [`Error::Api`] (unknown project, no right); [`Error::Transport`]; [`Error::Decode`].
    pub async fn project(&self) -> Result<f64> {
        let q: ProjectQuota = self
            .session
            .get(&format!("{}/quotas", self.project_path()?))
            .send()
            .await?
            .json()
            .await?;
        Ok(q.quota)
    }

    /// `PUT projects/{id}/quotas`: sets the project's default quota (MB, rounded).
    ///
    /// # Errors
    /// [`Error::Config`] for a negative or huge value (nothing is sent); as
    /// [`project`](Self::project).
    pub async fn set_project(&self, mb: f64) -> Result<()> {
        let mb = checked(mb)?;
        self.session
            .put(&format!("{}/quotas", self.project_path()?))
            .json(&json!({ "quota": mb }))
            .send()
            .await?;
        Ok(())
    }

    /// `GET projects/{id}/users/quotas`: the users with a quota of their own.
    ///
    /// # Errors
    /// As [`project`](Self::project).
    pub async fn users(&self) -> Result<Vec<UserQuota>> {
        let q: UserQuotas = self
            .session
            .get(&format!("{}/users/quotas", self.project_path()?))
            .send()
            .await?
            .json()
            .await?;
        Ok(q.users)
    }

    /// `PUT projects/{id}/users/{userId}/quotas`: sets one user's quota (MB, rounded).
    ///
    /// # Errors
    /// As [`set_project`](Self::set_project).
    pub async fn set_user(&self, user_id: &str, mb: f64) -> Result<()> {
        let mb = checked(mb)?;
        let path = format!(
            "{}/users/{}/quotas",
            self.project_path()?,
            segment("user id", user_id)?
        );
        self.session
            .put(&path)
            .json(&json!({ "quota": mb }))
            .send()
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_are_checked_before_anything_is_sent() {
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e12] {
            assert!(checked(bad).is_err(), "{bad}");
        }
        assert_eq!(checked(10.4).unwrap(), 10.0);
    }
}
