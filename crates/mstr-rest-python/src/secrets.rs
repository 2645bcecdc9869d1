//! The cloud secret sources of `mstr_rest.requests.credentials.*`: the Rust library's
//! sources (lazy: no client is built and nothing is fetched until a login resolves them),
//! exposed as zero-argument callables as the seed's credentials are.

use mstr_rest::{ExposeSecret, SecretSource, SharedSource};
use pyo3::prelude::*;

use crate::runtime::wait_any;

/// One secret value, fetched (with the GIL released) each time it is called, unless it
/// came from a caching parent (`SecretsManagerSecret.field`, `ParameterStoreValues`).
#[pyclass(module = "mstr_rest._core", frozen)]
pub(crate) struct Secret {
    source: SharedSource,
}

impl Secret {
    fn of(source: impl SecretSource + 'static) -> Secret {
        Secret {
            source: SharedSource::new(source),
        }
    }
}

#[pymethods]
impl Secret {
    /// Fetches the value: the string a credential callable returns.
    fn __call__(&self, py: Python<'_>) -> PyResult<String> {
        let source = self.source.clone();
        let value = wait_any(py, async move { source.resolve().await })?
            .map_err(|e| crate::errors::to_py(py, &mstr_rest::Error::Credential(e)))?;
        // Handed to Python because the caller is a credential callable (the seed's model).
        Ok(value.expose_secret().to_owned())
    }

    /// Forgets a cached value, so the next call fetches afresh (after a rotation).
    fn invalidate(&self) {
        self.source.invalidate();
    }

    fn __repr__(&self) -> String {
        format!("<secret {}>", self.source.describe())
    }
}

type FieldOf = Box<dyn Fn(String) -> SharedSource + Send + Sync>;

/// A secret holding JSON (or a family of parameters): fetched once on the first field's
/// call and cached for every field.
#[pyclass(module = "mstr_rest._core", frozen)]
pub(crate) struct Fields {
    field: FieldOf,
    describe: String,
}

#[pymethods]
impl Fields {
    /// The callable for one field (a JSON key, or a parameter name).
    fn field(&self, name: String) -> Secret {
        Secret {
            source: (self.field)(name),
        }
    }

    fn __repr__(&self) -> String {
        format!("<secret fields of {}>", self.describe)
    }
}

#[cfg(feature = "aws")]
mod aws {
    use super::*;
    use mstr_rest::aws;

    /// `secrets_manager(secret_id, key=None, region_name=None)`: fetched on every call.
    #[pyfunction]
    #[pyo3(signature = (secret_id, key=None, region_name=None))]
    pub(crate) fn aws_secrets_manager(
        secret_id: String,
        key: Option<String>,
        region_name: Option<String>,
    ) -> Secret {
        let mut source = aws::secrets_manager(secret_id);
        if let Some(k) = key {
            source = source.key(k);
        }
        if let Some(r) = region_name {
            source = source.region(r);
        }
        Secret::of(source)
    }

    /// `SecretsManagerSecret(secret_id, region_name=None)`: one fetch, every field.
    #[pyfunction]
    #[pyo3(signature = (secret_id, region_name=None))]
    pub(crate) fn aws_secrets_manager_fields(
        secret_id: String,
        region_name: Option<String>,
    ) -> Fields {
        let describe = format!("aws-secretsmanager:{secret_id}");
        let mut secret = aws::SecretsManagerSecret::new(secret_id);
        if let Some(r) = region_name {
            secret = secret.region(r);
        }
        Fields {
            field: Box::new(move |name| SharedSource::new(secret.field(name))),
            describe,
        }
    }

    /// `parameter_store(name, region_name=None)`: fetched on every call.
    #[pyfunction]
    #[pyo3(signature = (name, region_name=None))]
    pub(crate) fn aws_parameter_store(name: String, region_name: Option<String>) -> Secret {
        let mut source = aws::parameter_store(name);
        if let Some(r) = region_name {
            source = source.region(r);
        }
        Secret::of(source)
    }

    /// `ParameterStoreValues(region_name=None)`: each parameter fetched once.
    #[pyfunction]
    #[pyo3(signature = (region_name=None))]
    pub(crate) fn aws_parameter_values(region_name: Option<String>) -> Fields {
        let mut values = aws::ParameterStoreValues::new();
        if let Some(r) = region_name {
            values = values.region(r);
        }
        Fields {
            field: Box::new(move |name| SharedSource::new(values.parameter(name))),
            describe: "aws-ssm parameters".to_owned(),
        }
    }
}

#[cfg(feature = "azure")]
mod azure {
    use super::*;
    use mstr_rest::azure;

    /// `key_vault(vault_url, name)`: fetched on every call (DefaultAzureCredential).
    #[pyfunction]
    pub(crate) fn azure_key_vault(vault_url: String, name: String) -> Secret {
        Secret::of(azure::key_vault(vault_url, name))
    }

    /// `KeyVaultSecret(vault_url, name)`: one fetch, every field.
    #[pyfunction]
    pub(crate) fn azure_key_vault_fields(vault_url: String, name: String) -> Fields {
        let describe = format!("azure-keyvault:{vault_url}{name}");
        let secret = azure::KeyVaultSecret::new(vault_url, name);
        Fields {
            field: Box::new(move |field| SharedSource::new(secret.field(field))),
            describe,
        }
    }
}

#[cfg(feature = "gcp")]
mod gcp {
    use super::*;
    use mstr_rest::gcp;

    /// `secret_manager(project, name, version=None)`: fetched on every call
    /// (Application Default Credentials).
    #[pyfunction]
    #[pyo3(signature = (project, name, version=None))]
    pub(crate) fn gcp_secret_manager(
        project: String,
        name: String,
        version: Option<String>,
    ) -> Secret {
        let mut source = gcp::secret_manager(project, name);
        if let Some(v) = version {
            source = source.version(v);
        }
        Secret::of(source)
    }

    /// `SecretManagerSecret(project, name, version=None)`: one fetch, every field.
    #[pyfunction]
    #[pyo3(signature = (project, name, version=None))]
    pub(crate) fn gcp_secret_manager_fields(
        project: String,
        name: String,
        version: Option<String>,
    ) -> Fields {
        let describe = format!("gcp-secretmanager:{project}/{name}");
        let mut secret = gcp::SecretManagerSecret::new(project, name);
        if let Some(v) = version {
            secret = secret.version(v);
        }
        Fields {
            field: Box::new(move |field| SharedSource::new(secret.field(field))),
            describe,
        }
    }
}

/// Adds the sources of the clouds this build includes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Secret>()?;
    m.add_class::<Fields>()?;
    #[cfg(feature = "aws")]
    {
        m.add_function(wrap_pyfunction!(aws::aws_secrets_manager, m)?)?;
        m.add_function(wrap_pyfunction!(aws::aws_secrets_manager_fields, m)?)?;
        m.add_function(wrap_pyfunction!(aws::aws_parameter_store, m)?)?;
        m.add_function(wrap_pyfunction!(aws::aws_parameter_values, m)?)?;
    }
    #[cfg(feature = "azure")]
    {
        m.add_function(wrap_pyfunction!(azure::azure_key_vault, m)?)?;
        m.add_function(wrap_pyfunction!(azure::azure_key_vault_fields, m)?)?;
    }
    #[cfg(feature = "gcp")]
    {
        m.add_function(wrap_pyfunction!(gcp::gcp_secret_manager, m)?)?;
        m.add_function(wrap_pyfunction!(gcp::gcp_secret_manager_fields, m)?)?;
    }
    Ok(())
}
