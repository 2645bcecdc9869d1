//! Secret Manager sources against wiremock, with an injected token provider.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine as _;
use gcp_auth::{Token, TokenProvider};
use mstr_rest_session::{AuthenticatedSession, CredentialErrorKind, ExposeSecret, SecretSource};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use mstr_rest_gcp::{SecretManager, SecretManagerSecret, crc32c, secret_manager};

const PROJECT: &str = "my-project";
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Hands out the token `t` (or fails), counting requests and recording scopes.
#[derive(Default)]
struct FakeProvider {
    fail: bool,
    calls: AtomicUsize,
    scopes: Mutex<Vec<Vec<String>>>,
}

impl FakeProvider {
    fn ok() -> Arc<FakeProvider> {
        Arc::new(FakeProvider::default())
    }

    fn failing() -> Arc<FakeProvider> {
        Arc::new(FakeProvider {
            fail: true,
            ..FakeProvider::default()
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TokenProvider for FakeProvider {
    async fn token(&self, scopes: &[&str]) -> Result<Arc<Token>, gcp_auth::Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.scopes
            .lock()
            .unwrap()
            .push(scopes.iter().map(|s| s.to_string()).collect());
        if self.fail {
            return Err(gcp_auth::Error::Str("fake provider: no credentials"));
        }
        // Token has no public constructor, but it deserialises
        Ok(Arc::new(
            serde_json::from_str(r#"{"access_token":"t","expires_in":3600}"#).unwrap(),
        ))
    }

    async fn project_id(&self) -> Result<Arc<str>, gcp_auth::Error> {
        Ok(Arc::from(PROJECT))
    }
}

fn source(server: &MockServer, name: &str, provider: &Arc<FakeProvider>) -> SecretManager {
    secret_manager(PROJECT, name)
        .endpoint(server.uri())
        .with_token_provider(provider.clone())
}

fn json_secret(
    server: &MockServer,
    name: &str,
    provider: &Arc<FakeProvider>,
) -> SecretManagerSecret {
    SecretManagerSecret::new(PROJECT, name)
        .endpoint(server.uri())
        .with_token_provider(provider.clone())
}

fn access_path(name: &str, version: &str) -> String {
    format!("/v1/projects/{PROJECT}/secrets/{name}/versions/{version}:access")
}

/// Secret Manager's answer for `bytes`, with their CRC32C as Google sends it (a decimal string).
fn payload(name: &str, bytes: &[u8]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "name": format!("projects/123456789/secrets/{name}/versions/1"),
        "payload": {
            "data": base64::engine::general_purpose::STANDARD.encode(bytes),
            "dataCrc32c": crc32c(bytes).to_string(),
        },
    }))
}

fn google_error(code: u16, status: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({
        "error": {"code": code, "message": message, "status": status}
    }))
}

#[tokio::test]
async fn access_sends_the_exact_path_and_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path("mstr-password", "latest")))
        .and(header("authorization", "Bearer t"))
        .respond_with(payload("mstr-password", b"hellodave"))
        .expect(1)
        .named("access latest")
        .mount(&server)
        .await;
    let provider = FakeProvider::ok();

    let value = source(&server, "mstr-password", &provider)
        .resolve()
        .await
        .unwrap();

    assert_eq!(value.expose_secret(), "hellodave");
    assert_eq!(
        *provider.scopes.lock().unwrap(),
        vec![vec![SCOPE.to_owned()]]
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.path(),
        access_path("mstr-password", "latest")
    );
    assert_eq!(requests[0].url.query(), None);
}

#[tokio::test]
async fn endpoint_with_a_trailing_slash_gives_the_same_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path("mstr-password", "latest")))
        .respond_with(payload("mstr-password", b"hellodave"))
        .expect(1)
        .named("access latest")
        .mount(&server)
        .await;

    secret_manager(PROJECT, "mstr-password")
        .endpoint(format!("{}/", server.uri()))
        .with_token_provider(FakeProvider::ok())
        .resolve()
        .await
        .unwrap();
}

