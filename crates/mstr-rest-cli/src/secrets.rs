//! Credential values as the command line takes them: a literal, or a reference to a secret
//! (`env:`, `file:`, `aws-sm:`, `aws-ssm:`, `azure-kv:`, `gcp-sm:`) that the library's
//! sources resolve when a login needs it — and only then.

use std::borrow::Cow;
use std::path::PathBuf;

use mstr_rest::{CredentialError, CredentialErrorKind, Env, SecretSource, SecretString};

/// A credential value: what it is and where it comes from.
pub(crate) enum Secret {
    /// Given as it is (a flag, a profile value, standard input).
    Literal(SecretString),
    /// `env:VAR`.
    Env(Env),
    /// `file:PATH`, its first line (a trailing newline is not part of the secret).
    File(PathBuf),
    /// `aws-sm:`, `aws-ssm:`, `azure-kv:` or `gcp-sm:`: a cloud crate's source, boxed
    /// (large, and whether a JSON field is picked changes its type).
    #[cfg(any(feature = "aws", feature = "azure", feature = "gcp"))]
    Cloud(Box<dyn Resolve>),
}

/// A source behind a box: the cloud sources differ by whether a JSON field is picked.
#[cfg(any(feature = "aws", feature = "azure", feature = "gcp"))]
pub(crate) trait Resolve: Send + Sync {
    fn resolve_boxed(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<SecretString, CredentialError>> + Send + '_>,
    >;
    fn describe_boxed(&self) -> Cow<'static, str>;
}

#[cfg(any(feature = "aws", feature = "azure", feature = "gcp"))]
impl<S: SecretSource> Resolve for S {
    fn resolve_boxed(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<SecretString, CredentialError>> + Send + '_>,
    > {
        Box::pin(SecretSource::resolve(self))
    }
    fn describe_boxed(&self) -> Cow<'static, str> {
        SecretSource::describe(self)
    }
}

/// The schemes a value may start with; anything else is a literal.
const SCHEMES: [&str; 6] = [
    "env:",
    "file:",
    "aws-sm:",
    "aws-ssm:",
    "azure-kv:",
    "gcp-sm:",
];

impl Secret {
    /// Parses a flag's or profile's value. A scheme whose feature was left out is a usage
    /// error naming the feature, never a literal that would be sent as a password.
    pub(crate) fn parse(value: &str) -> Result<Secret, String> {
        let Some(scheme) = SCHEMES.iter().find(|s| value.starts_with(**s)) else {
            return Ok(Secret::Literal(SecretString::from(value.to_owned())));
        };
        let rest = &value[scheme.len()..];
        if rest.is_empty() {
            return Err(format!(
                "`{value}`: the reference names nothing after `{scheme}`"
            ));
        }
        let (body, field) = match rest.rsplit_once('#') {
            Some((b, f)) if !f.is_empty() => (b, Some(f.to_owned())),
            _ => (rest, None),
        };
        match *scheme {
            "env:" => Ok(Secret::Env(mstr_rest::env(rest.to_owned()))),
            "file:" => Ok(Secret::File(PathBuf::from(rest))),
            "aws-sm:" => aws_secret(body, field),
            "aws-ssm:" => aws_parameter(rest),
            "azure-kv:" => azure(body, field),
            _ => gcp(body, field),
        }
    }

