//! Secrets stay out of errors: a URL in an error or a `Debug` has its user info and query
//! redacted, whether it came from the caller or from an `AuthenticatedSession` source.

use mstr_rest::prelude::*;

use super::bounded;
use crate::support::config_err;

const BAD_URLS: [&str; 6] = [
    "ftp://svc:PASSWORD@env.example.com/MicroStrategyLibrary/api/",
    "https://svc:PASSWORD@env.example.com:99999/api/",
    "https://svc:PASSWORD@/api/",
    "https://svc:PASSWORD@env.example.com/api/",
    "https://env.example.com/api/?token=PASSWORD",
    "svc:PASSWORD@env.example.com/api/",
];

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains("PASSWORD"), "{what}: {text}");
}

#[tokio::test]
async fn a_password_in_a_bad_base_url_never_shows_in_the_error() {
    bounded(async {
        for url in BAD_URLS {
            let builder = Session::builder(url);
            assert_clean(url, &format!("{builder:?}"));
            let err = config_err(builder.build());
            assert_clean(url, &err.to_string());
            assert_clean(url, &format!("{err:?}"));
        }
    })
    .await;
}

#[tokio::test]
async fn a_password_in_a_base_url_from_a_source_never_shows_in_the_error() {
    bounded(async {
        for url in BAD_URLS {
            let err = config_err(
                AuthenticatedSession::builder()
                    .base_url(url)
                    .username("dave")
                    .password("hellodave")
                    .connect()
                    .await,
            );
            assert_clean(url, &err.to_string());
            assert_clean(url, &format!("{err:?}"));
        }
    })
    .await;
}

#[tokio::test]
async fn a_query_in_a_bad_request_url_never_shows_in_the_error() {
    bounded(async {
        let session = Session::builder("http://127.0.0.1:1/api/").build().unwrap();
        let err = config_err(session.get("http://[::1?token=PASSWORD").send().await);
        assert_clean("request URL", &err.to_string());
    })
    .await;
}
