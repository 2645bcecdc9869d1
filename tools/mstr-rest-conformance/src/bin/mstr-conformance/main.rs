//! `mstr-conformance`: checks mstr-rest against the Python `mstr-rest-requests` on the wire, and
//! mstr-rest-emulator against its OpenAPI contract. `cargo xtask conformance` builds and runs
//! it; `docs/conformance.md` explains what it does and holds its latest output.
//!
//! The run: a venv with the pinned Python packages (`python/requirements.txt`, kept under
//! `target/conformance/venv`), the standalone emulator with its control routes
//! (`mstr-emulator --port 0 --admin`), the Python driver (`python/driver.py`) and the Rust
//! driver (`rust_driver.rs`). For each scenario the emulator is reset, the Python driver runs
//! it, the recorded exchanges are fetched, the emulator is reset again and the Rust driver runs
//! it; the two sides are then compared (`compare.rs`). Last, every response is checked against
//! `openapi.yaml` (`python/validate.py`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde_json::{Value, json};

mod compare;
mod emulator;
mod probes;
mod python;
mod report;
mod rust_driver;
mod scenarios;
mod wire;

#[cfg(test)]
mod tests;

use compare::{Side, Verdict};
use emulator::{Control, Standalone};
use python::{Driver, Venv};
use report::Row;
use rust_driver::Reply;
use scenarios::{Kind, SCENARIOS, Scenario};
use wire::{Exchange, Secrets, Sent, WireRequest};

const USAGE: &str = "\
usage: mstr-conformance [options]

Runs every scenario with the Python mstr-rest-requests and with mstr-rest against the standalone
emulator, compares what they sent and what they got, and checks every emulator response against
crates/mstr-rest-emulator/openapi.yaml. Exits 1 on an unexpected difference or a contract failure.

options:
  --emulator PATH   the mstr-emulator binary (default: next to this one)
  --python PATH     the Python that creates the venv (default: python3)
  --venv DIR        where the venv lives (default: target/conformance/venv)
  --package-python PATH
                    the Python with this project's package, mstr_rest, installed (default:
                    target/py-venv/bin/python, which `bash .ci/python.sh` builds); the scenarios
                    also run through it. Without it they are skipped, unless CI is set.
  --scenario TEXT   run only the scenarios whose name contains TEXT (the contract's coverage
                    check is then skipped)
  --bless           write the report to docs/conformance.md
  -v, --verbose     print both sides' requests for every scenario
  -h, --help        this text";

#[derive(Debug)]
struct Options {
    emulator: PathBuf,
    python: String,
    venv: PathBuf,
    package_python: PathBuf,
    only: Option<String>,
    bless: bool,
    verbose: bool,
}

