//! Profiles (`$XDG_CONFIG_HOME/mstr/config.toml`) and saved sessions
//! (`$XDG_CACHE_HOME/mstr/sessions/<profile>.json`, readable by the user only).
//!
//! ```toml
//! [profiles.prod]
//! base_url = "https://env.example.com/MicroStrategyLibrary/api/"
//! mode = "standard"
//! username = "etl"
//! password = "aws-sm:prod/mstr#password"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::Mode;
use crate::failure::Failure;

/// One profile: every field may be a secret reference, except the mode.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub(crate) base_url: Option<String>,
    pub(crate) mode: Option<Mode>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) api_key: Option<String>,
    pub(crate) identity_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_<kind>_HOME`, else `$HOME/<fallback>`.
fn xdg(var: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home().map(|h| h.join(fallback)))
}

pub(crate) fn config_path() -> Option<PathBuf> {
    xdg("XDG_CONFIG_HOME", ".config").map(|d| d.join("mstr").join("config.toml"))
}

/// The profile `name`: an empty one when the file or the profile is absent (flags and
/// environment variables may give everything); an error when the file is broken.
pub(crate) fn profile(name: &str) -> Result<Profile, Failure> {
    let Some(path) = config_path() else {
        return Ok(Profile::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profile::default()),
        Err(e) => return Err(Failure::local(format!("reading {}", path.display()), e)),
    };
    let file: File = toml::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "{} is not a valid profile file: {e}",
            path.display()
        ))
    })?;
    Ok(file.profiles.get(name).cloned().unwrap_or_default())
}

/// A profile name is a file name: letters, digits, `-`, `_` and `.` only.
pub(crate) fn check_profile_name(name: &str) -> Result<(), Failure> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "the profile name {name:?} may hold only letters, digits, '-', '_' and '.'"
        )))
    }
}

pub(crate) fn session_path(profile: &str) -> Option<PathBuf> {
    xdg("XDG_CACHE_HOME", ".cache").map(|d| {
        d.join("mstr")
            .join("sessions")
            .join(format!("{profile}.json"))
    })
}

/// Writes the saved session so that only the user can read it: the file is created 0600
/// (and its directory 0700) before any byte of the session is written.
pub(crate) fn save_session(path: &Path, json: &str) -> Result<(), Failure> {
    use std::io::Write;
    let fail = |e| Failure::local(format!("saving the session to {}", path.display()), e);
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(fail)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(fail)?;
    #[cfg(unix)]
    {
        // An older file keeps its mode through open(): set it before writing the secret.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
    }
    file.write_all(json.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_are_file_names() {
        assert!(check_profile_name("prod-eu_1").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "a b"] {
            assert!(check_profile_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_profile_file_parses() {
        let file: File = toml::from_str(
            "[profiles.prod]\nbase_url = \"https://x/api/\"\nmode = \"api-key\"\napi_key = \"env:K\"\n",
        )
        .unwrap();
        let p = &file.profiles["prod"];
        assert_eq!(p.mode, Some(Mode::ApiKey));
        assert_eq!(p.api_key.as_deref(), Some("env:K"));
        assert!(toml::from_str::<File>("[profiles.x]\npasword = \"typo\"\n").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_saved_session_is_readable_by_the_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("mstr-cli-save-{}", std::process::id()));
        let path = dir.join("sessions").join("p.json");
        save_session(&path, "{}").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
