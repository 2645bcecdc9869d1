//! Key Vault sources seen from outside: wiremock, an injected credential and transport.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::{Error, ErrorKind};
use azure_core::http::{
    AsyncRawResponse, ClientOptions, HttpClient, Request as AzureRequest, RetryOptions, Transport,
};
use azure_core::time::{Duration, OffsetDateTime};
use mstr_rest_session::{
    AuthenticatedSession, CredentialErrorKind, ExposeSecret, SecretSource, SharedSource,
};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use mstr_rest_azure::{
    AmbientCredential, KeyVault, KeyVaultSecret, SecretClientOptions, key_vault,
};

const VAULT: &str = "https://myvault.vault.azure.net/";
const TOKEN: &str = "fake-token";
const VAULT_SCOPE: &str = "https://vault.azure.net/.default";
const CHALLENGE: &str = r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net""#;

/// A credential that hands out a fixed token (or fails) and records what it was asked.
#[derive(Debug, Default)]
struct FakeCredential {
    token: Option<&'static str>,
    calls: AtomicUsize,
    scopes: Mutex<Vec<Vec<String>>>,
}

impl FakeCredential {
    fn ok(token: &'static str) -> Arc<FakeCredential> {
        Arc::new(FakeCredential {
            token: Some(token),
            ..FakeCredential::default()
        })
    }

    fn failing() -> Arc<FakeCredential> {
        Arc::new(FakeCredential::default())
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.scopes
            .lock()
            .unwrap()
            .push(scopes.iter().map(|s| s.to_string()).collect());
        match self.token {
            Some(token) => Ok(AccessToken::new(
                token,
                OffsetDateTime::now_utc() + Duration::hours(1),
            )),
            None => Err(Error::with_message(
                ErrorKind::Credential,
                "fake credential: not signed in",
            )),
        }
    }
}

/// Sends every request to the mock server, whatever host it was addressed to: the client
/// insists on `https://` for authenticated calls, the mock speaks plain HTTP on 127.0.0.1.
#[derive(Debug)]
struct Reroute {
    port: u16,
    inner: Arc<dyn HttpClient>,
}

#[async_trait]
impl HttpClient for Reroute {
    async fn execute_request(
        &self,
        request: &AzureRequest,
    ) -> azure_core::Result<AsyncRawResponse> {
        let mut request = request.clone();
        let url = request.url_mut();
        url.set_scheme("http").unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.port)).unwrap();
        self.inner.execute_request(&request).await
    }
}

fn client_options(server: &MockServer) -> ClientOptions {
    ClientOptions {
        transport: Some(Transport::new(Arc::new(Reroute {
            port: server.address().port(),
            inner: azure_core::http::new_http_client(None),
        }))),
        // 429 and 5xx would be retried with back-off; the tests want the first answer
        retry: RetryOptions::none(),
        ..ClientOptions::default()
    }
}

fn vault_options(server: &MockServer) -> SecretClientOptions {
    SecretClientOptions {
        client_options: client_options(server),
        ..SecretClientOptions::default()
    }
}

fn source(server: &MockServer, name: &str, credential: &Arc<FakeCredential>) -> KeyVault {
    key_vault(VAULT, name)
        .with_credential(credential.clone())
        .with_client_options(vault_options(server))
}

fn json_secret(
    server: &MockServer,
    name: &str,
    credential: &Arc<FakeCredential>,
) -> KeyVaultSecret {
    KeyVaultSecret::new(VAULT, name)
        .with_credential(credential.clone())
        .with_client_options(vault_options(server))
}

fn bundle(name: &str, value: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "value": value,
        "id": format!("https://myvault.vault.azure.net/secrets/{name}/0123456789abcdef"),
        "attributes": {"enabled": true, "created": 1_700_000_000, "updated": 1_700_000_000},
    }))
}

fn kv_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"code": code, "message": message}}))
}

/// Key Vault answers a request without a token with a challenge naming the resource.
async fn mount_challenge(server: &MockServer) {
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).insert_header("WWW-Authenticate", CHALLENGE))
        .up_to_n_times(1)
        .expect(1)
        .named("challenge to the first, unauthenticated request")
        .mount(server)
        .await;
}

