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