    /// True for a value typed as it is (the caller warns when it is a password on the
    /// command line).
    pub(crate) fn is_literal(&self) -> bool {
        matches!(self, Secret::Literal(_))
    }
}

#[cfg(feature = "aws")]
fn aws_secret(id: &str, field: Option<String>) -> Result<Secret, String> {
    let source = mstr_rest::aws::secrets_manager(id.to_owned());
    Ok(Secret::Cloud(match field {
        Some(f) => Box::new(source.key(f)),
        None => Box::new(source),
    }))
}

#[cfg(feature = "aws")]
fn aws_parameter(name: &str) -> Result<Secret, String> {
    Ok(Secret::Cloud(Box::new(mstr_rest::aws::parameter_store(
        name.to_owned(),
    ))))
}

#[cfg(not(feature = "aws"))]
fn aws_secret(_: &str, _: Option<String>) -> Result<Secret, String> {
    Err(missing("aws-sm:", "aws"))
}

#[cfg(not(feature = "aws"))]
fn aws_parameter(_: &str) -> Result<Secret, String> {
    Err(missing("aws-ssm:", "aws"))
}

#[cfg(feature = "azure")]
fn azure(body: &str, field: Option<String>) -> Result<Secret, String> {
    let (vault, name) = body
        .rsplit_once('/')
        .filter(|(v, n)| v.starts_with("https://") && !n.is_empty())
        .ok_or_else(|| {
            format!("`azure-kv:{body}`: write azure-kv:https://VAULT.vault.azure.net/NAME[#field]")
        })?;
    Ok(Secret::Cloud(match field {
        Some(f) => Box::new(mstr_rest::azure::KeyVaultSecret::new(vault, name).field(f)),
        None => Box::new(mstr_rest::azure::key_vault(vault, name)),
    }))
}

#[cfg(not(feature = "azure"))]
fn azure(_: &str, _: Option<String>) -> Result<Secret, String> {
    Err(missing("azure-kv:", "azure"))
}

#[cfg(feature = "gcp")]
fn gcp(body: &str, field: Option<String>) -> Result<Secret, String> {
    let (path, version) = match body.rsplit_once('@') {
        Some((p, v)) if !v.is_empty() => (p, Some(v)),
        _ => (body, None),
    };
    let (project, name) = path
        .split_once('/')
        .filter(|(p, n)| !p.is_empty() && !n.is_empty() && !n.contains('/'))
        .ok_or_else(|| format!("`gcp-sm:{body}`: write gcp-sm:PROJECT/NAME[@VERSION][#field]"))?;
    Ok(Secret::Cloud(match field {
        Some(f) => {
            let secret = mstr_rest::gcp::SecretManagerSecret::new(project, name);
            let secret = match version {
                Some(v) => secret.version(v),
                None => secret,
            };
            Box::new(secret.field(f))
        }
        None => {
            let source = mstr_rest::gcp::secret_manager(project, name);
            Box::new(match version {
                Some(v) => source.version(v),
                None => source,
            })
        }
    }))
}

#[cfg(not(feature = "gcp"))]
fn gcp(_: &str, _: Option<String>) -> Result<Secret, String> {
    Err(missing("gcp-sm:", "gcp"))
}

#[cfg(not(all(feature = "aws", feature = "azure", feature = "gcp")))]
fn missing(scheme: &str, feature: &str) -> String {
    format!(
        "`{scheme}` references need the `{feature}` feature: cargo install --path crates/mstr-rest-cli --features {feature}"
    )
}

impl SecretSource for Secret {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        match self {
            Secret::Literal(s) => Ok(s.clone()),
            Secret::Env(e) => SecretSource::resolve(e).await,
            Secret::File(path) => {
                let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                    let kind = if e.kind() == std::io::ErrorKind::NotFound {
                        CredentialErrorKind::NotFound
                    } else {
                        CredentialErrorKind::Other
                    };
                    CredentialError::new(
                        kind,
                        SecretSource::describe(self),
                        format!("cannot read it: {e}"),
                    )
                })?;
                let line = text.lines().next().unwrap_or_default();
                Ok(SecretString::from(line.to_owned()))
            }
            #[cfg(any(feature = "aws", feature = "azure", feature = "gcp"))]
            Secret::Cloud(s) => s.resolve_boxed().await,
        }
    }

    fn describe(&self) -> Cow<'static, str> {
        match self {
            Secret::Literal(_) => Cow::Borrowed("literal"),
            Secret::Env(e) => SecretSource::describe(e),
            Secret::File(p) => Cow::Owned(format!("file:{}", p.display())),
            #[cfg(any(feature = "aws", feature = "azure", feature = "gcp"))]
            Secret::Cloud(s) => s.describe_boxed(),
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", SecretSource::describe(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstr_rest::ExposeSecret;

    #[test]
    fn references_are_parsed_and_literals_kept() {
        assert!(Secret::parse("hunter2").unwrap().is_literal());
        assert_eq!(
            Secret::parse("env:MSTR_X").unwrap().describe(),
            "env:MSTR_X"
        );
        assert_eq!(
            Secret::parse("file:/run/pw").unwrap().describe(),
            "file:/run/pw"
        );
        assert!(Secret::parse("env:").is_err());
        let aws = Secret::parse("aws-sm:prod/mstr#password").unwrap();
        assert!(aws.describe().contains("prod/mstr"), "{}", aws.describe());
        assert!(Secret::parse("azure-kv:https://v.vault.azure.net/pw#password").is_ok());
        assert!(
            Secret::parse("azure-kv:v/pw").is_err(),
            "a vault URL is required"
        );
        assert!(Secret::parse("gcp-sm:proj/pw@3#password").is_ok());
        assert!(Secret::parse("gcp-sm:pw").is_err());
        assert!(!format!("{:?}", Secret::parse("hunter2").unwrap()).contains("hunter2"));
    }

    #[tokio::test]
    async fn a_file_reference_reads_the_first_line() {
        let path = std::env::temp_dir().join(format!("mstr-cli-secret-{}", std::process::id()));
        std::fs::write(&path, "s3cret\nignored\n").unwrap();
        let secret = Secret::parse(&format!("file:{}", path.display())).unwrap();
        assert_eq!(secret.resolve().await.unwrap().expose_secret(), "s3cret");
        std::fs::remove_file(&path).unwrap();
        let e = secret.resolve().await.unwrap_err();
        assert_eq!(e.kind(), CredentialErrorKind::NotFound);
    }
}