#[tokio::test]
async fn get_secret_sends_path_api_version_and_bearer_token() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-password/"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(bundle("mstr-password", "hellodave"))
        .expect(1)
        .named("GET secret with the bearer token")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);

    let value = source(&server, "mstr-password", &credential)
        .resolve()
        .await
        .unwrap();

    assert_eq!(value.expose_secret(), "hellodave");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.url.path(), "/secrets/mstr-password/");
        assert!(
            request
                .url
                .query_pairs()
                .any(|(k, v)| k == "api-version" && !v.is_empty()),
            "api-version missing from {}",
            request.url
        );
    }
    assert!(requests[0].headers.get("authorization").is_none());
    assert_eq!(
        requests[1].headers.get("authorization").unwrap(),
        &format!("Bearer {TOKEN}")
    );
}

#[tokio::test]
async fn challenge_makes_the_credential_ask_for_the_vault_scope() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-password/"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(bundle("mstr-password", "hellodave"))
        .expect(1)
        .named("retried GET after the challenge")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);

    source(&server, "mstr-password", &credential)
        .resolve()
        .await
        .unwrap();

    assert_eq!(credential.calls(), 1);
    assert_eq!(
        *credential.scopes.lock().unwrap(),
        vec![vec![VAULT_SCOPE.to_owned()]]
    );
}

#[tokio::test]
async fn version_is_part_of_the_path() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-password/0123456789abcdef"))
        .respond_with(bundle("mstr-password", "old-password"))
        .expect(1)
        .named("GET of one version")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);
    let source = source(&server, "mstr-password", &credential).version("0123456789abcdef");

    let value = source.resolve().await.unwrap();

    assert_eq!(value.expose_secret(), "old-password");
    assert_eq!(
        source.to_string(),
        "azure-keyvault:https://myvault.vault.azure.net/#mstr-password/0123456789abcdef"
    );
}

#[tokio::test]
async fn not_found_is_not_found() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/missing/"))
        .respond_with(kv_error(
            404,
            "SecretNotFound",
            "A secret with (name/id) missing was not found in this key vault.",
        ))
        .expect(1)
        .named("no such secret")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);

    let err = source(&server, "missing", &credential)
        .resolve()
        .await
        .unwrap_err();

    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.source_name(),
        "azure-keyvault:https://myvault.vault.azure.net/#missing"
    );
    assert!(err.to_string().contains("check the vault URL"), "{err}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the SDK error is kept as source"
    );
}

#[tokio::test]
async fn forbidden_is_access_denied_with_the_role_to_grant() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-password/"))
        .respond_with(kv_error(
            403,
            "Forbidden",
            "The user, group or application does not have secrets get permission.",
        ))
        .expect(1)
        .named("caller may not read")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);

    let err = source(&server, "mstr-password", &credential)
        .resolve()
        .await
        .unwrap_err();

    assert!(err.is_access_denied(), "{err:?}");
    assert!(err.to_string().contains("Key Vault Secrets User"), "{err}");
}

#[tokio::test]
async fn too_many_requests_is_throttled() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-password/"))
        .respond_with(kv_error(429, "Throttled", "Too many requests."))
        .expect(1)
        .named("throttled")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);

    let err = source(&server, "mstr-password", &credential)
        .resolve()
        .await
        .unwrap_err();

    assert!(err.is_throttled(), "{err:?}");
}

#[tokio::test]
async fn credential_failure_is_other_and_sends_no_authenticated_request() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    let credential = FakeCredential::failing();

    let err = source(&server, "mstr-password", &credential)
        .resolve()
        .await
        .unwrap_err();

    assert_eq!(err.kind(), CredentialErrorKind::Other);
    assert!(err.to_string().contains("could not get a token"), "{err}");
    assert_eq!(credential.calls(), 1);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "only the challenged one"
    );
}

#[tokio::test]
async fn plain_http_vault_url_is_refused_before_anything_is_sent() {
    let credential = FakeCredential::ok(TOKEN);
    let source =
        key_vault("http://127.0.0.1:9/", "mstr-password").with_credential(credential.clone());

    let err = source.resolve().await.unwrap_err();

    assert_eq!(err.kind(), CredentialErrorKind::Other);
    assert_eq!(credential.calls(), 0);
}

#[tokio::test]
async fn single_value_source_reads_on_each_resolution() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-password/"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(bundle("mstr-password", "hellodave"))
        .expect(2)
        .named("one GET per resolution")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);
    let source = source(&server, "mstr-password", &credential);

    source.resolve().await.unwrap();
    source.clone().resolve().await.unwrap();

    assert_eq!(credential.calls(), 1, "the token is reused");
}

