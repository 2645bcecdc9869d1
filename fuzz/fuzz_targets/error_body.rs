//! `ApiError::from_response` must accept any status, content type and body without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mstr_rest_error::ApiError;

fuzz_target!(|input: (u16, Option<String>, Vec<u8>)| {
    let (status, content_type, body) = input;
    let err = ApiError::from_response(status, content_type.as_deref(), &body);
    let _ = err.to_string();
    let _ = err.kind();
});
