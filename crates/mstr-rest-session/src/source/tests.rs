use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::ExposeSecret;

use super::*;

fn counting(json: &'static str) -> (Arc<AtomicUsize>, impl SecretSource + 'static) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let source = from_async_fn(move || {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            // give concurrent callers a chance to pile up behind this fetch
            tokio::task::yield_now().await;
            Ok(json)
        }
    });
    (calls, source)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_secret_fetches_once_for_many_concurrent_fields() {
    let (calls, source) = counting(r#"{"username":"dave","password":"pw","port":8443}"#);
    let secret = JsonSecret::new(source);
    let mut tasks = Vec::new();
    for i in 0..32 {
        let field = secret.field(if i % 2 == 0 { "username" } else { "port" });
        tasks.push(tokio::spawn(async move { field.resolve().await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let port = secret.field("port").resolve().await.unwrap();
    assert_eq!(port.expose_secret(), "8443");
}

#[tokio::test]
async fn json_secret_errors_name_source_and_field_not_value() {
    let secret = JsonSecret::new(
        env("CONN").with_lookup(|_| Some(r#"{"password":"hunter2","n":null,"o":{}}"#.into())),
    );
    let missing = secret.field("username").resolve().await.unwrap_err();
    assert!(missing.is_not_found());
    assert_eq!(missing.source_name(), "env:CONN#username");
    let null = secret.field("n").resolve().await.unwrap_err();
    assert!(null.is_not_found());
    let nested = secret.field("o").resolve().await.unwrap_err();
    assert_eq!(nested.kind(), mstr_rest_error::CredentialErrorKind::Invalid);
    for e in [missing, null, nested] {
        assert!(!format!("{e} {e:?}").contains("hunter2"));
    }

    let not_json = JsonSecret::new("hunter2 is not json");
    let e = not_json.field("x").resolve().await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains("hunter2"), "{e}");
    let array = JsonSecret::new(r#"["hunter2"]"#);
    let e = array.field("x").resolve().await.unwrap_err();
    assert!(e.to_string().contains("not an object"), "{e}");
}

#[tokio::test]
async fn invalidate_makes_the_json_secret_fetch_again() {
    let (calls, source) = counting(r#"{"a":"1"}"#);
    let secret = JsonSecret::new(source);
    secret.field("a").resolve().await.unwrap();
    secret.field("a").resolve().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    secret.field("a").invalidate();
    secret.field("a").resolve().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn env_source_rejects_unset_and_empty_naming_the_variable() {
    let unset = env("MSTR_X")
        .with_lookup(|_| None)
        .resolve()
        .await
        .unwrap_err();
    assert_eq!(
        unset.to_string(),
        "could not resolve env:MSTR_X: environment variable MSTR_X is not set"
    );
    let empty = env("MSTR_X")
        .with_lookup(|_| Some(String::new()))
        .resolve()
        .await
        .unwrap_err();
    assert!(empty.is_not_found());
    assert!(empty.to_string().contains("is empty"));
}

#[tokio::test]
async fn closures_resolve_and_failures_keep_their_cause() {
    assert_eq!(
        from_fn(|| "a").resolve().await.unwrap().expose_secret(),
        "a"
    );
    let failing =
        try_from_fn(|| Err::<String, _>(std::io::Error::other("disk gone"))).named("file:/x");
    let e = failing.resolve().await.unwrap_err();
    assert_eq!(e.source_name(), "file:/x");
    assert!(std::error::Error::source(&e).is_some());
    assert!(
        !e.to_string().contains("disk gone"),
        "Display must not repeat the source"
    );
}

#[test]
fn shared_source_describes_its_inner_source() {
    let s = SharedSource::new(env("A"));
    assert_eq!(format!("{s:?}"), "SharedSource(env:A)");
    assert_eq!(SharedSource::new("x").to_string(), "literal");
}