#[tokio::test]
async fn derived_secrets_share_the_client_and_its_token() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    for (name, value) in [("mstr-username", "dave"), ("mstr-password", "hellodave")] {
        Mock::given(method("GET"))
            .and(path(format!("/secrets/{name}/")))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(bundle(name, value))
            .expect(1)
            .named(format!("GET {name}"))
            .mount(&server)
            .await;
    }
    let credential = FakeCredential::ok(TOKEN);
    let username = source(&server, "mstr-username", &credential);
    let password = username.secret("mstr-password");

    assert_eq!(username.resolve().await.unwrap().expose_secret(), "dave");
    assert_eq!(
        password.resolve().await.unwrap().expose_secret(),
        "hellodave"
    );

    assert_eq!(credential.calls(), 1);
}

fn connection_json(base_url: &str) -> String {
    json!({"base_url": base_url, "username": "dave", "password": "hellodave"}).to_string()
}

#[tokio::test]
async fn json_secret_reads_once_for_all_fields() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-connection/"))
        .respond_with(bundle(
            "mstr-connection",
            &connection_json("https://env.example.com/api/"),
        ))
        .expect(1)
        .named("one GET for three fields")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);
    let secret = json_secret(&server, "mstr-connection", &credential);

    let base_url = secret.field("base_url");
    let username = secret.field("username");
    let password = secret.clone().field("password");

    assert_eq!(
        base_url.resolve().await.unwrap().expose_secret(),
        "https://env.example.com/api/"
    );
    assert_eq!(username.resolve().await.unwrap().expose_secret(), "dave");
    assert_eq!(
        password.resolve().await.unwrap().expose_secret(),
        "hellodave"
    );
    assert_eq!(
        password.to_string(),
        "azure-keyvault:https://myvault.vault.azure.net/#mstr-connection#password"
    );
}

#[tokio::test]
async fn invalidate_reads_the_secret_again() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-connection/"))
        .respond_with(bundle(
            "mstr-connection",
            &connection_json("https://a.example.com/api/"),
        ))
        .up_to_n_times(1)
        .expect(1)
        .named("the value before rotation")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-connection/"))
        .respond_with(bundle(
            "mstr-connection",
            &json!({"base_url": "https://a.example.com/api/", "username": "dave", "password": "rotated"})
                .to_string(),
        ))
        .expect(1)
        .named("the value after rotation")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);
    let secret = json_secret(&server, "mstr-connection", &credential);
    let password = secret.field("password");

    assert_eq!(
        password.resolve().await.unwrap().expose_secret(),
        "hellodave"
    );
    assert_eq!(
        password.resolve().await.unwrap().expose_secret(),
        "hellodave"
    );
    password.invalidate();

    assert_eq!(password.resolve().await.unwrap().expose_secret(), "rotated");
}

#[tokio::test]
async fn json_secret_missing_field_names_secret_and_field() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .respond_with(bundle("mstr-connection", r#"{"username":"dave"}"#))
        .named("a secret without a password")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);

    let err = json_secret(&server, "mstr-connection", &credential)
        .field("password")
        .resolve()
        .await
        .unwrap_err();

    assert!(err.is_not_found());
    assert_eq!(
        err.source_name(),
        "azure-keyvault:https://myvault.vault.azure.net/#mstr-connection#password"
    );
}

#[tokio::test]
async fn nothing_is_built_or_sent_before_resolve() {
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .respond_with(bundle(
            "mstr-connection",
            &connection_json("https://a.example.com/api/"),
        ))
        .named("the secret")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);

    let secret = json_secret(&server, "mstr-connection", &credential);
    let fields = [
        secret.field("base_url"),
        secret.field("username"),
        secret.field("password"),
    ];
    let single = source(&server, "mstr-password", &credential);
    let _builder = AuthenticatedSession::builder()
        .base_url(fields[0].clone())
        .username(fields[1].clone())
        .password(single.clone());

    assert_eq!(server.received_requests().await.unwrap().len(), 0);
    assert_eq!(credential.calls(), 0);

    fields[1].resolve().await.unwrap();
    assert_eq!(credential.calls(), 1);
}

#[test]
fn describe_and_debug_name_the_source_only() {
    let plain = key_vault("https://v.vault.azure.net", "name");
    assert_eq!(
        plain.to_string(),
        "azure-keyvault:https://v.vault.azure.net/#name"
    );
    let field = KeyVaultSecret::new("https://v.vault.azure.net/", "conn").field("username");
    assert_eq!(
        field.to_string(),
        "azure-keyvault:https://v.vault.azure.net/#conn#username"
    );
    assert_eq!(
        SharedSource::new(plain.clone().version("v1")).to_string(),
        "azure-keyvault:https://v.vault.azure.net/#name/v1"
    );
    let debug = format!(
        "{plain:?} {:?}",
        KeyVaultSecret::new("https://v.vault.azure.net/", "conn")
    );
    assert!(
        debug.contains("KeyVault") && debug.contains("conn"),
        "{debug}"
    );
}