#[tokio::test]
async fn version_selects_the_version_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path("mstr-password", "3")))
        .respond_with(payload("mstr-password", b"third"))
        .expect(1)
        .named("access version 3")
        .mount(&server)
        .await;
    let source = source(&server, "mstr-password", &FakeProvider::ok()).version("3");

    assert_eq!(source.resolve().await.unwrap().expose_secret(), "third");
    assert_eq!(
        source.to_string(),
        "gcp-secretmanager:projects/my-project/secrets/mstr-password/versions/3"
    );
}

#[tokio::test]
async fn payload_without_checksum_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "projects/1/secrets/s/versions/1",
            "payload": {"data": base64::engine::general_purpose::STANDARD.encode("plain")}
        })))
        .named("payload without dataCrc32c")
        .mount(&server)
        .await;

    let value = source(&server, "s", &FakeProvider::ok())
        .resolve()
        .await
        .unwrap();

    assert_eq!(value.expose_secret(), "plain");
}

#[tokio::test]
async fn checksum_mismatch_is_invalid() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "projects/1/secrets/s/versions/1",
            "payload": {
                "data": base64::engine::general_purpose::STANDARD.encode("hellodave"),
                "dataCrc32c": (u64::from(crc32c(b"hellodave")) ^ 1).to_string(),
            }
        })))
        .named("corrupted payload")
        .mount(&server)
        .await;

    let err = source(&server, "s", &FakeProvider::ok())
        .resolve()
        .await
        .unwrap_err();

    assert_eq!(err.kind(), CredentialErrorKind::Invalid);
    assert!(
        err.to_string().contains("payload corrupted in transit"),
        "{err}"
    );
    assert!(!err.to_string().contains("hellodave"));
}

#[tokio::test]
async fn non_utf8_payload_is_invalid() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(payload("s", &[0xff, 0xfe, 0x00, 0x81]))
        .named("binary payload")
        .mount(&server)
        .await;

    let err = source(&server, "s", &FakeProvider::ok())
        .resolve()
        .await
        .unwrap_err();

    assert_eq!(err.kind(), CredentialErrorKind::Invalid);
    assert!(err.to_string().contains("binary and not UTF-8"), "{err}");
}

#[tokio::test]
async fn malformed_base64_is_invalid() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "projects/1/secrets/s/versions/1",
            "payload": {"data": "not base64!"}
        })))
        .named("payload that is not base64")
        .mount(&server)
        .await;

    let err = source(&server, "s", &FakeProvider::ok())
        .resolve()
        .await
        .unwrap_err();

    assert_eq!(err.kind(), CredentialErrorKind::Invalid);
}

#[tokio::test]
async fn not_found_is_not_found_with_googles_message_as_source() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(google_error(
            404,
            "NOT_FOUND",
            "Secret [projects/123456789/secrets/missing] not found or has no versions.",
        ))
        .expect(1)
        .named("no such secret")
        .mount(&server)
        .await;

    let err = source(&server, "missing", &FakeProvider::ok())
        .resolve()
        .await
        .unwrap_err();

    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.source_name(),
        "gcp-secretmanager:projects/my-project/secrets/missing/versions/latest"
    );
    let google = std::error::Error::source(&err).unwrap().to_string();
    assert!(
        google.contains("NOT_FOUND") && google.contains("not found or has no versions"),
        "{google}"
    );
    assert!(
        !err.to_string().contains(&google),
        "Display does not repeat the source"
    );
}

