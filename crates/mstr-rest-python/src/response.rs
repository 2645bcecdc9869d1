//! `_core.Response`: a whole answer, read in Rust (bounded by the session's body limit).

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The status, headers and body of one answer.
#[pyclass(module = "mstr_rest._core", frozen)]
pub(crate) struct Response {
    status: u16,
    url: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Response {
    pub(crate) async fn read(response: mstr_rest::Response) -> mstr_rest::Result<Response> {
        let status = response.status().as_u16();
        let url = response.url().as_str().to_owned();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await?;
        Ok(Response {
            status,
            url,
            headers,
            body,
        })
    }
}

#[pymethods]
impl Response {
    #[getter]
    fn status_code(&self) -> u16 {
        self.status
    }

    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// `(name, value)` pairs in the order received; names lower-case.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }
}
