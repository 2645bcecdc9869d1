//! The Rust side of the differential run: the scenarios of `python/driver.py`, step for step
//! and under the same step names, with mstr-rest as a user would write them.

use mstr_rest::prelude::*;
use mstr_rest::{AuthenticatedSession, Credentials, Error, Session};
use serde_json::{Value, json};

const USER: &str = "dave";
const PASSWORD: &str = "hellodave";
const API_KEY: &str = "supersecretapikey";
const TUTORIAL: &str = "MicroStrategy Tutorial";
const UNKNOWN_PROJECT_ID: &str = "00000000000000000000000000000000";

/// A driver's answer for one scenario (the Python driver's reply has the same shape).
#[derive(Debug, Default)]
pub(crate) struct Reply {
    pub(crate) steps: Vec<Value>,
    pub(crate) output: Option<String>,
}

struct Run {
    base_url: String,
    input: Option<String>,
    reply: Reply,
}

impl Run {
    fn session(&self) -> Result<Session, String> {
        Session::builder(&self.base_url)
            .build()
            .map_err(|e| format!("cannot build a session for {}: {e}", self.base_url))
    }

    /// Records a step's outcome; returns the value on success.
    fn step(&mut self, name: &str, result: mstr_rest::Result<Value>) -> Option<Value> {
        match result {
            Ok(value) => {
                self.reply
                    .steps
                    .push(json!({"step": name, "ok": true, "value": value}));
                Some(value)
            }
            Err(error) => {
                self.reply.steps.push(error_step(name, &error));
                None
            }
        }
    }
}

/// The outcome of a failed step: the error kind by its `ApiErrorKind` name (or the `Error`
/// variant's), with code, status and iServerCode.
fn error_step(name: &str, error: &Error) -> Value {
    let (kind, code, status, iserver) = match error {
        Error::Api(api) => (
            format!("{:?}", api.kind()),
            api.code.clone(),
            Some(api.status),
            api.iserver_code,
        ),
        Error::NotLoggedIn => ("NotLoggedIn".to_owned(), None, None, None),
        Error::Transport(_) => ("Transport".to_owned(), None, None, None),
        Error::Credential(_) => ("Credential".to_owned(), None, None, None),
        Error::Config(_) => ("Config".to_owned(), None, None, None),
        Error::Decode(_) => ("Decode".to_owned(), None, None, None),
        _ => ("UnknownErrorVariant".to_owned(), None, None, None),
    };
    json!({"step": name, "ok": false, "kind": kind, "code": code, "status": status, "iserver_code": iserver})
}

fn nothing(result: mstr_rest::Result<()>) -> mstr_rest::Result<Value> {
    result.map(|()| Value::Null)
}

/// A raw request's outcome: its status and JSON body (`null` when not JSON).
async fn answer(request: mstr_rest::RequestBuilder) -> mstr_rest::Result<Value> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    let body = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
    Ok(json!({"status": status, "body": body}))
}

fn project_list(projects: &[mstr_rest::projects::Project]) -> Value {
    projects
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name}))
        .collect()
}

/// An identity token's value never leaves the library in clear; both drivers report only
/// that one was issued (the next step, delegating with it, shows it is the right one).
const ISSUED: &str = "<identity token>";

fn json_body() -> Value {
    json!({
        "name": "Q3 sales",
        "tables": [{"name": "T", "rows": 2, "ratio": 1.5}],
        "unicode": "Zürich ✓",
        "nested": {"b": null, "a": [true, false]},
    })
}

