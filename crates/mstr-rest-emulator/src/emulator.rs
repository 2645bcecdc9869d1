//! [`Emulator`]: a running server and the handle tests use to steer and inspect it.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::builder::EmulatorBuilder;
use crate::fault::Fault;
use crate::record::RecordedRequest;
use crate::routes;
use crate::state::AppState;

/// A fake MicroStrategy REST server listening on 127.0.0.1.
///
/// Dropping it stops the server; [`shutdown`](Self::shutdown) does the same and waits until the
/// listener is closed. Every method takes `&self`, so a test can keep steering the server while a
/// client talks to it.
pub struct Emulator {
    addr: SocketAddr,
    state: AppState,
    server: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts an emulator with the default data on a random port.
    ///
    /// # Panics
    ///
    /// If 127.0.0.1 cannot be bound, or outside a tokio runtime.
    pub async fn start() -> Emulator {
        Self::builder().start().await
    }

    /// A builder preloaded with the [default data](crate#default-data).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::new()
    }

    pub(crate) fn serve(listener: TcpListener, addr: SocketAddr, state: AppState) -> Emulator {
        let app = routes::router(state.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "mstr-rest-emulator: server stopped");
            }
        });
        tracing::debug!(%addr, "mstr-rest-emulator: listening");
        Emulator {
            addr,
            state,
            server: Some(server),
        }
    }

    /// The rows a pushed dataset's table holds after its last publish, in the table's column
    /// order; `None` for an unknown dataset or table.
    pub fn dataset_rows(
        &self,
        dataset_id: &str,
        table: &str,
    ) -> Option<Vec<Vec<serde_json::Value>>> {
        self.state.catalog.datasets().rows(dataset_id, table)
    }

    /// True while the dataset has an upload session open (neither published nor deleted).
    pub fn has_upload_session(&self, dataset_id: &str) -> bool {
        self.state.catalog.datasets().has_upload_session(dataset_id)
    }

    /// Changesets opened and neither committed-and-deleted nor abandoned.
    pub fn open_changesets(&self) -> usize {
        self.state.catalog.modeling().open_changesets()
    }

    /// Changesets committed since start.
    pub fn changeset_commits(&self) -> usize {
        self.state.catalog.modeling().commits()
    }

    /// The names of the committed modeling objects of one kind (`metrics`, `attributes`, …),
    /// sorted.
    pub fn model_object_names(&self, kind: &str) -> Vec<String> {
        self.state.catalog.modeling().committed_names(kind)
    }

    /// Dossier and document instances not deleted yet.
    pub fn open_document_instances(&self) -> usize {
        self.state.catalog.documents().open_instances()
    }

    /// The password a database login holds now (the API never answers it); `None` for an
    /// unknown login.
    pub fn datasource_login_password(&self, login_id: &str) -> Option<String> {
        let ops = self.state.catalog.operations();
        ops.logins
            .iter()
            .find(|l| l.id.eq_ignore_ascii_case(login_id))
            .and_then(|l| l.password.clone())
    }

    /// The bodies of every `POST emails` accepted, oldest first.
    pub fn sent_emails(&self) -> Vec<serde_json::Value> {
        self.state.catalog.operations().emails.clone()
    }

    /// The recipients a dossier or document was published to through `POST library`.
    pub fn library_recipients(&self, target_id: &str) -> Vec<String> {
        self.state
            .catalog
            .objects()
            .recipients
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(target_id))
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    }

    /// Whether an object with this id exists in the catalog (seeded, or brought in by a
    /// package import).
    pub fn has_object(&self, id: &str) -> bool {
        self.state.catalog.objects().object(id).is_some()
    }

    /// The API base URL, with its trailing slash:
    /// `http://127.0.0.1:{port}/MicroStrategyLibrary/api/`.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.origin(), crate::API_PREFIX)
    }

    /// The origin, without a path: `http://127.0.0.1:{port}`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sessions neither logged out nor expired, applying idle expiry by the emulator's clock now.
    pub fn open_sessions(&self) -> usize {
        self.state.open_sessions()
    }

    /// Successful `auth/login` and `auth/delegate` calls so far.
    pub fn logins(&self) -> usize {
        self.state.logins()
    }

    /// Successful `auth/logout` calls so far.
    pub fn logouts(&self) -> usize {
        self.state.logouts()
    }

    /// Every request received, oldest first, including those a fault answered. Only the last
    /// 10 000 are kept, and none when recording is switched off
    /// ([`EmulatorBuilder::record_requests`]).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// Forgets the recorded requests (counters such as [`logins`](Self::logins) are kept).
    pub fn clear_requests(&self) {
        self.state.clear_requests();
    }

    /// How many recorded requests had this method (any case) and API-relative path, e.g.
    /// `count("POST", "auth/login")`. Reads the same log as [`requests`](Self::requests).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.state.count(method, path)
    }

    /// Moves the emulator's clock forward. Sessions age by this clock, so a test expires them
    /// by advancing it past the idle timeout instead of sleeping.
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Expires every session at once, as a server restart would.
    pub fn expire_all_sessions(&self) {
        self.state.expire_all();
    }

    /// Queues a fault for the next matching request(s); see [`Fault`].
    pub fn inject(&self, fault: Fault) {
        self.state.inject(fault);
    }

    /// Stops the server and waits until it no longer accepts connections. Requests already
    /// being answered finish on their own.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            // The only outcome is "cancelled"; waiting for it is what guarantees the listener
            // is closed when this returns.
            let _ = server.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("idle_timeout", &self.state.settings.idle_timeout)
            .field("strict_cookies", &self.state.settings.strict_cookies)
            .field("record_requests", &self.state.settings.record_requests)
            .field("admin_routes", &self.state.settings.admin_routes)
            .finish_non_exhaustive()
    }
}
