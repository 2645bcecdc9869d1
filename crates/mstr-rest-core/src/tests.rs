use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::BaseUrl;
use crate::cookies::CookieJar;

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

fn set_cookies(lines: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for l in lines {
        h.append(http::header::SET_COOKIE, l.parse().unwrap());
    }
    h
}

#[test]
fn jar_sends_cookies_under_their_path_only() {
    let mut jar = CookieJar::default();
    let login = Url::parse("http://h/MicroStrategyLibrary/api/auth/login").unwrap();
    jar.store(
        &login,
        &set_cookies(&["JSESSIONID=ABC; Path=/MicroStrategyLibrary; HttpOnly"]),
    );
    let inside = Url::parse("http://h/MicroStrategyLibrary/api/projects").unwrap();
    let outside = Url::parse("http://h/MicroStrategyLibraryX/api").unwrap();
    let header = jar.header_for(&inside).unwrap();
    assert_eq!(header.to_str().unwrap(), "JSESSIONID=ABC");
    assert!(header.is_sensitive());
    assert!(jar.header_for(&outside).is_none());
}

#[test]
fn jar_replaces_same_name_and_honours_max_age_zero() {
    let mut jar = CookieJar::default();
    let url = Url::parse("http://h/api/x").unwrap();
    jar.store(&url, &set_cookies(&["a=1; Path=/", "b=2; Path=/"]));
    jar.store(
        &url,
        &set_cookies(&["a=3; Path=/", "b=; Path=/; Max-Age=0"]),
    );
    let listed: Vec<(String, String)> = jar
        .list()
        .into_iter()
        .map(|(n, v)| (n, v.expose_secret().to_owned()))
        .collect();
    assert_eq!(listed, vec![("a".to_owned(), "3".to_owned())]);
}

#[test]
fn secure_cookies_stay_off_plain_http() {
    let mut jar = CookieJar::default();
    let url = Url::parse("https://h/api/x").unwrap();
    jar.store(&url, &set_cookies(&["s=1; Path=/; Secure"]));
    assert!(jar.header_for(&url).is_some());
    assert!(
        jar.header_for(&Url::parse("http://h/api/x").unwrap())
            .is_none()
    );
}

#[test]
fn jar_debug_shows_names_not_values() {
    let mut jar = CookieJar::default();
    jar.insert("JSESSIONID", SecretString::from("s3cr3t-cookie"))
        .unwrap();
    let shown = format!("{jar:?}");
    assert!(shown.contains("JSESSIONID"));
    assert!(!shown.contains("s3cr3t-cookie"));
}

#[test]
fn client_debug_redacts_the_token() {
    let client = crate::Client::builder("http://h/api/").build().unwrap();
    client
        .set_auth_token(SecretString::from("tok-secret-123"))
        .unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("tok-secret-123"), "{shown}");
    assert!(shown.contains("redacted"));
}

#[test]
fn a_token_that_is_not_a_header_value_is_refused_and_the_old_one_kept() {
    let client = crate::Client::builder("http://h/api/").build().unwrap();
    client.set_auth_token(SecretString::from("good")).unwrap();
    assert!(
        client
            .set_auth_token(SecretString::from("bad\nvalue"))
            .is_err()
    );
    assert_eq!(client.auth_token().unwrap().expose_secret(), "good");
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

#[test]
fn the_reused_cookie_header_follows_every_change() {
    let mut jar = CookieJar::default();
    let url = Url::parse("http://h/api/x").unwrap();
    jar.store(&url, &set_cookies(&["a=1; Path=/"]));
    assert_eq!(jar.header_for(&url).unwrap().to_str().unwrap(), "a=1");
    assert_eq!(jar.header_for(&url).unwrap().to_str().unwrap(), "a=1");
    jar.store(&url, &set_cookies(&["a=2; Path=/"]));
    assert_eq!(jar.header_for(&url).unwrap().to_str().unwrap(), "a=2");
    jar.insert("b", SecretString::from("3")).unwrap();
    assert_eq!(jar.header_for(&url).unwrap().to_str().unwrap(), "a=2; b=3");
    jar.clear();
    assert!(jar.header_for(&url).is_none());
}
