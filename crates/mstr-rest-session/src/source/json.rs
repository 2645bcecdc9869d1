//! A JSON-object secret fetched once and shared by the sources of its fields.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::flight::SingleFlight;

use mstr_rest_error::CredentialError;
use secrecy::{ExposeSecret, SecretString};

use super::{DynSource, SecretSource};

type Fields = HashMap<String, FieldValue>;

enum FieldValue {
    Text(SecretString),
    Null,
    Nested,
}

/// A secret whose value is a JSON object (`{"base_url": …, "username": …, "password": …}`),
/// fetched **once** and shared by every [`field`](JsonSecret::field) and every clone — even
/// when fields resolve concurrently.
///
/// Cloud crates build on it (`SecretsManagerSecret`, `KeyVaultSecret`,
/// `SecretManagerSecret`); it works over any [`SecretSource`]:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use mstr_rest_session::{JsonSecret, SecretSource, env};
/// use secrecy::ExposeSecret;
/// let doc = env("MSTR_CONNECTION").with_lookup(|_| Some(r#"{"username":"dave","password":"hellodave"}"#.into()));
/// let secret = JsonSecret::new(doc);
/// let user = secret.field("username");
/// assert_eq!(user.resolve().await.unwrap().expose_secret(), "dave");
/// assert_eq!(user.to_string(), "env:MSTR_CONNECTION#username");
/// # }
/// ```
#[derive(Clone)]
pub struct JsonSecret {
    inner: Arc<Inner>,
}

struct Inner {
    fetch: Box<dyn DynSource>,
    doc: SingleFlight<Arc<Fields>>,
}

impl JsonSecret {
    /// A JSON secret whose text comes from `source`.
    pub fn new(source: impl SecretSource + 'static) -> JsonSecret {
        JsonSecret {
            inner: Arc::new(Inner {
                fetch: Box::new(source),
                doc: SingleFlight::new(),
            }),
        }
    }

    /// The source of one field. Strings are used as they are; numbers and booleans as
    /// their JSON text.
    pub fn field(&self, name: impl Into<Cow<'static, str>>) -> JsonField {
        JsonField {
            secret: self.clone(),
            field: name.into(),
        }
    }

    /// Describes the whole secret (the underlying source's description).
    pub fn describe(&self) -> Cow<'static, str> {
        self.inner.fetch.describe_dyn()
    }

    /// Forgets the fetched document; the next field resolution fetches again.
    pub fn invalidate(&self) {
        self.inner.doc.invalidate();
        self.inner.fetch.invalidate_dyn();
    }

    async fn fields(&self) -> Result<Arc<Fields>, CredentialError> {
        let fetch = || async {
            let text = self.inner.fetch.resolve_boxed().await?;
            Ok(Arc::new(parse(text, &self.describe())?))
        };
        self.inner.doc.get_or_fetch(|_| true, fetch).await
    }
}

fn parse(text: SecretString, source: &str) -> Result<Fields, CredentialError> {
    // serde_json's syntax errors carry a position, never the input: safe to report.
    let value: serde_json::Value = serde_json::from_str(text.expose_secret()).map_err(|e| {
        CredentialError::invalid(
            source.to_owned(),
            format!(
                "the secret is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(CredentialError::invalid(
            source.to_owned(),
            "the secret is JSON but not an object of fields",
        ));
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => FieldValue::Text(SecretString::from(s)),
                serde_json::Value::Number(n) => FieldValue::Text(SecretString::from(n.to_string())),
                serde_json::Value::Bool(b) => FieldValue::Text(SecretString::from(b.to_string())),
                serde_json::Value::Null => FieldValue::Null,
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => FieldValue::Nested,
            };
            (k, v)
        })
        .collect())
}

impl fmt::Debug for JsonSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonSecret({})", self.describe())
    }
}

/// One field of a [`JsonSecret`].
#[derive(Clone)]
pub struct JsonField {
    secret: JsonSecret,
    field: Cow<'static, str>,
}

impl SecretSource for JsonField {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        let fields = self.secret.fields().await?;
        match fields.get(&*self.field) {
            Some(FieldValue::Text(v)) => Ok(v.clone()),
            Some(FieldValue::Null) => Err(CredentialError::not_found(
                self.describe(),
                format!("field {:?} of the JSON secret is null", self.field),
            )),
            Some(FieldValue::Nested) => Err(CredentialError::invalid(
                self.describe(),
                format!(
                    "field {:?} of the JSON secret is an array or object, not a value",
                    self.field
                ),
            )),
            None => Err(CredentialError::not_found(
                self.describe(),
                format!("the JSON secret has no field {:?}", self.field),
            )),
        }
    }

    fn describe(&self) -> Cow<'static, str> {
        Cow::Owned(format!("{}#{}", self.secret.describe(), self.field))
    }

    fn invalidate(&self) {
        self.secret.invalidate();
    }
}

impl fmt::Debug for JsonField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonField({})", self.describe())
    }
}

impl fmt::Display for JsonField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
