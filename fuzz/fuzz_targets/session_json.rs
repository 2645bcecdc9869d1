//! `Session::from_json` must turn any text into a session or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mstr_rest_session::Session;

fuzz_target!(|text: &str| {
    if let Ok(session) = Session::from_json(text) {
        let _ = session.to_json();
    }
});