/// The workspace root (this crate lives in `tools/mstr-rest-conformance`).
fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&root).unwrap_or(root)
}

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("mstr-emulator")))
        .unwrap_or_else(|| PathBuf::from("mstr-emulator"));
    let mut options = Options {
        emulator: sibling,
        python: "python3".to_owned(),
        venv: root().join("target/conformance/venv"),
        package_python: root().join("target/py-venv/bin/python"),
        only: None,
        bless: false,
        verbose: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--emulator" => options.emulator = PathBuf::from(value("--emulator")?),
            "--python" => options.python = value("--python")?,
            "--venv" => options.venv = PathBuf::from(value("--venv")?),
            "--package-python" => {
                options.package_python = PathBuf::from(value("--package-python")?);
            }
            "--scenario" => options.only = Some(value("--scenario")?),
            "--bless" => options.bless = true,
            "-v" | "--verbose" => options.verbose = true,
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("mstr-conformance: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mstr-conformance: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("mstr-conformance: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Both drivers' view of the emulator, plus the exchanges collected for the contract check.
struct Bench<'a> {
    emulator: &'a Standalone,
    control: Control,
    python: Driver,
    /// The same driver on `mstr_rest.requests` (this project's Python package).
    package: Option<Driver>,
    exchanges: Vec<Value>,
    verbose: bool,
}

impl Bench<'_> {
    /// Fetches the exchanges since the last reset, tagged for the contract check.
    async fn collect(&mut self, tag: &str) -> Result<Vec<Exchange>, String> {
        let exchanges = self.control.exchanges().await?;
        for exchange in &exchanges {
            let mut raw = exchange.raw.clone();
            raw["scenario"] = json!(tag);
            self.exchanges.push(raw);
        }
        Ok(exchanges)
    }

    /// Blocks the (single-threaded) runtime while Python works: nothing else needs to run
    /// meanwhile, since the emulator is another process. `async` only to mirror `run_rust`.
    async fn run_python(&mut self, driver: &str, input: Option<&str>) -> Result<Reply, String> {
        self.python.run(driver, &self.emulator.base_url, input)
    }

    async fn run_rust(&mut self, driver: &str, input: Option<&str>) -> Result<Reply, String> {
        rust_driver::run(driver, &self.emulator.base_url, input).await
    }

    async fn differential(&mut self, scenario: &Scenario) -> Result<Row, String> {
        self.control.reset().await?;
        self.control.setup(scenario.setup).await?;
        let python_reply = self.run_python(scenario.driver, None).await?;
        let python_exchanges = self.collect(&format!("{} (python)", scenario.name)).await?;

        self.control.reset().await?;
        self.control.setup(scenario.setup).await?;
        let rust_reply = self.run_rust(scenario.driver, None).await?;
        let rust_exchanges = self.collect(&format!("{} (rust)", scenario.name)).await?;

        let python = side(&python_exchanges, python_reply.steps, Secrets::default());
        let rust = side(&rust_exchanges, rust_reply.steps, Secrets::default());
        if self.verbose {
            show(scenario.name, &python, &rust);
        }
        // The package is the Rust core under the seed's API: against the seed it must show
        // exactly the differences the Rust library shows.
        let package = match self.package.as_mut() {
            None => None,
            Some(driver) => {
                self.control.reset().await?;
                self.control.setup(scenario.setup).await?;
                let reply = driver.run(scenario.driver, &self.emulator.base_url, None)?;
                let exchanges = self
                    .collect(&format!("{} (mstr_rest python)", scenario.name))
                    .await?;
                let ours = side(&exchanges, reply.steps, Secrets::default());
                if self.verbose {
                    show(scenario.name, &python, &ours);
                }
                Some((
                    ours.sent.len(),
                    compare::compare(&python, &ours, scenario.expected),
                ))
            }
        };
        Ok(Row {
            scenario: *scenario,
            python_requests: python.sent.len(),
            rust_requests: rust.sent.len(),
            verdict: compare::compare(&python, &rust, scenario.expected),
            package,
        })
    }

    /// One library logs in and saves the session; the other restores it and calls with it.
    async fn handoff(&mut self, scenario: &Scenario, python_first: bool) -> Result<Row, String> {
        let (first, second) = if python_first {
            ("python", "rust")
        } else {
            ("rust", "python")
        };
        self.control.reset().await?;
        let saved = if python_first {
            self.run_python("handoff_login_dump", None).await?
        } else {
            self.run_rust("handoff_login_dump", None).await?
        };
        let first_exchanges = self
            .collect(&format!("{} ({first})", scenario.name))
            .await?;
        self.control.clear().await?;
        let dump = saved.output.clone().unwrap_or_default();
        let used = if python_first {
            self.run_rust("handoff_load_call", Some(&dump)).await?
        } else {
            self.run_python("handoff_load_call", Some(&dump)).await?
        };
        let second_exchanges = self
            .collect(&format!("{} ({second})", scenario.name))
            .await?;

        // One naming of secrets across both halves: the second must use the first's.
        let mut secrets = Secrets::default();
        secrets.learn(&first_exchanges);
        secrets.learn(&second_exchanges);
        let sent = |exchanges: &[Exchange]| -> Vec<WireRequest> {
            exchanges
                .iter()
                .map(|e| WireRequest::from_exchange(e, &secrets))
                .collect()
        };
        let (saver, user) = (sent(&first_exchanges), sent(&second_exchanges));
        let mut verdict = Verdict::default();
        for step in saved.steps.iter().chain(&used.steps) {
            if step["ok"] != true {
                verdict.problems.push(format!("step failed: {step}"));
            }
        }
        if saved.output.is_none() {
            verdict
                .problems
                .push(format!("the {first} driver saved no session"));
        }
        if user.is_empty() {
            verdict
                .problems
                .push(format!("the {second} driver sent nothing with the session"));
        }
        for request in &user {
            let token = request.token();
            let cookie = request.cookies.get("JSESSIONID").map(String::as_str);
            if token != Some("<token 1>") || cookie != Some("<cookie 1>") {
                verdict.problems.push(format!(
                    "{second} did not use the session {first} saved (token {token:?}, cookie {cookie:?}): {request}"
                ));
            }
        }
        if self.verbose {
            println!("    {first} (saves):");
            for r in &saver {
                println!("      {r}");
            }
            println!("    {second} (restores):");
            for r in &user {
                println!("      {r}");
            }
        }
        let (python_requests, rust_requests) = if python_first {
            (saver.len(), user.len())
        } else {
            (user.len(), saver.len())
        };
        Ok(Row {
            scenario: *scenario,
            python_requests,
            rust_requests,
            verdict,
            package: None,
        })
    }
}

