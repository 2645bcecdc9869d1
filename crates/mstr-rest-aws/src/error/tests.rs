use super::*;

#[test]
fn codes_and_statuses_choose_the_kind() {
    let cases = [
        (
            Some("AccessDeniedException"),
            Some(400),
            Some(Failure::AccessDenied),
        ),
        (None, Some(403), Some(Failure::AccessDenied)),
        (
            Some("UnrecognizedClientException"),
            Some(400),
            Some(Failure::CredentialsRejected),
        ),
        (
            Some("ThrottlingException"),
            Some(400),
            Some(Failure::Throttled),
        ),
        (Some("TooManyUpdates"), Some(400), Some(Failure::Throttled)),
        (None, Some(429), Some(Failure::Throttled)),
        (Some("InternalServiceError"), Some(500), None),
        (None, None, None),
    ];
    for (code, status, expected) in cases {
        assert_eq!(
            failure_from_code(code, status),
            expected,
            "{code:?} {status:?}"
        );
    }
}

#[test]
fn every_failure_has_a_kind_and_an_actionable_message() {
    let all = [
        Failure::NotFound,
        Failure::AccessDenied,
        Failure::CredentialsRejected,
        Failure::Throttled,
        Failure::Decryption,
        Failure::Timeout,
        Failure::Dispatch,
        Failure::Construction,
        Failure::Response,
        Failure::Service,
    ];
    for failure in all {
        for call in [&GET_SECRET_VALUE, &GET_PARAMETER] {
            let text = message(call, failure, Some("SomeCode"));
            assert!(
                !text.is_empty() && !text.ends_with('.'),
                "{failure:?}: {text}"
            );
        }
    }
    assert_eq!(kind(Failure::Decryption), CredentialErrorKind::Invalid);
    assert!(message(&GET_PARAMETER, Failure::AccessDenied, None).contains("ssm:GetParameter"));
    assert!(message(&GET_SECRET_VALUE, Failure::AccessDenied, None).contains("kms:Decrypt"));
}
