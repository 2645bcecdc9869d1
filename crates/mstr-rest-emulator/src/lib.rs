#![cfg_attr(docsrs, feature(doc_cfg))]
//! A faithful, stateful, in-process fake of the MicroStrategy (Strategy) REST API server.
//!
//! `mstr-rest`'s tests, examples and benchmarks run against it instead of a real Library server:
//! [`Emulator::start`] listens on 127.0.0.1 on a random port and keeps real sessions, cookies,
//! idle timeouts and identity tokens, so whole flows (login, expiry, re-login, logout) behave as
//! on a server. Tests steer it ([`Emulator::advance_clock`], [`Emulator::inject`] a [`Fault`])
//! and inspect it ([`Emulator::requests`], [`Emulator::count`], [`Emulator::open_sessions`]).
//! Wire facts come from the workspace's REST reference; where that reference marks a behaviour
//! unverified, the emulator's choice is listed under [Guesses](#guesses).
//!
//! It is built on axum: a tiny router on the same hyper and tokio stack the client already
//! compiles, so it adds little build time. Exact request expectations ("this header, once") are
//! wiremock's job and are tested with it separately; this crate is for stateful flows.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use mstr_rest_emulator::{Emulator, Fault};
//!
//! let emulator = Emulator::start().await;
//! let http = reqwest::Client::new();
//!
//! let login = http
//!     .post(format!("{}auth/login", emulator.base_url()))
//!     .json(&serde_json::json!({"username": "dave", "password": "hellodave", "loginMode": 1}))
//!     .send()
//!     .await?;
//! assert_eq!(login.status(), 204);
//! let token = login.headers()["x-mstr-authtoken"].to_str()?.to_owned();
//! // "JSESSIONID=…; Path=/MicroStrategyLibrary; HttpOnly" → "JSESSIONID=…"
//! let cookie = login.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or("").to_owned();
//!
//! let projects = |http: &reqwest::Client| {
//!     http.get(format!("{}projects", emulator.base_url()))
//!         .header("X-MSTR-AuthToken", &token)
//!         .header("Cookie", &cookie)
//!         .send()
//! };
//! let list: serde_json::Value = projects(&http).await?.json().await?;
//! assert_eq!(list[0]["name"], "MicroStrategy Tutorial");
//!
//! // The next listing fails as if the session had timed out on the server.
//! emulator.inject(Fault::path("projects").expire_session());
//! let expired = projects(&http).await?;
//! assert_eq!(expired.status(), 401);
//! assert_eq!(expired.json::<serde_json::Value>().await?["code"], "ERR009");
//!
//! assert_eq!(emulator.count("GET", "projects"), 2);
//! assert_eq!(emulator.open_sessions(), 0);
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//!
//! All under `/MicroStrategyLibrary/api/`. Every error body is `application/json`
//! `{"code", "message", "ticketId", "iServerCode"?}` with a fresh 32-hex `ticketId`.
//!
//! | Method | Path | Success | Notes |
//! |---|---|---|---|
//! | POST | `auth/login` | 204, `X-MSTR-AuthToken`, `Set-Cookie: JSESSIONID` | JSON or form body; `loginMode` 1 (default), 16, 4096, 8; bad credentials 401 `ERR003`; malformed JSON 400 `ERR006` |
//! | POST | `auth/logout` | 204 | |
//! | POST | `auth/identityToken` | 201, `X-MSTR-IdentityToken` | |
//! | GET | `auth/identityToken` | 200 `{"userId"}` | header `X-MSTR-IdentityToken`; else 401 `ERR003` |
//! | POST | `auth/delegate` | 204, new token and cookie | `{"loginMode": -1 or "-1", "identityToken"}`; else 401 `ERR003` |
//! | GET, PUT | `sessions` | 200 `SessionInfo`; PUT 204 | |
//! | GET | `sessions/userInfo`, `sessions/lifetime` | 200 `SessionInfo` (+ `lifetime`) | |
//! | GET | `sessions/projectId`, `searches/results` | 200 | need `X-MSTR-ProjectID` |
//! | GET | `projects`, `projects/{name}` | 200 | unknown name 404 `ERR004` |
//!
//! Every call except login, delegation and `GET auth/identityToken` needs a live
//! `X-MSTR-AuthToken` and (unless [`EmulatorBuilder::strict_cookies`] is off) that session's
//! `JSESSIONID` cookie, or it answers 401 `ERR009`; each such call resets the session's idle
//! timer. An unknown path answers 404 `ERR004` "HTTP 404 Not Found", a known path with the
//! wrong method 405 `ERR001` "HTTP 405 Method Not Allowed". All `auth/*` answers carry
//! `cache-control: no-cache, no-store, max-age=0, must-revalidate`, `pragma: no-cache` and
//! `expires: 0`.
//!
//! # Default data
//!
//! [`Emulator::start`] and [`Emulator::builder`] begin with:
//!
//! | Kind | Name | Secret | Notes |
//! |---|---|---|---|
//! | standard user (`loginMode` 1) | `dave` | `hellodave` | full name "Dave Bowman" |
//! | standard user (`loginMode` 1) | `administrator` | `""` (empty) | full name "Administrator" |
//! | LDAP user (`loginMode` 16) | `ldapdave` | `ldappass` | `metadataUser: false` |
//! | API key (`loginMode` 4096) | key `supersecretapikey` | | logs in as `dave` |
//! | anonymous (`loginMode` 8) | `Guest` | | allowed |
//! | project | `B19DEDCC11D4E0EFC000EB9495D0F44F` | | "MicroStrategy Tutorial" |
//! | project | `B7CA92F04B9FAE8D941C3E9B7E0CD754` | | "Consolidated Education Project" |
//! | project | `4BAE16A340B995CAD24193AA2B6F1A4C` | | "My Project" |
//!
//! Sessions idle out after 30 minutes (`timeout: 1800`); `SessionInfo` reports `locale` 1033,
//! `maxSearch` 3 and `workingSet` 10 unless the login body chose others.
//!
//! # Guesses
//!
//! The reference does not state these; the emulator picks a behaviour and keeps it stable.
//!
//! - A disabled anonymous login, or a `loginMode` other than 1, 8, 16 and 4096, answers
//!   401 `ERR001`.
//! - A missing `X-MSTR-ProjectID` on a project-scoped call answers 400 `ERR005`
//!   "X-MSTR-ProjectID header is required". Project ids match ignoring case. An unknown project
//!   answers 404 `ERR004` with iServerCode -2147209151 whatever the route.
//! - A missing token answers exactly like an expired one: 401 `ERR009` "The user's session has
//!   expired, please reauthenticate." (the real message text is not documented). So does a
//!   token without its own `JSESSIONID` cookie, when cookies are strict. The session is checked
//!   before the project header. `GET sessions` on a dead session answers 401 `ERR009`, not the
//!   spec's 404.
//! - Logout closes every session delegated from the same login (they share one IServer session)
//!   and voids that login's unused identity tokens.
//! - Identity tokens never time out; they are used up by `auth/delegate`, not by
//!   `GET auth/identityToken`, and stop working once no session of their login is alive. A
//!   delegation body with no `loginMode` counts as -1; any other mode answers 401 `ERR003`.
//! - Each login and delegation opens a new HTTP session with a new cookie, even when the
//!   request carried a live `JSESSIONID`; `Set-Cookie` is sent only then, and without `Secure`
//!   because the emulator speaks plain HTTP.
//! - There is one idle timeout (no separate HTTP and IServer timeouts); a session idle strictly
//!   longer than it is expired. `sessions/lifetime` reports the idle seconds that were left when
//!   the call arrived, before the call itself reset the timer.
//! - An absent `password` is the empty password. `maxSearch` and `workingSet` from the login
//!   body are echoed in `SessionInfo` (`workingSet` at least 3, `maxSearch` at least 1); a
//!   non-integer `loginMode`, `maxSearch` or `workingSet` answers 400 `ERR006`, as does a JSON
//!   body that is not an object.
//! - User ids are 32-hex GUIDs derived from the username (LDAP users apart), not real ids.
//! - `projects/{name}` also accepts a project id; with duplicate names it returns the first.
//!   Projects report `alias: ""`, `description: ""`, `status: 0`.
//! - `searches/results` always finds nothing.
//!
//! Report, cube, prompt and push-data endpoints are not emulated yet; they will be added as
//! further route modules.

mod body;
mod builder;
mod clock;
mod directory;
mod emulator;
mod error_body;
mod fault;
mod ids;
mod intercept;
mod record;
mod routes;
mod state;

#[cfg(test)]
mod tests;

pub use builder::EmulatorBuilder;
pub use emulator::Emulator;
pub use fault::Fault;
pub use record::RecordedRequest;

/// Where the API lives on the server; recorded paths and faults are relative to it.
const API_PREFIX: &str = "/MicroStrategyLibrary/api/";
