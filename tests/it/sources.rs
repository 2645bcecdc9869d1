//! Secret sources: closures, env with an injected lookup, JSON secrets with one shared fetch,
//! and the caching wrapper with an injected clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mstr_rest::{
    BoxError, CredentialErrorKind, ExposeSecret, JsonSecret, ManualClock, SecretSource,
    SecretString, cached, env, from_async_fn, from_fn, try_from_fn,
};

async fn value_of(source: &impl SecretSource) -> String {
    source
        .resolve()
        .await
        .expect("the source resolves")
        .expose_secret()
        .to_owned()
}

/// A source counting its fetches, answering `doc` after yielding once (so concurrent
/// resolutions really overlap).
fn counted_doc(
    doc: &'static str,
    fetches: &Arc<AtomicUsize>,
) -> impl SecretSource + Clone + 'static {
    let fetches = fetches.clone();
    Arc::new(from_async_fn(move || {
        let fetches = fetches.clone();
        async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, BoxError>(doc)
        }
    }))
}

#[tokio::test]
async fn literals_resolve_to_themselves() {
    assert_eq!(value_of(&"static").await, "static");
    assert_eq!(value_of(&String::from("owned")).await, "owned");
    assert_eq!(value_of(&SecretString::from("secret")).await, "secret");
}

#[tokio::test]
async fn from_fn_calls_the_closure_on_each_resolution() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let source = from_fn(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        format!("value-{n}")
    });

    assert_eq!(value_of(&source).await, "value-1");
    assert_eq!(value_of(&source).await, "value-2");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn try_from_fn_error_becomes_a_credential_error_with_the_source_attached() {
    let source = try_from_fn(|| -> Result<String, std::io::Error> {
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "vault sealed",
        ))
    })
    .named("vault");

    let err = source.resolve().await.unwrap_err();

    assert_eq!(err.source_name(), "vault");
    let cause = std::error::Error::source(&err).expect("the closure's error is the source");
    assert_eq!(cause.to_string(), "vault sealed");
    assert!(
        !err.to_string().contains("vault sealed"),
        "Display does not repeat the source: {err}"
    );
    let err = mstr_rest::Error::from(err);
    assert!(matches!(err, mstr_rest::Error::Credential(_)));
}

#[tokio::test]
async fn try_from_fn_ok_resolves_the_value() {
    let source = try_from_fn(|| Ok::<_, std::io::Error>("from-file"));

    assert_eq!(value_of(&source).await, "from-file");
}

#[tokio::test]
async fn from_async_fn_resolves_the_awaited_value_and_wraps_errors() {
    let ok = from_async_fn(|| async {
        tokio::task::yield_now().await;
        Ok::<_, BoxError>("awaited".to_owned())
    });
    let failing = from_async_fn(|| async { Err::<String, BoxError>("store unreachable".into()) })
        .named("store");

    assert_eq!(value_of(&ok).await, "awaited");
    let err = failing.resolve().await.unwrap_err();
    assert_eq!(err.source_name(), "store");
    assert_eq!(
        std::error::Error::source(&err).map(ToString::to_string),
        Some("store unreachable".to_owned())
    );
}

#[tokio::test]
async fn env_reads_through_the_injected_lookup() {
    let source =
        env("MSTR_IT_USER").with_lookup(|name| (name == "MSTR_IT_USER").then(|| "dave".to_owned()));

    assert_eq!(value_of(&source).await, "dave");
    assert_eq!(source.describe(), "env:MSTR_IT_USER");
}

#[tokio::test]
async fn env_unset_or_empty_is_not_found_naming_the_variable() {
    let unset = env("MSTR_IT_UNSET").with_lookup(|_| None);
    let empty = env("MSTR_IT_EMPTY").with_lookup(|_| Some(String::new()));

    for (source, name) in [(unset, "MSTR_IT_UNSET"), (empty, "MSTR_IT_EMPTY")] {
        let err = source.resolve().await.unwrap_err();
        assert_eq!(err.kind(), CredentialErrorKind::NotFound, "{name}");
        assert!(err.is_not_found());
        assert_eq!(err.source_name(), format!("env:{name}"));
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_secret_fields_share_one_fetch_under_20_concurrent_resolutions() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let secret = JsonSecret::new(counted_doc(
        r#"{"base_url": "http://h/api/", "username": "dave", "password": "hellodave"}"#,
        &fetches,
    ));
    let fields = ["base_url", "username", "password"];

    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let field = secret.clone().field(fields[i % fields.len()]);
            tokio::spawn(async move { value_of(&field).await })
        })
        .collect();
    let mut values = Vec::new();
    for task in tasks {
        values.push(task.await.unwrap());
    }

    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(values[0], "http://h/api/");
    assert_eq!(values[1], "dave");
    assert_eq!(values[2], "hellodave");
    assert_eq!(value_of(&secret.field("password")).await, "hellodave");
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "later resolutions reuse it"
    );
}