#[tokio::test]
async fn forbidden_and_unauthorized_are_access_denied() {
    for (status, text) in [(403, "PERMISSION_DENIED"), (401, "UNAUTHENTICATED")] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(google_error(status, text, "Permission denied on resource."))
            .expect(1)
            .named(format!("refused with {status}"))
            .mount(&server)
            .await;

        let err = source(&server, "s", &FakeProvider::ok())
            .resolve()
            .await
            .unwrap_err();

        assert!(err.is_access_denied(), "{status}: {err:?}");
        assert!(
            err.to_string()
                .contains("roles/secretmanager.secretAccessor"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn too_many_requests_is_throttled_and_other_statuses_are_other() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path("busy", "latest")))
        .respond_with(google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded."))
        .named("throttled")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(access_path("broken", "latest")))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .named("server error without a JSON body")
        .mount(&server)
        .await;
    let provider = FakeProvider::ok();

    let busy = source(&server, "busy", &provider)
        .resolve()
        .await
        .unwrap_err();
    let broken = source(&server, "broken", &provider)
        .resolve()
        .await
        .unwrap_err();

    assert!(busy.is_throttled(), "{busy:?}");
    assert_eq!(broken.kind(), CredentialErrorKind::Other);
    assert!(broken.to_string().contains("500"), "{broken}");
}

#[tokio::test]
async fn token_failure_is_other_and_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(payload("s", b"x"))
        .expect(0)
        .named("never asked without a token")
        .mount(&server)
        .await;
    let provider = FakeProvider::failing();

    let err = source(&server, "s", &provider).resolve().await.unwrap_err();

    assert_eq!(err.kind(), CredentialErrorKind::Other);
    assert!(err.to_string().contains("access token"), "{err}");
    assert_eq!(provider.calls(), 1);
}

#[tokio::test]
async fn unusable_endpoint_is_other() {
    let err = secret_manager(PROJECT, "s")
        .endpoint("not a url")
        .with_token_provider(FakeProvider::ok())
        .resolve()
        .await
        .unwrap_err();

    assert_eq!(err.kind(), CredentialErrorKind::Other);
    assert!(err.to_string().contains("not a url"), "{err}");
}

#[tokio::test]
async fn single_value_source_reads_on_each_resolution() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path("mstr-password", "latest")))
        .respond_with(payload("mstr-password", b"hellodave"))
        .expect(2)
        .named("one access per resolution")
        .mount(&server)
        .await;
    let source = source(&server, "mstr-password", &FakeProvider::ok());

    source.resolve().await.unwrap();
    source.clone().resolve().await.unwrap();
}

#[tokio::test]
async fn derived_secrets_share_the_token_provider() {
    let server = MockServer::start().await;
    for (name, value) in [("mstr-username", "dave"), ("mstr-password", "hellodave")] {
        Mock::given(method("GET"))
            .and(path(access_path(name, "latest")))
            .and(header("authorization", "Bearer t"))
            .respond_with(payload(name, value.as_bytes()))
            .expect(1)
            .named(format!("access {name}"))
            .mount(&server)
            .await;
    }
    let provider = FakeProvider::ok();
    let username = source(&server, "mstr-username", &provider);
    let password = username.secret("mstr-password");

    assert_eq!(username.resolve().await.unwrap().expose_secret(), "dave");
    assert_eq!(
        password.resolve().await.unwrap().expose_secret(),
        "hellodave"
    );
    assert_eq!(provider.calls(), 2);
}

fn connection(base_url: &str, password: &str) -> Vec<u8> {
    json!({"base_url": base_url, "username": "dave", "password": password})
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn json_secret_reads_once_for_all_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path("mstr-connection", "latest")))
        .respond_with(payload(
            "mstr-connection",
            &connection("https://env.example.com/api/", "hellodave"),
        ))
        .expect(1)
        .named("one access for three fields")
        .mount(&server)
        .await;
    let provider = FakeProvider::ok();
    let secret = json_secret(&server, "mstr-connection", &provider);

    let (base_url, username, password) = (
        secret.field("base_url"),
        secret.field("username"),
        secret.clone().field("password"),
    );

    assert_eq!(
        base_url.resolve().await.unwrap().expose_secret(),
        "https://env.example.com/api/"
    );
    assert_eq!(username.resolve().await.unwrap().expose_secret(), "dave");
    assert_eq!(
        password.resolve().await.unwrap().expose_secret(),
        "hellodave"
    );
    assert_eq!(provider.calls(), 1);
    assert_eq!(
        password.to_string(),
        "gcp-secretmanager:projects/my-project/secrets/mstr-connection/versions/latest#password"
    );
}

