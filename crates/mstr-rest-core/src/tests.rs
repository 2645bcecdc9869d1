use url::Url;

use crate::BaseUrl;

#[test]
fn base_url_gets_a_trailing_slash() {
    let base = BaseUrl::parse("https://h.example.com/MicroStrategyLibrary/api").unwrap();
    assert_eq!(
        base.as_str(),
        "https://h.example.com/MicroStrategyLibrary/api/"
    );
}

#[test]
fn relative_and_rooted_paths_keep_the_base_path() {
    for base in [
        "http://h/MicroStrategyLibrary/api",
        "http://h/MicroStrategyLibrary/api/",
    ] {
        let base = BaseUrl::parse(base).unwrap();
        for path in ["projects", "/projects", "//projects"] {
            assert_eq!(
                base.join(path).unwrap().as_str(),
                "http://h/MicroStrategyLibrary/api/projects",
                "{path}"
            );
        }
    }
}

#[test]
fn absolute_urls_pass_through() {
    let base = BaseUrl::parse("http://h/api/").unwrap();
    assert_eq!(
        base.join("HTTPS://other.example.com/x?y=1")
            .unwrap()
            .as_str(),
        "https://other.example.com/x?y=1"
    );
}

#[test]
fn a_colon_in_a_path_is_not_a_scheme() {
    let base = BaseUrl::parse("http://h/api/").unwrap();
    assert_eq!(
        base.join("objects/a:b").unwrap().as_str(),
        "http://h/api/objects/a:b"
    );
    assert_eq!(base.join("a:b").unwrap().as_str(), "http://h/api/a:b");
}

#[test]
fn bad_base_urls_are_config_errors_naming_the_value() {
    for bad in [
        "not a url",
        "ftp://h/api/",
        "http://",
        "/MicroStrategyLibrary/api/",
        "http://h/api/?x=1",
    ] {
        let err = BaseUrl::parse(bad).unwrap_err();
        assert!(
            matches!(err, mstr_rest_error::Error::Config(_)),
            "{bad}: {err:?}"
        );
        // Named as shown in errors: with any query cut (it may hold a secret).
        let shown = crate::redact_url(bad);
        assert!(err.to_string().contains(&format!("{shown:?}")), "{err}");
    }
}

#[test]
fn credentials_in_the_base_url_are_refused_without_echoing_them() {
    for bad in [
        "https://dave:hunter2@h/api/",
        "ftp://svc:hunter2@env.example.com/api/",
        "https://svc:hunter2@env.example.com:99999/api/",
        "https://svc:hunter2@/api/",
        "http://svc:hunter2@[::1/api/",
        "https://h/api/?password=hunter2",
        "not a url at all ?password=hunter2",
    ] {
        let err = BaseUrl::parse(bad).unwrap_err();
        assert!(
            matches!(err, mstr_rest_error::Error::Config(_)),
            "{bad}: {err:?}"
        );
        assert!(!err.to_string().contains("hunter2"), "{bad}: {err}");
        assert!(!format!("{err:?}").contains("hunter2"), "{bad}: {err:?}");
        let builder = crate::Client::builder(bad);
        assert!(!format!("{builder:?}").contains("hunter2"), "{builder:?}");
    }
}

#[test]
fn same_origin_needs_scheme_host_and_port() {
    let base = BaseUrl::parse("http://127.0.0.1:8080/api/").unwrap();
    let same = Url::parse("http://127.0.0.1:8080/other").unwrap();
    let port = Url::parse("http://127.0.0.1:8081/api/x").unwrap();
    let scheme = Url::parse("https://127.0.0.1:8080/api/x").unwrap();
    let host = Url::parse("http://localhost:8080/api/x").unwrap();
    assert!(base.is_same_origin(&same));
    assert!(!base.is_same_origin(&port));
    assert!(!base.is_same_origin(&scheme));
    assert!(!base.is_same_origin(&host));
}

#[test]
fn builder_reports_the_first_bad_setting_at_build() {
    let err = crate::Client::builder("http://h/api/")
        .default_header("bad header", "x")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("bad header"), "{err}");
    let err = crate::Client::builder("http://h/api/")
        .add_root_certificate_pem("not pem")
        .build()
        .unwrap_err();
    assert!(matches!(err, mstr_rest_error::Error::Config(_)));
}

/// A layer of its own, to pin the hook's contract without any session: it signs with a
/// counter, sees answers, and asks for a replay on 401.
mod auth_layer {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use futures_util::future::BoxFuture;
    use http::HeaderMap;
    use url::Url;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use crate::{AuthLayer, Client, Failure, Replay};

    #[derive(Default)]
    struct Counter {
        signed: AtomicU64,
        observed: AtomicUsize,
        failures: AtomicUsize,
    }

    impl AuthLayer for Counter {
        fn sign(&self, _: &Url, headers: &mut HeaderMap) -> Option<u64> {
            let n = self.signed.fetch_add(1, Ordering::SeqCst) + 1;
            headers.insert("x-test-credential", n.to_string().parse().unwrap());
            Some(n)
        }

        fn strip(&self, headers: &mut HeaderMap) {
            headers.remove("x-test-credential");
        }

        fn observe(&self, _: &Url, _: &HeaderMap) {
            self.observed.fetch_add(1, Ordering::SeqCst);
        }

        fn on_error<'a>(&'a self, failure: Failure<'a>) -> BoxFuture<'a, crate::Result<Replay>> {
            self.failures.fetch_add(1, Ordering::SeqCst);
            let replay = failure.error.status == 401 && failure.path == "guarded";
            // Asks for a replay every time: the transport must grant only one.
            Box::pin(async move { Ok(if replay { Replay::Once } else { Replay::No }) })
        }
    }