// ---- the ambient chain ----

fn chain(sources: &[(&'static str, &Arc<FakeCredential>)]) -> AmbientCredential {
    AmbientCredential::from_sources(
        sources
            .iter()
            .map(|(name, c)| (*name, (*c).clone() as Arc<dyn TokenCredential>))
            .collect(),
    )
}

#[tokio::test]
async fn chain_tries_in_order_and_remembers_the_first_success() {
    let first = FakeCredential::failing();
    let second = FakeCredential::ok("second-token");
    let third = FakeCredential::ok("third-token");
    let chain = chain(&[("first", &first), ("second", &second), ("third", &third)]);
    assert_eq!(chain.chosen(), None);

    let token = chain.get_token(&[VAULT_SCOPE], None).await.unwrap();
    assert_eq!(token.token.secret(), "second-token");
    assert_eq!(chain.chosen(), Some("second"));

    let token = chain.get_token(&[VAULT_SCOPE], None).await.unwrap();
    assert_eq!(token.token.secret(), "second-token");
    assert_eq!((first.calls(), second.calls(), third.calls()), (1, 2, 0));
}

#[tokio::test]
async fn chain_failure_lists_every_source_in_order() {
    let a = FakeCredential::failing();
    let b = FakeCredential::failing();
    let chain = chain(&[("alpha", &a), ("beta", &b)]);

    let err = chain.get_token(&[VAULT_SCOPE], None).await.unwrap_err();

    assert_eq!(*err.kind(), ErrorKind::Credential);
    let message = err.to_string();
    let (alpha, beta) = (
        message.find("alpha:").unwrap(),
        message.find("beta:").unwrap(),
    );
    assert!(alpha < beta, "{message}");
    assert_eq!(chain.chosen(), None, "nothing remembered after a failure");
    chain.get_token(&[VAULT_SCOPE], None).await.unwrap_err();
    assert_eq!(
        (a.calls(), b.calls()),
        (2, 2),
        "a failed chain is walked again"
    );
}

#[tokio::test]
async fn the_environment_source_requests_a_client_secret_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=my-app"))
        .and(body_string_contains("scope=https%3A%2F%2Fvault.azure.net%2F.default"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "entra-token"
        })))
        .expect(1)
        .named("client-credentials token request")
        .mount(&server)
        .await;
    const VARS: [(&str, &str); 3] = [
        ("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
        ("AZURE_CLIENT_ID", "my-app"),
        ("AZURE_CLIENT_SECRET", "app-secret"),
    ];
    let ambient = AmbientCredential::with_env(
        |name| {
            VARS.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        },
        client_options(&server),
    );

    let token = ambient.get_token(&[VAULT_SCOPE], None).await.unwrap();

    assert_eq!(token.token.secret(), "entra-token");
    assert_eq!(
        ambient.chosen(),
        Some("environment"),
        "the first source of the chain"
    );
}

#[test]
fn ambient_chain_has_the_documented_order_and_reads_nothing_when_built() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let counter = lookups.clone();
    let ambient = AmbientCredential::with_env(
        move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            None
        },
        ClientOptions::default(),
    );

    assert_eq!(
        ambient.source_names().collect::<Vec<_>>(),
        [
            "environment",
            "workload-identity",
            "managed-identity",
            "azure-cli",
            "azure-developer-cli"
        ]
    );
    assert_eq!(lookups.load(Ordering::SeqCst), 0);
    assert_eq!(ambient.chosen(), None);
    assert_eq!(
        format!("{:?}", AmbientCredential::new())
            .matches("azure-cli")
            .count(),
        1
    );
}

// ---- end to end ----

#[tokio::test]
async fn logs_in_to_the_emulator_with_a_key_vault_json_secret() {
    let emulator = mstr_rest_emulator::Emulator::start().await;
    let server = MockServer::start().await;
    mount_challenge(&server).await;
    Mock::given(method("GET"))
        .and(path("/secrets/mstr-connection/"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(bundle(
            "mstr-connection",
            &connection_json(&emulator.base_url()),
        ))
        .expect(1)
        .named("the connection secret, read once")
        .mount(&server)
        .await;
    let credential = FakeCredential::ok(TOKEN);
    let secret = json_secret(&server, "mstr-connection", &credential);

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