/// Runs one scenario against `base_url`.
pub(crate) async fn run(
    scenario: &str,
    base_url: &str,
    input: Option<&str>,
) -> Result<Reply, String> {
    let mut r = Run {
        base_url: base_url.to_owned(),
        input: input.map(str::to_owned),
        reply: Reply::default(),
    };
    let standard = || Credentials::standard(USER, PASSWORD);
    match scenario {
        "login_standard" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.step("has_session", Ok(json!(s.has_session())));
            r.step("session_info", s.session_info().await);
        }
        "login_api_key" => {
            let s = r.session()?;
            r.step(
                "login",
                nothing(s.login(Credentials::api_key(API_KEY)).await),
            );
            r.step("user_info", s.user_info().await.map(|u| json!(u.full_name)));
        }
        "login_anonymous" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(Credentials::anonymous()).await));
            r.step("session_info", s.session_info().await);
        }
        "login_refused" => {
            let s = r.session()?;
            r.step(
                "login",
                nothing(s.login(Credentials::standard(USER, "wrong")).await),
            );
            r.step("has_session", Ok(json!(s.has_session())));
        }
        "login_again" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.step("login_again", nothing(s.login(standard()).await));
            r.step("session_info", s.session_info().await);
        }
        "delegate" => {
            let (a, b) = (r.session()?, r.session()?);
            r.step("login", nothing(a.login(standard()).await));
            let token = a.create_identity_token().await;
            let token = match token {
                Ok(token) => {
                    r.step("create_identity_token", Ok(json!(ISSUED)));
                    token
                }
                Err(e) => {
                    r.step("create_identity_token", Err(e));
                    return Ok(r.reply);
                }
            };
            r.step("delegate", nothing(b.delegate(token).await));
            r.step("delegated_session_info", b.session_info().await);
            r.step(
                "delegated_user_info",
                b.user_info().await.map(|u| json!(u.full_name)),
            );
            r.step("logout", nothing(a.logout().await));
        }
        "delegate_refused" => {
            let s = r.session()?;
            r.step(
                "delegate",
                nothing(s.delegate("not-an-identity-token").await),
            );
            r.step("has_session", Ok(json!(s.has_session())));
        }
        "logout" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.step("logout", nothing(s.logout().await));
            r.step("has_session", Ok(json!(s.has_session())));
            r.step("session_info", s.session_info().await);
            r.step("get_projects_raw", answer(s.get("projects")).await);
        }
        "logout_without_login" => {
            let s = r.session()?;
            r.step("logout", nothing(s.logout().await));
            r.step("has_session", Ok(json!(s.has_session())));
        }
        "session_calls" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.step("session_info", s.session_info().await);
            r.step("extend_session", nothing(s.extend_session().await));
            r.step("user_info", s.user_info().await.map(|u| json!(u.full_name)));
            r.step("session_info_again", s.session_info().await);
        }
        "session_calls_without_login" => {
            let s = r.session()?;
            r.step("session_info", s.session_info().await);
            r.step("extend_session", nothing(s.extend_session().await));
            r.step("user_info", s.user_info().await.map(|u| json!(u.full_name)));
            r.step(
                "projects",
                s.load_projects().await.map(|p| project_list(&p)),
            );
            r.step(
                "create_identity_token",
                s.create_identity_token().await.map(|_| json!(ISSUED)),
            );
        }
        "projects" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.step(
                "projects",
                s.load_projects().await.map(|p| project_list(&p)),
            );
            r.step(
                "load_projects",
                s.load_projects().await.map(|_| Value::Null),
            );
            r.step(
                "project_id",
                s.project_id(TUTORIAL).await.map(|id| json!(id)),
            );
            r.step(
                "project_id_unknown",
                s.project_id("No Such Project").await.map(|id| json!(id)),
            );
        }
        "request_with_project_id" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.step(
                "load_projects",
                s.load_projects().await.map(|_| Value::Null),
            );
            let id = r
                .step(
                    "project_id",
                    s.project_id(TUTORIAL).await.map(|id| json!(id)),
                )
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let search = s
                .get("searches/results")
                .project(&id)
                .query(&[("name", "Revenue"), ("pattern", "4")]);
            r.step("search", answer(search).await);
            r.step(
                "project_session",
                answer(s.get("sessions/projectId").project(&id)).await,
            );
        }
        "request_missing_project" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            let search = s.get("searches/results").query(&[("name", "Revenue")]);
            r.step("search", answer(search).await);
        }
        "request_unknown_project" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            let search = s.get("searches/results").project(UNKNOWN_PROJECT_ID);
            r.step("search", answer(search).await);
        }
        "request_without_auth" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.step(
                "without_auth",
                answer(s.get("projects").without_auth()).await,
            );
            r.step(
                "with_auth",
                answer(s.get("projects")).await.map(|a| a["status"].clone()),
            );
        }
        "url_joining" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.step(
                "leading_slash",
                answer(s.get("/projects"))
                    .await
                    .map(|a| a["status"].clone()),
            );
            r.step(
                "relative",
                answer(s.get("projects")).await.map(|a| a["status"].clone()),
            );
        }
        "request_json_body" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            let post = s.post("conformance/echo").json(&json_body());
            r.step("post_json", answer(post).await);
        }
        "serialise_restore" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            let dump = r
                .step("dump", s.to_json().map(Value::String))
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            match Session::from_json(&dump) {
                Ok(again) => {
                    r.step("restore", Ok(Value::Null));
                    r.step("restored_session_info", again.session_info().await);
                    r.step("restored_logout", nothing(again.logout().await));
                }
                Err(e) => {
                    r.step("restore", Err(e));
                }
            }
        }
        "handoff_login_dump" => {
            let s = r.session()?;
            r.step("login", nothing(s.login(standard()).await));
            r.reply.output = r
                .step("dump", s.to_json().map(Value::String))
                .and_then(|v| v.as_str().map(str::to_owned));
        }
        "handoff_load_call" => {
            let saved = r.input.clone().unwrap_or_default();
            match Session::from_json(&saved) {
                Ok(s) => {
                    r.step("restore", Ok(Value::Null));
                    r.step("session_info", s.session_info().await);
                    r.step("extend_session", nothing(s.extend_session().await));
                    r.step("logout", nothing(s.logout().await));
                }
                Err(e) => {
                    r.step("restore", Err(e));
                }
            }
        }
        "context_manager" => {
            let result = AuthenticatedSession::builder()
                .base_url(r.base_url.clone())
                .username(USER)
                .password(PASSWORD)
                .run(|s| async move { Ok(project_list(&s.load_projects().await?)) })
                .await;
            r.step("with_block", result);
        }
        "context_manager_api_key" => {
            let result = AuthenticatedSession::builder()
                .base_url(r.base_url.clone())
                .api_key(API_KEY)
                .run(|s| async move { Ok(json!(s.user_info().await?.full_name)) })
                .await;
            r.step("with_block", result);
        }
        "context_manager_error_inside" => {
            let result = AuthenticatedSession::builder()
                .base_url(r.base_url.clone())
                .username(USER)
                .password(PASSWORD)
                .run(|s| async move {
                    s.get("conformance/missing").send().await?;
                    Ok(json!("not reached"))
                })
                .await;
            r.step("with_block", result);
        }
        "context_manager_login_refused" => {
            let result = AuthenticatedSession::builder()
                .base_url(r.base_url.clone())
                .username(USER)
                .password("wrong")
                .run(|s| async move { Ok(json!(s.has_session())) })
                .await;
            r.step("with_block", result);
        }
        "context_manager_identity_token" => {
            let a = r.session()?;
            r.step("login", nothing(a.login(standard()).await));
            let token = match a.create_identity_token().await {
                Ok(token) => {
                    r.step("create_identity_token", Ok(json!(ISSUED)));
                    token
                }
                Err(e) => {
                    r.step("create_identity_token", Err(e));
                    return Ok(r.reply);
                }
            };
            let result = AuthenticatedSession::builder()
                .base_url(r.base_url.clone())
                .identity_token(token)
                .run(|s| async move { s.session_info().await })
                .await;
            r.step("with_block", result);
        }
        "raw_projects" => {
            let s = r.session()?;
            r.step("get_projects_raw", answer(s.get("projects")).await);
        }
        other => return Err(format!("the Rust driver has no scenario {other:?}")),
    }
    Ok(r.reply)
}