    #[tokio::test]
    async fn a_layer_signs_every_attempt_and_gets_exactly_one_replay() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/guarded"))
            .and(header("x-test-credential", "2"))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/guarded"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        let layer = Arc::new(Counter::default());
        let client = Client::builder(format!("{}/api/", server.uri()))
            .auth_layer(layer.clone())
            .build()
            .unwrap();

        // Refused with credential 1, replayed once with credential 2, accepted.
        client.get("guarded").send().await.unwrap();
        assert_eq!(layer.signed.load(Ordering::SeqCst), 2);
        assert_eq!(layer.failures.load(Ordering::SeqCst), 1);
        assert_eq!(layer.observed.load(Ordering::SeqCst), 2);

        // Refused every time: one replay, then the error, however often the layer asks.
        server.reset().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        let err = client.get("guarded").send().await.unwrap_err();
        assert_eq!(err.status(), Some(401));
        assert_eq!(layer.signed.load(Ordering::SeqCst), 4);
        assert_eq!(layer.failures.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn without_auth_is_neither_signed_nor_offered_a_replay_but_answers_are_seen() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        let layer = Arc::new(Counter::default());
        let client = Client::builder(format!("{}/api/", server.uri()))
            .auth_layer(layer.clone())
            .build()
            .unwrap();
        let err = client
            .get("guarded")
            .header("x-test-credential", "by-hand")
            .without_auth()
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(401));
        assert_eq!(layer.signed.load(Ordering::SeqCst), 0);
        assert_eq!(layer.failures.load(Ordering::SeqCst), 0);
        assert_eq!(layer.observed.load(Ordering::SeqCst), 1);
        let sent = &server.received_requests().await.unwrap()[0];
        assert!(
            !sent.headers.contains_key("x-test-credential"),
            "strip removes a credential set by hand"
        );
    }

    #[tokio::test]
    async fn another_origin_is_never_signed_and_its_answers_never_reach_the_layer() {
        let home = MockServer::start().await;
        let elsewhere = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&elsewhere)
            .await;
        let layer = Arc::new(Counter::default());
        let client = Client::builder(format!("{}/api/", home.uri()))
            .auth_layer(layer.clone())
            .build()
            .unwrap();
        let err = client
            .get(&format!("{}/api/guarded", elsewhere.uri()))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(401));
        assert_eq!(layer.signed.load(Ordering::SeqCst), 0);
        assert_eq!(layer.observed.load(Ordering::SeqCst), 0);
        assert_eq!(layer.failures.load(Ordering::SeqCst), 0);
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers `{}` to every request, keeps connections
/// open, and counts the connections it accepted.
async fn counting_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/", listener.local_addr().unwrap());
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = conn.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                        if conn.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn clients_with_the_same_transport_settings_share_one_pool() {
    use std::sync::atomic::Ordering;
    let (url, accepted) = counting_server().await;
    let a = crate::Client::builder(&url).build().unwrap();
    let b = crate::Client::builder(&url)
        .default_header("X-Other", "1")
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&a.inner.http, &b.inner.http),
        "headers and timeouts are not transport settings"
    );
    a.get("one").send().await.unwrap().bytes().await.unwrap();
    b.get("two").send().await.unwrap().bytes().await.unwrap();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "b reused a's connection"
    );

    let own = crate::Client::builder(&url)
        .share_transport(false)
        .build()
        .unwrap();
    let agent = crate::Client::builder(&url)
        .user_agent("other/1")
        .build()
        .unwrap();
    assert!(!std::sync::Arc::ptr_eq(&a.inner.http, &own.inner.http));
    assert!(!std::sync::Arc::ptr_eq(&a.inner.http, &agent.inner.http));
    own.get("three")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "its own pool, its own connection"
    );

    // The transport lives as long as a client using it.
    let weak = std::sync::Arc::downgrade(&a.inner.http);
    drop(a);
    assert!(weak.upgrade().is_some(), "b still uses it");
    drop(b);
    assert!(
        weak.upgrade().is_none(),
        "no client left: the transport is gone"
    );
    let again = crate::Client::builder(&url).build().unwrap();
    assert!(crate::shared::live_count() >= 2, "agent's and again's");
    drop((again, agent, own));
}

#[test]
fn clients_of_different_runtimes_never_share_connections() {
    use std::sync::atomic::Ordering;
    let current = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    // The server runs on worker threads of its own, whatever the clients' runtimes do.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (url, accepted) = server.block_on(counting_server());

    // `a`'s connection stays in the pool, driven by a task of runtime `a`, which nothing
    // drives once `block_on` returns.
    let runtime_a = current();
    let a = runtime_a.block_on(async {
        let a = crate::Client::builder(&url).build().unwrap();
        a.get("one").send().await.unwrap().bytes().await.unwrap();
        a
    });
    assert_eq!(accepted.load(Ordering::SeqCst), 1);

    // Handed `a`'s idle connection, `b`'s request would wait on runtime `a` until its timeout.
    let runtime_b = current();
    runtime_b.block_on(async {
        let b = crate::Client::builder(&url)
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap();
        assert!(!std::sync::Arc::ptr_eq(&a.inner.http, &b.inner.http));
        b.get("two").send().await.unwrap().bytes().await.unwrap();
    });
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "b opened its own");

    // Built outside any runtime, a client cannot know which runtime will drive its pool.
    let outside = crate::Client::builder(&url).build().unwrap();
    assert!(!std::sync::Arc::ptr_eq(&a.inner.http, &outside.inner.http));
    drop((a, outside, runtime_a, runtime_b, server));
}
