//! The native core of the `mstr_rest` Python package (`mstr_rest._core`): sessions, raw
//! requests, report and cube extracts as Arrow, dataset push and the cloud secret
//! sources, all on the Rust library, with the GIL released while it works.
//!
//! The Python API (`mstr_rest.requests`, the seed's names) lives in `python/mstr_rest/`;
//! this crate is only what it calls.

#![forbid(unsafe_code)]

mod arrow;
mod errors;
mod push;
mod query;
mod response;
mod runtime;
mod secrets;
mod session;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<session::Session>()?;
    m.add_class::<session::Credentials>()?;
    m.add_class::<response::Response>()?;
    m.add_class::<query::Query>()?;
    m.add_class::<query::Batches>()?;
    m.add_class::<arrow::Batch>()?;
    m.add_class::<arrow::Table>()?;
    m.add_function(wrap_pyfunction!(session::credentials, m)?)?;
    secrets::register(m)?;
    Ok(())
}
