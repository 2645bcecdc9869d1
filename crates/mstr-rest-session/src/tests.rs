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
