//! The AWS sources seen from outside: wiremock servers speaking the SDKs' wire protocol, and
//! round trips through a real `moto_server`.

mod moto;
mod wire;
