//! The Python side: a venv under `target/conformance/` with the pinned packages, the driver
//! process, and the contract validator.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

use crate::rust_driver::Reply;

/// The version of mstr-rest-requests the comparison is against (also pinned in
/// `python/requirements.txt`; the driver's greeting must name it).
pub(crate) const MSTR_REST_REQUESTS: &str = "2.3.1";

/// The environment variable that tells `driver.py` which library to import.
const LIBRARY_VAR: &str = "MSTR_CONFORMANCE_LIBRARY";

/// This project's Python package, as the driver imports it.
pub(crate) const PACKAGE: &str = "mstr_rest.requests";

/// A venv with the pinned packages, created or refreshed when `requirements.txt` changes.
pub(crate) struct Venv {
    pub(crate) python: PathBuf,
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}").replace('"', "");
    println!("$ {shown}");
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{shown}` failed ({status})")),
        Err(e) => Err(format!("cannot run `{shown}`: {e}")),
    }
}

/// FNV-1a of the requirements, so editing a pin reinstalls.
fn fingerprint(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

impl Venv {
    pub(crate) fn ensure(
        dir: &Path,
        base_python: &str,
        requirements: &Path,
    ) -> Result<Venv, String> {
        let python = dir.join("bin/python");
        let wanted = std::fs::read_to_string(requirements)
            .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
        let marker = dir.join(format!(".requirements-{}", fingerprint(&wanted)));
        if marker.exists() && python.exists() {
            println!("python venv {} is up to date", dir.display());
            return Ok(Venv { python });
        }
        if !python.exists() {
            run(Command::new(base_python).args(["-m", "venv"]).arg(dir))?;
        }
        run(Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(requirements))?;
        // Stale markers name older requirement sets.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".requirements-")
                {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        std::fs::write(&marker, &wanted)
            .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
        Ok(Venv { python })
    }

    /// Runs the contract validator; returns its JSON summary and whether it passed.
    /// `partial` (a filtered run) skips the coverage checks.
    pub(crate) fn validate(
        &self,
        script: &Path,
        openapi: &Path,
        exchanges: &Path,
        partial: bool,
    ) -> Result<(Value, bool), String> {
        let flag = if partial { "--partial " } else { "" };
        println!(
            "$ {} {} {flag}{} {}",
            self.python.display(),
            script.display(),
            openapi.display(),
            exchanges.display()
        );
        let output = Command::new(&self.python)
            .arg(script)
            .args(partial.then_some("--partial"))
            .arg(openapi)
            .arg(exchanges)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run the validator: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let summary = serde_json::from_str(text.trim())
            .map_err(|e| format!("the validator printed no summary ({e}): {text}"))?;
        Ok((summary, output.status.success()))
    }
}

/// The Python driver process, spoken to in JSON lines.
pub(crate) struct Driver {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pub(crate) greeting: Value,
}

impl Driver {
    pub(crate) fn start(venv: &Venv, script: &Path) -> Result<Driver, String> {
        Driver::start_with(&venv.python, script, None)
    }

    /// The same driver on this project's Python package (`mstr_rest.requests`), from the
    /// venv `.ci/python.sh` builds it into.
    pub(crate) fn start_package(python: &Path, script: &Path) -> Result<Driver, String> {
        let driver = Driver::start_with(python, script, Some(PACKAGE))?;
        if driver.greeting["library"] != PACKAGE {
            return Err(format!(
                "the driver under {} did not load {PACKAGE}: {}",
                python.display(),
                driver.greeting
            ));
        }
        Ok(driver)
    }

    fn start_with(python: &Path, script: &Path, library: Option<&str>) -> Result<Driver, String> {
        match library {
            Some(l) => println!(
                "$ {LIBRARY_VAR}={l} {} {}",
                python.display(),
                script.display()
            ),
            None => println!("$ {} {}", python.display(), script.display()),
        }
        let mut command = Command::new(python);
        if let Some(l) = library {
            command.env(LIBRARY_VAR, l);
        }
        let mut child = command
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the Python driver: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err("the Python driver's pipes are not captured".to_owned());
        };
        let mut driver = Driver {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            greeting: Value::Null,
        };
        driver.greeting = driver.read()?;
        let found = driver.greeting["mstr-rest-requests"]
            .as_str()
            .unwrap_or("?");
        if found != MSTR_REST_REQUESTS {
            return Err(format!(
                "the venv has mstr-rest-requests {found}, the comparison is pinned to {MSTR_REST_REQUESTS}"
            ));
        }
        Ok(driver)
    }

    fn read(&mut self) -> Result<Value, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err("the Python driver exited (its stderr is above)".to_owned()),
            Ok(_) => serde_json::from_str(&line).map_err(|e| {
                format!("the Python driver wrote a line that is not JSON ({e}): {line}")
            }),
            Err(e) => Err(format!("cannot read from the Python driver: {e}")),
        }
    }

    /// Runs one scenario and waits for its reply.
    pub(crate) fn run(
        &mut self,
        scenario: &str,
        base_url: &str,
        input: Option<&str>,
    ) -> Result<Reply, String> {
        let command = json!({"scenario": scenario, "base_url": base_url, "input": input});
        writeln!(self.stdin, "{command}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("cannot write to the Python driver: {e}"))?;
        let reply = self.read()?;
        if let Some(error) = reply["error"].as_str() {
            return Err(format!("the Python driver failed on {scenario}:\n{error}"));
        }
        let steps = reply["steps"]
            .as_array()
            .cloned()
            .ok_or_else(|| format!("the Python driver's reply has no steps: {reply}"))?;
        Ok(Reply {
            steps,
            output: reply["output"].as_str().map(str::to_owned),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Closing stdin ends its loop; kill is the fallback for a driver stuck mid-scenario.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