#[tokio::test]
async fn invalidate_reads_the_secret_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(payload(
            "mstr-connection",
            &connection("https://a.example.com/api/", "hellodave"),
        ))
        .up_to_n_times(1)
        .expect(1)
        .named("the value before rotation")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(payload(
            "mstr-connection",
            &connection("https://a.example.com/api/", "rotated"),
        ))
        .expect(1)
        .named("the value after rotation")
        .mount(&server)
        .await;
    let secret = json_secret(&server, "mstr-connection", &FakeProvider::ok());
    let password = secret.field("password");

    assert_eq!(
        password.resolve().await.unwrap().expose_secret(),
        "hellodave"
    );
    assert_eq!(
        password.resolve().await.unwrap().expose_secret(),
        "hellodave"
    );
    secret.invalidate();

    assert_eq!(password.resolve().await.unwrap().expose_secret(), "rotated");
}

#[tokio::test]
async fn json_secret_that_is_not_an_object_is_invalid() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(payload("mstr-connection", b"[1, 2, 3]"))
        .named("a JSON array")
        .mount(&server)
        .await;

    let err = json_secret(&server, "mstr-connection", &FakeProvider::ok())
        .field("username")
        .resolve()
        .await
        .unwrap_err();

    assert_eq!(err.kind(), CredentialErrorKind::Invalid);
}

#[tokio::test]
async fn nothing_is_asked_or_sent_before_resolve() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(payload(
            "mstr-connection",
            &connection("https://a.example.com/api/", "pw"),
        ))
        .named("the secret")
        .mount(&server)
        .await;
    let provider = FakeProvider::ok();

    let secret = json_secret(&server, "mstr-connection", &provider);
    let single = source(&server, "mstr-password", &provider).version("2");
    let _builder = AuthenticatedSession::builder()
        .base_url(secret.field("base_url"))
        .username(secret.field("username"))
        .password(single.clone());

    assert_eq!(provider.calls(), 0);
    assert_eq!(server.received_requests().await.unwrap().len(), 0);

    secret.field("username").resolve().await.unwrap();
    assert_eq!(provider.calls(), 1);
}

#[test]
fn describe_and_debug_name_the_source_only() {
    let source = secret_manager("p", "n");
    assert_eq!(
        source.to_string(),
        "gcp-secretmanager:projects/p/secrets/n/versions/latest"
    );
    let secret = SecretManagerSecret::new("p", "conn").version("7");
    assert_eq!(
        secret.describe(),
        "gcp-secretmanager:projects/p/secrets/conn/versions/7"
    );
    let debug = format!("{source:?} {secret:?}");
    assert!(
        debug.contains("projects/p/secrets/n") && debug.contains("SecretManagerSecret"),
        "{debug}"
    );
}

#[tokio::test]
async fn logs_in_to_the_emulator_with_a_secret_manager_json_secret() {
    let emulator = mstr_rest_emulator::Emulator::start().await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path("mstr-connection", "latest")))
        .and(header("authorization", "Bearer t"))
        .respond_with(payload(
            "mstr-connection",
            &connection(&emulator.base_url(), "hellodave"),
        ))
        .expect(1)
        .named("the connection secret, read once")
        .mount(&server)
        .await;
    let secret = json_secret(&server, "mstr-connection", &FakeProvider::ok());

    let session = AuthenticatedSession::builder()
        .base_url(secret.field("base_url"))
        .username(secret.field("username"))
        .password(secret.field("password"))
        .connect()
        .await
        .unwrap();
    assert!(session.has_session());
    session.close().await.unwrap();

    assert_eq!(emulator.logins(), 1);
    assert_eq!(emulator.logouts(), 1);
}
