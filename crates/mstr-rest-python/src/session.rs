//! `_core.Session`: one library session (token, cookies, re-login, keep-alive) and the raw
//! requests the seed's `get/post/...` make.

use std::time::Duration;

use mstr_rest::{Credentials as Creds, ExposeSecret, Method, SecretString};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::query::{Query, Spec, answer};
use crate::response::Response;
use crate::runtime::{runtime, wait};

/// Login credentials held in Rust: the secrets never go back to Python.
#[pyclass(module = "mstr_rest._core", frozen)]
pub(crate) struct Credentials {
    pub(crate) inner: Creds,
}

#[pymethods]
impl Credentials {
    fn __repr__(&self) -> String {
        format!("Credentials({:?})", self.inner)
    }
}

/// `_core.credentials(username=, password=, api_key=, identity_token=, ldap=)`: the
/// seed's login forms, with its two silent guesses made explicit: a user name alone is an
/// API key (the seed README's documented form), a password alone is refused (the seed
/// logged in anonymously).
#[pyfunction]
#[pyo3(signature = (username=None, password=None, api_key=None, identity_token=None, ldap=false))]
pub(crate) fn credentials(
    username: Option<String>,
    password: Option<String>,
    api_key: Option<String>,
    identity_token: Option<String>,
    ldap: bool,
) -> PyResult<Credentials> {
    let given = [
        username.is_some() || password.is_some(),
        api_key.is_some(),
        identity_token.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(PyValueError::new_err(
            "pass one way to log in: username and password, api_key, or identity_token",
        ));
    }
    let inner = match (username, password, api_key, identity_token) {
        (_, _, _, Some(token)) => Creds::identity_token(token),
        (_, _, Some(key), _) => Creds::api_key(key),
        (Some(user), Some(password), ..) if ldap => Creds::ldap(user, password),
        (Some(user), Some(password), ..) => Creds::standard(user, password),
        (Some(key), None, ..) if !ldap => Creds::api_key(key),
        (Some(_), None, ..) => {
            return Err(PyValueError::new_err("an LDAP login needs a password"));
        }
        (None, Some(_), ..) => {
            return Err(PyValueError::new_err(
                "a password without a username: pass username= too (login() with no arguments logs in anonymously)",
            ));
        }
        (None, None, None, None) => Creds::anonymous(),
    };
    Ok(Credentials { inner })
}

/// A number of seconds from Python as a `Duration`, refused when not a positive finite
/// number (a timeout of `nan` or `-1` is a mistake, not "no timeout").
pub(crate) fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    if !(value.is_finite() && value > 0.0) {
        return Err(PyValueError::new_err(format!(
            "{name} must be a positive number of seconds, not {value}"
        )));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| PyValueError::new_err(format!("{name}={value} is too large")))
}

/// A MicroStrategy REST session, cheap to share between threads.
#[pyclass(module = "mstr_rest._core", frozen)]
pub(crate) struct Session {
    pub(crate) inner: mstr_rest::Session,
}

#[pymethods]
impl Session {
    #[new]
    #[pyo3(signature = (base_url, *, timeout=None, connect_timeout=None, application_type=None, relogin=None, keepalive=None, user_agent=None))]
    fn new(
        base_url: &str,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        application_type: Option<i32>,
        relogin: Option<PyRef<'_, Credentials>>,
        keepalive: Option<f64>,
        user_agent: Option<String>,
    ) -> PyResult<Session> {
        let timeout = timeout.map(|t| seconds("timeout", t)).transpose()?;
        let connect = connect_timeout
            .map(|t| seconds("connect_timeout", t))
            .transpose()?;
        let mut builder = mstr_rest::Session::builder(base_url).transport(|t| {
            let t = match timeout {
                Some(d) => t.timeout(d),
                None => t,
            };
            let t = match connect {
                Some(d) => t.connect_timeout(d),
                None => t,
            };
            match user_agent {
                Some(ua) => t.user_agent(ua),
                None => t,
            }
        });
        if let Some(app) = application_type {
            builder = builder.application_type(app);
        }
        if let Some(creds) = relogin {
            builder = builder.relogin_with(creds.inner.clone());
        }
        if let Some(period) = keepalive {
            builder = builder.keepalive(seconds("keepalive_interval", period)?);
        }
        // Built on the runtime that will drive it, the session shares its transport with the
        // process's other sessions (a client built outside a runtime keeps its own).
        let runtime = runtime()?;
        let _on = runtime.enter();
        Python::attach(|py| {
            builder
                .build()
                .map(|inner| Session { inner })
                .map_err(|e| crate::errors::to_py(py, &e))
        })
    }

