use secrecy::SecretString;

use crate::credentials::{DelegateBody, LoginBody};
use crate::{Credentials, LoginMode};

fn body(creds: &Credentials) -> String {
    serde_json::to_string(&LoginBody::new(creds, 8).expect("a login body")).unwrap()
}

#[test]
fn login_bodies_are_the_python_librarys_byte_for_byte() {
    assert_eq!(
        body(&Credentials::standard("dave", "hellodave")),
        r#"{"username":"dave","password":"hellodave","loginMode":1,"applicationType":8}"#
    );
    assert_eq!(
        body(&Credentials::standard("dave", "")),
        r#"{"username":"dave","password":"","loginMode":1,"applicationType":8}"#
    );
    assert_eq!(
        body(&Credentials::ldap("ldapdave", "p")),
        r#"{"username":"ldapdave","password":"p","loginMode":16,"applicationType":8}"#
    );
    assert_eq!(
        body(&Credentials::api_key("KEY")),
        r#"{"username":"KEY","loginMode":4096,"applicationType":8}"#
    );
    assert_eq!(
        body(&Credentials::anonymous()),
        r#"{"loginMode":8,"applicationType":8}"#
    );
}

#[test]
fn identity_tokens_have_no_login_body_but_a_delegate_body() {
    assert!(LoginBody::new(&Credentials::identity_token("T"), 8).is_none());
    let token = SecretString::from("T");
    assert_eq!(
        serde_json::to_string(&DelegateBody::new(&token)).unwrap(),
        r#"{"loginMode":-1,"identityToken":"T"}"#
    );
}

#[test]
fn modes_have_the_servers_numbers() {
    let modes = [
        (LoginMode::Standard, 1),
        (LoginMode::Anonymous, 8),
        (LoginMode::Ldap, 16),
        (LoginMode::ApiKey, 4096),
        (LoginMode::Delegated, -1),
    ];
    for (mode, code) in modes {
        assert_eq!(mode.code(), code);
    }
}

#[test]
fn credentials_debug_never_shows_secrets() {
    let all = [
        Credentials::standard("dave", "pw-standard"),
        Credentials::ldap("dave", "pw-ldap"),
        Credentials::api_key("key-secret"),
        Credentials::anonymous(),
        Credentials::identity_token("tok-secret"),
    ];
    for c in &all {
        let shown = format!("{c:?}");
        for secret in ["pw-standard", "pw-ldap", "key-secret", "tok-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    assert_eq!(
        format!("{:?}", all[0]),
        r#"Standard { username: "dave", password: "** redacted **" }"#
    );
    assert_eq!(format!("{:?}", all[2]), "ApiKey(** redacted **)");
}

mod from_json {
    use proptest::prelude::*;

    use crate::Session;

    #[test]
    fn python_dump_restores_token_and_cookie_but_not_the_python_headers() {
        let dump = r#"{"base_url": "http://127.0.0.1:9/MicroStrategyLibrary/api/", "cookies": {"JSESSIONID": "c1"}, "headers": {"accept": "*/*", "user-agent": "python-httpx/0.28.1", "X-MSTR-AuthToken": "t1"}}"#;
        let session = Session::from_json(dump).unwrap();
        assert!(session.has_session());
        assert!(session.client().default_headers().is_empty());
        let again = session.to_json().unwrap();
        assert_eq!(
            again,
            r#"{"base_url": "http://127.0.0.1:9/MicroStrategyLibrary/api/", "cookies": {"JSESSIONID": "c1"}, "headers": {"x-mstr-authtoken": "t1"}}"#
        );
    }

    #[test]
    fn bad_dumps_name_what_is_wrong() {
        let cases = [
            ("{", "not valid JSON"),
            ("[]", "not a JSON object"),
            ("{}", "no \"base_url\""),
            (r#"{"base_url": 1}"#, "\"base_url\" is not a string"),
            (r#"{"base_url": "x"}"#, "invalid base URL"),
            (
                r#"{"base_url": "http://h/", "cookies": []}"#,
                "\"cookies\" is not an object",
            ),
            (
                r#"{"base_url": "http://h/", "headers": {"a": 1}}"#,
                "entry \"a\" is not a string",
            ),
            (
                r#"{"base_url": "http://h/", "headers": {"x-mstr-authtoken": "a\nb"}}"#,
                "not a valid header value",
            ),
        ];
        for (input, expected) in cases {
            let err = Session::from_json(input).unwrap_err();
            assert!(err.to_string().contains(expected), "{input}: {err}");
        }
    }

    proptest! {
        // each case builds an HTTP client (~ms): 64 cases keep the suite fast
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn from_json_never_panics_on_arbitrary_text(text in ".{0,200}") {
            let _ = Session::from_json(&text);
        }

        #[test]
        fn from_json_never_panics_on_shaped_input(
            base in "[a-z:/.0-9]{0,30}",
            cookie in "[ -~]{0,20}",
            header in "[ -~]{0,20}",
            value in "[ -~\\n]{0,20}",
        ) {
            let doc = serde_json::json!({
                "base_url": base,
                "cookies": { cookie.clone(): cookie },
                "headers": { header: value },
            });
            let _ = Session::from_json(&doc.to_string());
        }

        #[test]
        fn to_json_round_trips(token in "[A-Za-z0-9]{1,40}", cookie in "[A-Za-z0-9]{1,40}") {
            let dump = serde_json::json!({
                "base_url": "https://h.example.com/MicroStrategyLibrary/api/",
                "cookies": {"JSESSIONID": cookie},
                "headers": {"x-mstr-authtoken": token},
            });
            let session = Session::from_json(&dump.to_string()).unwrap();
            let again: serde_json::Value = serde_json::from_str(&session.to_json().unwrap()).unwrap();
            prop_assert_eq!(again, dump);
        }
    }
}
