//! Cross-crate integration tests of mstr-rest: one binary (matklad's layout), one module per
//! area. Exact request expectations run against `wiremock` (one `MockServer` per test);
//! stateful flows run against `mstr-rest-emulator`. Everything goes through the public
//! facade `mstr_rest::…`.

mod authenticated;
mod blocking;
mod data;
mod emulated_shapes;
mod errors;
mod exports;
mod flows;
mod hardening;
mod hostile;
mod instances;
mod login;
mod modeling;
mod objects;
mod operations;
mod origin;
mod partitions;
mod persist;
mod push;
mod real_payloads;
mod redaction;
mod requests;
mod session_calls;
mod sources;
mod support;
mod tls;
