//! Turning SDK errors into [`CredentialError`]s: the kind from the typed error, the error
//! code or the HTTP status — never from message text.

use std::borrow::Cow;
use std::error::Error as StdError;

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use mstr_rest_session::{CredentialError, CredentialErrorKind};

/// What went wrong, in the terms the messages need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    NotFound,
    AccessDenied,
    CredentialsRejected,
    Throttled,
    Decryption,
    Timeout,
    Dispatch,
    Construction,
    Response,
    Service,
}

/// Error codes the services send for a refused caller, a rejected signature and throttling.
/// Codes, not messages: they are part of the AWS API.
fn failure_from_code(code: Option<&str>, status: Option<u16>) -> Option<Failure> {
    match code {
        Some("AccessDeniedException" | "AccessDenied") => return Some(Failure::AccessDenied),
        Some(
            "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "IncompleteSignature"
            | "InvalidClientTokenId"
            | "ExpiredTokenException"
            | "MissingAuthenticationTokenException",
        ) => return Some(Failure::CredentialsRejected),
        Some(
            "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "TooManyUpdates"
            | "TooManyRequestsException"
            | "RequestLimitExceeded",
        ) => return Some(Failure::Throttled),
        _ => {}
    }
    match status {
        Some(403) => Some(Failure::AccessDenied),
        Some(429) => Some(Failure::Throttled),
        _ => None,
    }
}

fn classify<E: ProvideErrorMetadata>(
    err: &SdkError<E>,
    typed: impl FnOnce(&E) -> Option<Failure>,
) -> Failure {
    match err {
        SdkError::ServiceError(service) => typed(service.err())
            .or_else(|| {
                failure_from_code(service.err().code(), Some(service.raw().status().as_u16()))
            })
            .unwrap_or(Failure::Service),
        SdkError::ResponseError(response) => {
            failure_from_code(None, Some(response.raw().status().as_u16()))
                .unwrap_or(Failure::Response)
        }
        SdkError::TimeoutError(_) => Failure::Timeout,
        SdkError::DispatchFailure(dispatch) if dispatch.is_timeout() => Failure::Timeout,
        SdkError::DispatchFailure(_) => Failure::Dispatch,
        SdkError::ConstructionFailure(_) => Failure::Construction,
        // `SdkError` is non-exhaustive: a future variant is some other failure
        _ => Failure::Service,
    }
}

/// Which call failed, for the messages.
struct Call {
    service: &'static str,
    operation: &'static str,
    what: &'static str,
    not_found: &'static str,
    access: &'static str,
}

const GET_SECRET_VALUE: Call = Call {
    service: "Secrets Manager",
    operation: "GetSecretValue",
    what: "secret",
    not_found: "check the secret id (name or ARN), the region and the version stage or id",
    access: "grant secretsmanager:GetSecretValue on the secret, and kms:Decrypt on its KMS key if it uses a customer managed key",
};

const GET_PARAMETER: Call = Call {
    service: "SSM Parameter Store",
    operation: "GetParameter",
    what: "parameter",
    not_found: "check the parameter name (its full path, e.g. /app/mstr/password) and the region",
    access: "grant ssm:GetParameter on the parameter, and kms:Decrypt on its KMS key for a SecureString",
};

fn message(call: &Call, failure: Failure, code: Option<&str>) -> Cow<'static, str> {
    let Call {
        service,
        operation,
        what,
        not_found,
        access,
    } = call;
    let text = match failure {
        Failure::NotFound => format!("the {what} does not exist: {not_found}"),
        Failure::AccessDenied => format!("{service} denied {operation}: {access}"),
        Failure::CredentialsRejected => format!(
            "{service} rejected the AWS credentials: check the access key, the session token and the system clock"
        ),
        Failure::Throttled => format!(
            "{service} throttled {operation}: retry later, or cache the {what} to make fewer calls"
        ),
        Failure::Decryption => format!(
            "{service} could not decrypt the {what} with its KMS key: check the key and grant kms:Decrypt on it"
        ),
        Failure::Timeout => format!("{operation} on {service} timed out"),
        Failure::Dispatch => format!(
            "the {operation} request to {service} could not be sent: check the network, the endpoint and that AWS credentials are available"
        ),
        Failure::Construction => format!(
            "the {operation} request to {service} could not be built: check that a region is configured (AWS_REGION or .region(..))"
        ),
        Failure::Response => format!("the response of {service} to {operation} could not be read"),
        Failure::Service => match code {
            Some(code) => format!("{service} refused {operation} ({code})"),
            None => format!("{service} refused {operation}"),
        },
    };
    Cow::Owned(text)
}

fn kind(failure: Failure) -> CredentialErrorKind {
    match failure {
        Failure::NotFound => CredentialErrorKind::NotFound,
        Failure::AccessDenied | Failure::CredentialsRejected => CredentialErrorKind::AccessDenied,
        Failure::Throttled => CredentialErrorKind::Throttled,
        Failure::Decryption => CredentialErrorKind::Invalid,
        Failure::Timeout
        | Failure::Dispatch
        | Failure::Construction
        | Failure::Response
        | Failure::Service => CredentialErrorKind::Other,
    }
}

fn wrap<E>(
    call: &Call,
    source: Cow<'static, str>,
    err: SdkError<E>,
    typed: impl FnOnce(&E) -> Option<Failure>,
) -> CredentialError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let failure = classify(&err, typed);
    let message = message(call, failure, err.code());
    tracing::debug!(source = %source, ?failure, code = err.code(), "{} {} failed", call.service, call.operation);
    CredentialError::new(kind(failure), source, message).with_source(err)
}

pub(crate) fn get_secret_value(
    source: Cow<'static, str>,
    err: SdkError<GetSecretValueError>,
) -> CredentialError {
    wrap(&GET_SECRET_VALUE, source, err, |e| {
        if e.is_resource_not_found_exception() {
            Some(Failure::NotFound)
        } else if e.is_decryption_failure() {
            Some(Failure::Decryption)
        } else {
            None
        }
    })
}

pub(crate) fn get_parameter(
    source: Cow<'static, str>,
    err: SdkError<GetParameterError>,
) -> CredentialError {
    wrap(&GET_PARAMETER, source, err, |e| {
        if e.is_parameter_not_found() || e.is_parameter_version_not_found() {
            Some(Failure::NotFound)
        } else if e.is_invalid_key_id() {
            Some(Failure::Decryption)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests;
