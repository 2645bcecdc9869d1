//! Getting a session: the profile's saved one when it is still alive, else a login from the
//! flags, environment and profile (secrets resolved only then), logged out at exit unless
//! it was `mstr login`.

use std::io::{BufRead, IsTerminal};

use mstr_rest::{Credentials, ExposeSecret, SecretSource, SecretString, Session};

use crate::cli::{Connection, Mode};
use crate::config::{self, Profile};
use crate::failure::Failure;
use crate::secrets::Secret;

/// Where the credentials come from, not resolved yet.
pub(crate) struct Sources {
    base_url: Option<String>,
    mode: Option<Mode>,
    username: Option<Secret>,
    password: Option<Secret>,
    api_key: Option<Secret>,
    identity_token: Option<Secret>,
    pub(crate) profile: String,
}

/// A session and whether this command must end it.
pub(crate) struct Connected {
    pub(crate) session: Session,
    owned: bool,
}

impl Connected {
    /// Logs out a session this command opened; a saved one stays.
    pub(crate) async fn finish(self) {
        if self.owned
            && let Err(e) = self.session.logout().await
        {
            tracing::warn!(error = %e, "logging out failed; the server expires the session");
        }
    }
}

fn parse(flag: Option<&String>, profile: Option<&String>) -> Result<Option<Secret>, Failure> {
    flag.or(profile)
        .map(|v| Secret::parse(v).map_err(Failure::usage))
        .transpose()
}

