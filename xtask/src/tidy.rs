//! Tree rules that `cargo test --workspace` enforces (rust-analyzer's tidy, as tests).
#![cfg(test)]

use std::fs;
use std::path::{Path, PathBuf};

use crate::project_root;

/// The only files allowed to call `expose_secret()`, each for one deliberate reason.
const EXPOSE_ALLOWED: &[&str] = &[
    // building the auth/login and auth/delegate bodies
    "crates/mstr-rest-session/src/credentials.rs",
    // the user name and base URL resolved from sources are not secrets once resolved
    "crates/mstr-rest-session/src/authenticated.rs",
    // the user name of a re-login, resolved from its source (a name, not a secret)
    "crates/mstr-rest-session/src/relogin.rs",
    // the identity token checked by GET auth/identityToken goes in a sensitive header
    "crates/mstr-rest-session/src/session.rs",
    // to_json: the documented, deliberate exposure
    "crates/mstr-rest-session/src/persist.rs",
    // parsing a JSON secret's text into fields
    "crates/mstr-rest-session/src/source/json.rs",
    // building the sensitive X-MSTR-AuthToken header value
    "crates/mstr-rest-session/src/auth.rs",
    // building the sensitive Cookie header value
    "crates/mstr-rest-session/src/cookies.rs",
    // the body of a database login's creation and password rotation (never logged)
    "crates/mstr-rest-api/src/datasources.rs",
    // the command line: a user name resolved from its reference (a name, not a secret)
    "crates/mstr-rest-cli/src/connect.rs",
    // only in its unit test, which checks what a file: reference resolved to
    "crates/mstr-rest-cli/src/secrets.rs",
    // Python: create_identity_token() returns the token the caller asked for
    "crates/mstr-rest-python/src/session.rs",
    // Python: a credential callable returns its value (the seed's provider model)
    "crates/mstr-rest-python/src/secrets.rs",
];

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    files(dir, "rs", &mut out);
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(project_root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn no_openssl_in_the_lock_file() {
    let lock = fs::read_to_string(project_root().join("Cargo.lock")).expect("Cargo.lock exists");
    for banned in ["openssl-sys", "native-tls"] {
        assert!(
            !lock.contains(&format!("name = \"{banned}\"")),
            "{banned} is in Cargo.lock: the project is rustls-only"
        );
    }
}

#[test]
fn members_inherit_lints_and_versions() {
    let mut manifests = Vec::new();
    files(&project_root().join("crates"), "toml", &mut manifests);
    files(&project_root().join("tools"), "toml", &mut manifests);
    manifests.push(project_root().join("xtask/Cargo.toml"));
    manifests.push(project_root().join("tests/Cargo.toml"));
    for manifest in manifests
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "Cargo.toml"))
    {
        let text = fs::read_to_string(manifest).expect("readable manifest");
        let name = relative(manifest);
        assert!(
            text.contains("[lints]\nworkspace = true"),
            "{name}: add `[lints] workspace = true`"
        );
        let mut section = "";
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line;
                continue;
            }
            if section.contains("dependencies") && !line.is_empty() && !line.starts_with('#') {
                assert!(
                    line.contains("workspace = true"),
                    "{name}: `{line}` pins a version; put it in the root [workspace.dependencies]"
                );
            }
        }
    }
}

#[test]
fn expose_secret_only_where_allowed() {
    for file in rust_files(&project_root().join("crates")) {
        let name = relative(&file);
        if name.contains("/tests") || name.ends_with("tests.rs") || name.contains("/examples/") {
            continue;
        }
        let text = fs::read_to_string(&file).expect("readable source");
        if text.contains(".expose_secret()") {
            assert!(
                EXPOSE_ALLOWED.contains(&name.as_str()),
                "{name}: expose_secret() outside the allow-list (STYLE.md §7)"
            );
        }
    }
}

#[test]
fn libraries_do_not_print() {
    for file in rust_files(&project_root().join("crates")) {
        let name = relative(&file);
        // The command line is a binary: printing is its job.
        let binary = name.contains("/src/bin/") || name.starts_with("crates/mstr-rest-cli/");
        if !name.contains("/src/") || binary || name.ends_with("tests.rs") {
            continue;
        }
        let text = fs::read_to_string(&file).expect("readable source");
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for banned in ["println!(", "eprintln!(", "dbg!(", "print!("] {
                assert!(
                    !code.contains(banned),
                    "{name}:{}: {banned} in a library; use tracing",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn tests_do_not_ignore_or_sleep() {
    let root = project_root();
    let mut all = rust_files(&root.join("crates"));
    all.extend(rust_files(&root.join("tools")));
    all.extend(rust_files(&root.join("tests")));
    for file in all {
        let name = relative(&file);
        let text = fs::read_to_string(&file).expect("readable source");
        let in_tests = name.starts_with("tests/") || name.ends_with("tests.rs");
        assert!(
            !text.contains(&["#[", "ignore"].concat()),
            "{name}: no ignored tests; assert today's behaviour instead"
        );
        assert!(
            !text.contains(&["```", "ignore"].concat()),
            "{name}: no ignored doctests; use no_run or compile_fail"
        );
        if in_tests {
            for banned in ["thread::sleep", "time::sleep("] {
                assert!(
                    !text.contains(banned),
                    "{name}: {banned} in a test; synchronise on events, not time"
                );
            }
        }
    }
}

/// The crates that do arithmetic on numbers a server or a user picks (paging, Max-Age,
/// Retry-After, deadlines): clippy's `arithmetic_side_effects` keeps them checked or
/// saturating, and this rule keeps the lint switched on.
#[test]
fn number_handling_crates_lint_unchecked_arithmetic() {
    for krate in [
        "mstr-rest-error",
        "mstr-rest-core",
        "mstr-rest-session",
        "mstr-rest-api",
    ] {
        let lib = project_root().join("crates").join(krate).join("src/lib.rs");
        let text = fs::read_to_string(&lib).expect("the crate has a lib.rs");
        assert!(
            text.contains("#![cfg_attr(not(test), warn(clippy::arithmetic_side_effects))]"),
            "{krate}/src/lib.rs must warn on clippy::arithmetic_side_effects (CI denies warnings)"
        );
    }
}