    /// Restores a session saved by `to_json()` here, by the Rust library or by
    /// mstr-rest-requests' `json()`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Session> {
        let runtime = runtime()?;
        let _on = runtime.enter();
        mstr_rest::Session::from_json(text)
            .map(|inner| Session { inner })
            .map_err(|e| crate::errors::to_py(py, &e))
    }

    /// The saved form (base URL, cookies, headers with the token): a secret, store it so.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner
            .to_json()
            .map_err(|e| crate::errors::to_py(py, &e))
    }

    #[getter]
    fn base_url(&self) -> String {
        self.inner.client().base_url().as_str().to_owned()
    }

    fn login(&self, py: Python<'_>, credentials: PyRef<'_, Credentials>) -> PyResult<()> {
        let (session, creds) = (self.inner.clone(), credentials.inner.clone());
        wait(py, async move { session.login(creds).await })
    }

    fn delegate(&self, py: Python<'_>, identity_token: String) -> PyResult<()> {
        let session = self.inner.clone();
        wait(py, async move {
            session.delegate(SecretString::from(identity_token)).await
        })
    }

    fn logout(&self, py: Python<'_>) -> PyResult<()> {
        let session = self.inner.clone();
        wait(py, async move { session.logout().await })
    }

    fn has_session(&self) -> bool {
        self.inner.has_session()
    }

    /// Creates an identity token for delegation; returned in clear because the caller
    /// asked for it (to hand to another session).
    fn create_identity_token(&self, py: Python<'_>) -> PyResult<String> {
        let session = self.inner.clone();
        let token = wait(py, async move { session.create_identity_token().await })?;
        Ok(token.expose_secret().to_owned())
    }

    /// One request; an answer of 400 or more raises the exception of its error code.
    #[pyo3(signature = (method, path, *, include_auth=true, project_id=None, params=None, body=None, content_type=None, headers=None, timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        include_auth: bool,
        project_id: Option<String>,
        params: Option<Vec<(String, String)>>,
        body: Option<Vec<u8>>,
        content_type: Option<String>,
        headers: Option<Vec<(String, String)>>,
        timeout: Option<f64>,
    ) -> PyResult<Response> {
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| PyValueError::new_err(format!("{method:?} is not an HTTP method")))?;
        let mut request = self.inner.request(method, path);
        if !include_auth {
            request = request.without_auth();
        }
        if let Some(id) = project_id {
            request = request.project(id);
        }
        if let Some(params) = params {
            request = request.query(&params);
        }
        for (name, value) in headers.unwrap_or_default() {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            if let Some(kind) = content_type {
                request = request.header("content-type", kind);
            }
            request = request.body(body);
        } else if content_type.is_some() {
            return Err(PyTypeError::new_err("content_type without a body"));
        }
        if let Some(t) = timeout {
            request = request.timeout(seconds("timeout", t)?);
        }
        wait(
            py,
            async move { Response::read(request.send().await?).await },
        )
    }

    /// A report extract (`cube=True`: a cube's).
    #[pyo3(signature = (report_id, *, cube=false, project_id=None, attributes=None, metrics=None, filter=None, answers=None, page_size=None, concurrency=None))]
    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        report_id: String,
        cube: bool,
        project_id: Option<String>,
        attributes: Option<Vec<String>>,
        metrics: Option<Vec<String>>,
        filter: Option<String>,
        answers: Option<String>,
        page_size: Option<u32>,
        concurrency: Option<usize>,
    ) -> PyResult<Query> {
        let filter = filter
            .map(|f| serde_json::from_str(&f))
            .transpose()
            .map_err(|e| PyValueError::new_err(format!("filter is not JSON: {e}")))?;
        let answers: Vec<serde_json::Value> = answers
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(|e| PyValueError::new_err(format!("answers are not JSON: {e}")))?
            .unwrap_or_default();
        if page_size == Some(0) {
            return Err(PyValueError::new_err("page_size must be at least 1"));
        }
        if concurrency == Some(0) {
            return Err(PyValueError::new_err("concurrency must be at least 1"));
        }
        Ok(Query {
            spec: Spec {
                session: self.inner.clone(),
                cube,
                id: report_id,
                project_id,
                attributes: attributes.unwrap_or_default(),
                metrics: metrics.unwrap_or_default(),
                filter,
                answers: answers.iter().map(answer).collect::<PyResult<_>>()?,
                page_size,
                concurrency,
            },
        })
    }

    /// One partition's rows (its JSON from `Query.partitions`), as a whole Arrow table.
    fn partition_collect(&self, py: Python<'_>, partition: &str) -> PyResult<crate::arrow::Table> {
        let part = mstr_rest::reports::Partition::from_json(partition)
            .map_err(|e| crate::errors::to_py(py, &e))?;
        crate::query::collect(py, part.record_batches(&self.inner))
    }

    /// One partition's rows as batches, each fetched when asked for.
    fn partition_batches(
        &self,
        py: Python<'_>,
        partition: &str,
    ) -> PyResult<crate::query::Batches> {
        let part = mstr_rest::reports::Partition::from_json(partition)
            .map_err(|e| crate::errors::to_py(py, &e))?;
        Ok(crate::query::Batches::of(part.record_batches(&self.inner)))
    }

    /// Pushes Arrow IPC stream bytes (an iterator of `bytes`) into a dataset table.
    #[pyo3(signature = (ipc_chunks, *, table, project_id, dataset_name=None, dataset_id=None, policy="replace", key=None, chunk_rows=None, publish_poll=None))]
    #[allow(clippy::too_many_arguments)]
    fn push<'py>(
        &self,
        py: Python<'py>,
        ipc_chunks: Bound<'py, PyAny>,
        table: String,
        project_id: String,
        dataset_name: Option<String>,
        dataset_id: Option<String>,
        policy: &str,
        key: Option<Vec<String>>,
        chunk_rows: Option<usize>,
        publish_poll: Option<(f64, f64)>,
    ) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        crate::push::push(
            py,
            self.inner.clone(),
            ipc_chunks,
            table,
            project_id,
            dataset_name,
            dataset_id,
            policy,
            key.unwrap_or_default(),
            chunk_rows,
            publish_poll,
        )
    }
}