impl Sources {
    pub(crate) fn new(c: &Connection, quiet: bool) -> Result<Sources, Failure> {
        config::check_profile_name(&c.profile)?;
        let p: Profile = config::profile(&c.profile)?;
        let mut password = parse(c.password.as_ref(), p.password.as_ref())?;
        if c.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Failure::local("reading the password from standard input", e))?;
            let line = line.trim_end_matches(['\n', '\r']).to_owned();
            password = Some(Secret::Literal(SecretString::from(line)));
        } else if c.password.is_some()
            && password.as_ref().is_some_and(Secret::is_literal)
            && std::env::var_os("MSTR_PASSWORD").is_none()
            && !quiet
        {
            eprintln!(
                "warning: a password on the command line shows in `ps` and shell history; use --password-stdin, MSTR_PASSWORD or a secret reference (env:, file:, aws-sm:, …)"
            );
        }
        Ok(Sources {
            base_url: c.base_url.clone().or(p.base_url),
            mode: c.mode.or(p.mode),
            username: parse(c.username.as_ref(), p.username.as_ref())?,
            password,
            api_key: parse(c.api_key.as_ref(), p.api_key.as_ref())?,
            identity_token: parse(c.identity_token.as_ref(), p.identity_token.as_ref())?,
            profile: c.profile.clone(),
        })
    }

    fn mode(&self) -> Mode {
        self.mode.unwrap_or(if self.api_key.is_some() {
            Mode::ApiKey
        } else if self.identity_token.is_some() {
            Mode::IdentityToken
        } else {
            Mode::Standard
        })
    }

    fn has_credentials(&self) -> bool {
        match self.mode() {
            Mode::Anonymous => true,
            Mode::ApiKey => self.api_key.is_some(),
            Mode::IdentityToken => self.identity_token.is_some(),
            Mode::Standard | Mode::Ldap => self.username.is_some(),
        }
    }

    /// Resolves what the mode needs: the only place a secret is fetched.
    async fn credentials(&self) -> Result<Credentials, Failure> {
        async fn get(what: &'static str, s: Option<&Secret>) -> Result<SecretString, Failure> {
            let s = s.ok_or_else(|| {
                Failure::usage(format!(
                    "no {what}: pass --{} or set it in the profile",
                    what.replace(' ', "-")
                ))
            })?;
            s.resolve()
                .await
                .map_err(|e| Failure::Mstr(mstr_rest::Error::Credential(e.for_field(what))))
        }
        Ok(match self.mode() {
            Mode::Anonymous => Credentials::anonymous(),
            Mode::ApiKey => Credentials::api_key(get("api key", self.api_key.as_ref()).await?),
            Mode::IdentityToken => Credentials::identity_token(
                get("identity token", self.identity_token.as_ref()).await?,
            ),
            mode => {
                let user = get("username", self.username.as_ref()).await?;
                let password = match &self.password {
                    Some(_) => get("password", self.password.as_ref()).await?,
                    None if std::io::stdin().is_terminal() => prompt_password()?,
                    None => SecretString::from(String::new()),
                };
                let user = user.expose_secret().to_owned();
                if mode == Mode::Ldap {
                    Credentials::ldap(user, password)
                } else {
                    Credentials::standard(user, password)
                }
            }
        })
    }

    fn base_url(&self) -> Result<&str, Failure> {
        self.base_url.as_deref().ok_or_else(|| {
            Failure::usage(
                "no server: pass --base-url, set MSTR_BASE_URL, or add base_url to the profile",
            )
        })
    }

    async fn login(&self) -> Result<Session, Failure> {
        let session = Session::builder(self.base_url()?).build()?;
        session.login(self.credentials().await?).await?;
        Ok(session)
    }

    /// `mstr login`: a fresh session, saved for the profile.
    pub(crate) async fn login_and_save(&self) -> Result<(Session, String), Failure> {
        if !self.has_credentials() {
            return Err(Failure::usage(
                "no credentials: pass --username (and a password), --api-key or --identity-token, or --mode anonymous",
            ));
        }
        let session = self.login().await?;
        let path = self.save(&session)?;
        Ok((session, path))
    }

    fn save(&self, session: &Session) -> Result<String, Failure> {
        let path = config::session_path(&self.profile).ok_or_else(|| {
            Failure::usage("no cache directory: set HOME or XDG_CACHE_HOME to save the session")
        })?;
        config::save_session(&path, &session.to_json()?)?;
        Ok(path.display().to_string())
    }

    /// The saved session, if there is one and the server still knows it; an expired one is
    /// replaced by a new login (saved again) when credentials are at hand.
    pub(crate) async fn connect(&self) -> Result<Connected, Failure> {
        if let Some(saved) = self.saved()? {
            match saved.session_info().await {
                Ok(_) => {
                    return Ok(Connected {
                        session: saved,
                        owned: false,
                    });
                }
                Err(e) if e.is_session_expired() => {
                    if !self.has_credentials() {
                        return Err(Failure::NoSession(format!(
                            "the saved session of profile {} has expired: run `mstr login` again",
                            self.profile
                        )));
                    }
                    tracing::info!(profile = %self.profile, "the saved session expired; logging in again");
                    let session = self.login().await?;
                    self.save(&session)?;
                    return Ok(Connected {
                        session,
                        owned: false,
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !self.has_credentials() {
            return Err(Failure::NoSession(format!(
                "not logged in: run `mstr login`, or pass --base-url and credentials (profile {})",
                self.profile
            )));
        }
        Ok(Connected {
            session: self.login().await?,
            owned: true,
        })
    }

    pub(crate) fn saved(&self) -> Result<Option<Session>, Failure> {
        let Some(path) = config::session_path(&self.profile) else {
            return Ok(None);
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Failure::local(format!("reading {}", path.display()), e)),
        };
        Ok(Some(Session::from_json(&text)?))
    }

    /// Forgets the saved session file; true when there was one.
    pub(crate) fn forget(&self) -> Result<bool, Failure> {
        let Some(path) = config::session_path(&self.profile) else {
            return Ok(false);
        };
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Failure::local(format!("deleting {}", path.display()), e)),
        }
    }
}

fn prompt_password() -> Result<SecretString, Failure> {
    rpassword::prompt_password("Password: ")
        .map(SecretString::from)
        .map_err(|e| Failure::local("reading the password from the terminal", e))
}

/// A project argument: an id (32 hex digits) as it is, a name looked up.
pub(crate) async fn project_id(session: &Session, name_or_id: &str) -> Result<String, Failure> {
    if name_or_id.len() == 32 && name_or_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(name_or_id.to_owned());
    }
    Ok(session.project(name_or_id).await?.id)
}