#[tokio::test]
async fn json_secret_numbers_and_booleans_resolve_as_text() {
    let secret = JsonSecret::new(r#"{"port": 8443, "tls": true}"#);

    assert_eq!(value_of(&secret.field("port")).await, "8443");
    assert_eq!(value_of(&secret.field("tls")).await, "true");
}

#[tokio::test]
async fn json_secret_errors_never_contain_the_secret_value() {
    const VALUE: &str = "s3cr3t-VALUE-9d1e";
    let cases: [(&'static str, &str, CredentialErrorKind); 5] = [
        (
            r#"{"password": "s3cr3t-VALUE-9d1e"}"#,
            "username",
            CredentialErrorKind::NotFound,
        ),
        (
            r#"["s3cr3t-VALUE-9d1e"]"#,
            "password",
            CredentialErrorKind::Invalid,
        ),
        (
            r#""s3cr3t-VALUE-9d1e""#,
            "password",
            CredentialErrorKind::Invalid,
        ),
        (
            r#"{"password": "s3cr3t-VALUE-9d1e""#,
            "password",
            CredentialErrorKind::Invalid,
        ),
        (
            "s3cr3t-VALUE-9d1e",
            "password",
            CredentialErrorKind::Invalid,
        ),
    ];

    for (doc, field, kind) in cases {
        let source = JsonSecret::new(doc).field(field);
        let err = source.resolve().await.unwrap_err();
        assert_eq!(err.kind(), kind, "{doc}");
        let shown = format!("{err} / {err:?}");
        assert!(
            !shown.contains(VALUE),
            "the error for {doc:?} leaks: {shown}"
        );
        assert!(
            shown.contains(field) || kind != CredentialErrorKind::NotFound,
            "a missing field is named: {shown}"
        );
    }
}

#[tokio::test]
async fn json_secret_invalidate_forces_a_new_fetch() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let secret = JsonSecret::new(counted_doc(r#"{"password": "pw"}"#, &fetches));
    let password = secret.field("password");

    value_of(&password).await;
    value_of(&password).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    password.invalidate();
    value_of(&password).await;

    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn cached_refetches_only_after_the_ttl() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let clock = ManualClock::new();
    let source = cached(from_fn(move || {
        format!("v{}", counter.fetch_add(1, Ordering::SeqCst) + 1)
    }))
    .ttl(Duration::from_secs(60))
    .clock(clock.clone());

    assert_eq!(value_of(&source).await, "v1");
    clock.advance(Duration::from_secs(59));
    assert_eq!(
        value_of(&source.clone()).await,
        "v1",
        "clones share the cache"
    );
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(2));
    assert_eq!(value_of(&source).await, "v2");
    assert_eq!(value_of(&source).await, "v2");

    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn cached_without_ttl_keeps_the_value_until_invalidated() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let clock = ManualClock::new();
    let source = cached(from_fn(move || {
        format!("v{}", counter.fetch_add(1, Ordering::SeqCst) + 1)
    }))
    .clock(clock.clone());

    assert_eq!(value_of(&source).await, "v1");
    clock.advance(Duration::from_secs(365 * 24 * 3600));
    assert_eq!(value_of(&source).await, "v1");
    source.invalidate();
    assert_eq!(value_of(&source).await, "v2");

    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_shares_one_fetch_under_concurrency() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let source = cached(counted_doc("shared", &fetches));

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { value_of(&source).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), "shared");
    }

    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn sources_describe_themselves_without_their_values() {
    let secret = JsonSecret::new(env("MSTR_IT_DOC").with_lookup(|_| Some("{}".to_owned())));

    assert_eq!(env("MSTR_IT_PW").describe(), "env:MSTR_IT_PW");
    assert_eq!(
        secret.field("password").describe(),
        "env:MSTR_IT_DOC#password"
    );
    assert_eq!(
        cached(env("MSTR_IT_PW")).describe(),
        "cached:env:MSTR_IT_PW"
    );
    assert_eq!(from_fn(|| "hellodave").named("vault").describe(), "vault");
    assert_eq!("hellodave".describe(), "literal");
}