fn side(exchanges: &[Exchange], steps: Vec<Value>, mut secrets: Secrets) -> Side {
    secrets.learn(exchanges);
    let sent = exchanges
        .iter()
        .map(|e| Sent {
            request: WireRequest::from_exchange(e, &secrets),
            status: e.status,
        })
        .collect();
    Side {
        sent,
        steps,
        secrets,
    }
}

fn show(name: &str, python: &Side, rust: &Side) {
    println!("    {name}");
    for (label, side) in [("python", python), ("rust", rust)] {
        println!("      {label}:");
        for sent in &side.sent {
            println!("        {} -> {}", sent.request, sent.status);
        }
        for step in &side.steps {
            println!("        step {step}");
        }
    }
}

async fn run(options: &Options) -> Result<bool, String> {
    let started = Instant::now();
    let root = root();
    let python_dir = crate_dir().join("python");
    let openapi = root.join("crates/mstr-rest-emulator/openapi.yaml");
    let out_dir = root.join("target/conformance");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;

    let venv = Venv::ensure(
        &options.venv,
        &options.python,
        &python_dir.join("requirements.txt"),
    )?;
    let emulator = Standalone::spawn(&options.emulator)?;
    let mut control = Control::new(&emulator.origin)?;
    let served = control.openapi().await?;
    let on_disk = std::fs::read_to_string(&openapi)
        .map_err(|e| format!("cannot read {}: {e}", openapi.display()))?;
    if served != on_disk {
        return Err(format!(
            "{} serves another openapi.yaml than {}: rebuild it (cargo build -p mstr-rest-emulator)",
            options.emulator.display(),
            openapi.display()
        ));
    }
    let python = Driver::start(&venv, &python_dir.join("driver.py"))?;
    let known: Vec<&str> = python.greeting["scenarios"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for scenario in SCENARIOS {
        if scenario.kind == Kind::Differential && !known.contains(&scenario.driver) {
            return Err(format!(
                "the Python driver has no scenario {:?}",
                scenario.driver
            ));
        }
    }
    println!(
        "comparing with mstr-rest-requests {} (httpx {}, Python {}) on {}",
        python.greeting["mstr-rest-requests"]
            .as_str()
            .unwrap_or("?"),
        python.greeting["httpx"].as_str().unwrap_or("?"),
        python.greeting["python"].as_str().unwrap_or("?"),
        emulator.base_url
    );

    let package = if options.package_python.exists() {
        Some(Driver::start_package(
            &options.package_python,
            &python_dir.join("driver.py"),
        )?)
    } else if std::env::var_os("CI").is_some() {
        return Err(format!(
            "{} is missing: CI runs the scenarios through the Python package too (bash .ci/python.sh builds it)",
            options.package_python.display()
        ));
    } else {
        println!(
            "note: {} is missing, so the scenarios do not run through the Python package (bash .ci/python.sh)",
            options.package_python.display()
        );
        None
    };
    let mut bench = Bench {
        emulator: &emulator,
        control,
        python,
        package,
        exchanges: Vec::new(),
        verbose: options.verbose,
    };
    let selected: Vec<&Scenario> = SCENARIOS
        .iter()
        .filter(|s| options.only.as_deref().is_none_or(|o| s.name.contains(o)))
        .collect();
    if selected.is_empty() {
        return Err(format!("no scenario matches {:?}", options.only));
    }
    let mut rows = Vec::new();
    for scenario in selected {
        let row = match scenario.kind {
            Kind::Differential => bench.differential(scenario).await?,
            Kind::HandOff { python_first } => bench.handoff(scenario, python_first).await?,
        };
        let package = match &row.package {
            Some((n, v)) => format!(
                "  mstr_rest {n:>2}  {}",
                if v.matches() { "match" } else { "DIFFERENT" }
            ),
            None => String::new(),
        };
        println!(
            "  {:<34} python {:>2}  rust {:>2}  {}{package}",
            scenario.name,
            row.python_requests,
            row.rust_requests,
            if row.verdict.matches() {
                "match"
            } else {
                "DIFFERENT"
            }
        );
        rows.push(row);
    }

    bench.control.reset().await?;
    let (probes_sent, probe_problems) = probes::run(&emulator.base_url, &mut bench.control).await?;
    bench.collect("(contract probes)").await?;
    println!("  contract probes: {probes_sent} requests");
    let mut exchanges = std::mem::take(&mut bench.exchanges);
    exchanges.append(&mut bench.control.log);
    let exchanges_file = out_dir.join("exchanges.json");
    let file = json!({"origin": emulator.origin, "exchanges": exchanges});
    std::fs::write(&exchanges_file, file.to_string())
        .map_err(|e| format!("cannot write {}: {e}", exchanges_file.display()))?;
    let partial = options.only.is_some();
    let (contract, contract_ok) = venv.validate(
        &python_dir.join("validate.py"),
        &openapi,
        &exchanges_file,
        partial,
    )?;

    let document = report::document(&rows, &bench.python.greeting, &contract);
    let report_file = out_dir.join("report.md");
    std::fs::write(&report_file, &document)
        .map_err(|e| format!("cannot write {}: {e}", report_file.display()))?;
    println!("\n{}", report::table(&rows));
    println!(
        "contract: {} responses checked against {}; operations exercised {}/{}; mutants rejected {}/{}",
        contract["responses"],
        openapi.display(),
        contract["operations_exercised"],
        contract["operations"],
        contract["mutants_caught"],
        contract["mutants"],
    );

    let docs = root.join("docs/conformance.md");
    if options.bless {
        std::fs::create_dir_all(root.join("docs"))
            .and_then(|()| std::fs::write(&docs, &document))
            .map_err(|e| format!("cannot write {}: {e}", docs.display()))?;
        println!("wrote {}", docs.display());
    } else if !partial && std::fs::read_to_string(&docs).ok().as_deref() != Some(document.as_str())
    {
        println!(
            "note: docs/conformance.md differs from this run's report ({}): run `cargo xtask conformance --bless` to update it",
            report_file.display()
        );
    }

    let mut ok = contract_ok;
    for row in rows.iter().filter(|r| !r.matches()) {
        ok = false;
        eprintln!("\n{} ({}):", row.scenario.name, row.scenario.what);
        for problem in &row.verdict.problems {
            eprintln!("  {problem}");
        }
        for problem in row.package.iter().flat_map(|(_, v)| &v.problems) {
            eprintln!("  mstr_rest (Python package): {problem}");
        }
    }
    for problem in &probe_problems {
        ok = false;
        eprintln!("{problem}");
    }
    let failed = rows.iter().filter(|r| !r.matches()).count();
    let contract_passed = contract_ok && probe_problems.is_empty();
    println!(
        "{} scenarios, {failed} with unexpected differences; emulator contract {}; {:.1} s",
        rows.len(),
        if contract_passed { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    // The closing line CI reads: each scenario is one check, and the contract one more.
    let checks = rows.len() + 1;
    let failures = failed + usize::from(!contract_passed);
    println!(
        "conformance: {} passed, {failures} failed",
        checks - failures
    );
    Ok(ok)
}
