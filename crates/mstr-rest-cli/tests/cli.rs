//! `mstr` end to end: the binary against an in-process emulator — every command, every exit
//! code, extracts read back, a push read back, saved sessions, secret references.

use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicU32, Ordering};

use assert_cmd::Command;
use futures_util::TryStreamExt;
use mstr_rest::prelude::*;
use mstr_rest_emulator::{Emulator, Fault, ReportSpec};

const PROJECT: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const BIG: &str = "B16B16B16B16B16B16B16B16B16B16B1";
const CUBE: &str = "C0BE0000000000000000000000000001";

/// A home of its own per test: config, cache and saved sessions never shared.
struct Home(PathBuf);

impl Home {
    fn new() -> Home {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mstr-cli-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Home(dir)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// `mstr` with only this home's environment: no MSTR_* from the caller's shell.
    fn mstr(&self) -> Command {
        let mut cmd = Command::cargo_bin("mstr").unwrap();
        cmd.env_clear()
            .env("HOME", &self.0)
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd
    }

    fn session_file(&self, profile: &str) -> PathBuf {
        self.path(&format!("cache/mstr/sessions/{profile}.json"))
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn as_dave<'c>(cmd: &'c mut Command, emulator: &Emulator) -> &'c mut Command {
    cmd.env("MSTR_BASE_URL", emulator.base_url())
        .env("MSTR_USERNAME", "dave")
        .env("MSTR_PASSWORD", "hellodave")
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

async fn library_rows(emulator: &Emulator, id: &str) -> Vec<mstr_rest::reports::Row> {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session
        .report(id)
        .project(PROJECT)
        .rows()
        .try_collect()
        .await
        .unwrap()
}

#[test]
fn help_names_every_command_with_an_example_and_the_exit_codes() {
    let home = Home::new();
    let (code, out, _) = run(home.mstr().arg("--help"));
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes:") && out.contains("7  a credential source failed"));
    for command in [
        "login",
        "logout",
        "whoami",
        "session",
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "projects",
        "search",
        "ls",
        "report",
        "cube",
        "push",
        "publish",
        "completions",
    ] {
        assert!(out.contains(command), "--help lists {command}");
        let (code, help, _) = run(home.mstr().args([command, "--help"]));
        assert_eq!(code, 0, "{command} --help");
        assert!(
            help.contains("Example"),
            "{command} --help has an example: {help}"
        );
    }
    let (code, _, err) = run(home.mstr().arg("--no-such-flag"));
    assert_eq!(code, 2, "usage errors exit 2: {err}");
    let (code, out, _) = run(home.mstr().args(["completions", "bash"]));
    assert_eq!(code, 0);
    assert!(out.contains("_mstr"), "a bash completion function");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_saves_a_private_session_that_later_commands_reuse() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).arg("login"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("logged in as Dave Bowman"), "{err}");
    let file = home.session_file("default");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the user may read the saved session");
    }
    let logins = emulator.logins();
    // No credentials at all now: the saved session does the work.
    let (code, out, err) = run(home.mstr().arg("whoami"));
    assert_eq!(code, 0, "{err}");
    let me: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(me["fullName"], "Dave Bowman");
    let (code, out, _) = run(home.mstr().arg("session"));
    assert_eq!(code, 0);
    assert!(out.contains("Dave Bowman"), "{out}");
    assert_eq!(emulator.logins(), logins, "no new login");
    assert_eq!(emulator.logouts(), 0, "a saved session stays open");

    // Expired on the server: without credentials, exit 3 and say what to do …
    emulator.expire_all_sessions();
    let (code, _, err) = run(home.mstr().arg("whoami"));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("mstr login"), "{err}");
    // … with them, log in again and save the new session.
    let before = std::fs::read_to_string(&file).unwrap();
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).arg("whoami"));
    assert_eq!(code, 0, "{err}");
    assert_ne!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "saved again"
    );
    let (code, _, _) = run(home.mstr().arg("whoami"));
    assert_eq!(code, 0, "the renewed session is reused");

    let (code, _, err) = run(home.mstr().arg("logout"));
    assert_eq!(code, 0, "{err}");
    assert!(!file.exists());
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_without_a_saved_session_logs_in_and_out() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    let (code, out, err) = run(as_dave(&mut home.mstr(), &emulator).args(["projects", "--json"]));
    assert_eq!(code, 0, "{err}");
    let projects: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(projects[0]["name"], "MicroStrategy Tutorial");
    assert!(!out.contains("\n  "), "compact JSON in a pipe");
    assert_eq!((emulator.logins(), emulator.logouts()), (1, 1));
    assert!(!home.session_file("default").exists(), "nothing saved");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_failure_has_its_exit_code() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    // 3: refused.
    let (code, _, err) = run(home.mstr().args([
        "--base-url",
        &emulator.base_url(),
        "--username",
        "dave",
        "--password",
        "wrong",
        "whoami",
    ]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("ERR003") && err.contains("warning: a password on the command line"),
        "{err}"
    );
    // 4: not found.
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "report",
        "00000000000000000000000000000000",
        "--project",
        PROJECT,
    ]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("ERR004"), "{err}");
    // 5: the server failed.
    emulator.inject(Fault::path("projects").respond_api(500, "ERR001", "The server blew up", None));
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).arg("projects"));
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("ERR001") && err.contains("ticket"),
        "code and ticket id: {err}"
    );
    // 6: nobody listens.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (code, _, err) = run(home
        .mstr()
        .args([
            "--base-url",
            &format!("http://127.0.0.1:{closed}/MicroStrategyLibrary/api/"),
            "--username",
            "dave",
            "--password",
            "env:P",
            "whoami",
        ])
        .env("P", "x"));
    assert_eq!(code, 6, "{err}");
    // 7: the credential source failed.
    let (code, _, err) = run(home.mstr().args([
        "--base-url",
        &emulator.base_url(),
        "--username",
        "dave",
        "--password",
        "env:MSTR_TEST_UNSET_PASSWORD",
        "whoami",
    ]));
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains("MSTR_TEST_UNSET_PASSWORD"),
        "names the source: {err}"
    );
    // 2: usage the library sees (a bad --filter), and no server at all.
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "report",
        BIG,
        "--project",
        PROJECT,
        "--filter",
        "{nope",
    ]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(home.mstr().arg("projects"));
    assert_eq!(code, 3, "not logged in: {err}");
    let (code, _, err) =
        run(home
            .mstr()
            .args(["--username", "dave", "--password", "env:X", "projects"]));
    assert_eq!(code, 2, "no --base-url: {err}");
    assert!(err.contains("--base-url"), "{err}");
    // -v adds tracing and causes.
    let (code, _, err) = run(home
        .mstr()
        .args([
            "-v",
            "--base-url",
            &format!("http://127.0.0.1:{closed}/MicroStrategyLibrary/api/"),
            "--username",
            "dave",
            "--password",
            "env:P",
            "whoami",
        ])
        .env("P", "x"));
    assert_eq!(code, 6);
    assert!(err.contains("caused by"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_calls_send_queries_headers_and_bodies() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    let (code, out, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "get",
        "searches/results",
        "--project",
        "MicroStrategy Tutorial",
        "-q",
        "name=Revenue",
        "-q",
        "pattern=4",
        "-H",
        "X-Test: yes",
        "-i",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with("200 OK\n"),
        "status and headers on stderr with -i: {err}"
    );
    let found: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(found["result"][0]["name"], "Revenue by Region");
    let sent = emulator
        .requests()
        .into_iter()
        .find(|r| r.path == "searches/results")
        .unwrap();
    assert_eq!(sent.header("x-test"), Some("yes"));
    assert_eq!(
        sent.header("x-mstr-projectid"),
        Some(PROJECT),
        "the name became the id"
    );
    assert!(sent.query.as_deref().unwrap().contains("name=Revenue"));

    let body = home.path("body.json");
    std::fs::write(&body, r#"{"username": "frank", "fullName": "Frank Poole"}"#).unwrap();
    let (code, out, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "post",
        "users",
        "--data",
        &format!("@{}", body.display()),
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Frank Poole"));
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator)
        .args(["post", "users", "--data", "-"])
        .write_stdin("not json"));
    assert_eq!(code, 2, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn browsing_lists_projects_search_results_and_folders() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    let (code, out, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "search",
        "Overview",
        "--type",
        "dossier",
        "--project",
        PROJECT,
    ]));
    assert_eq!(code, 0, "{err}");
    let found: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(found[0]["name"], "Executive Overview");
    let (code, out, _) =
        run(as_dave(&mut home.mstr(), &emulator).args(["ls", "--project", PROJECT]));
    assert_eq!(code, 0);
    assert!(out.contains("Public Objects"));
    let (code, out, _) = run(as_dave(&mut home.mstr(), &emulator).args([
        "ls",
        "D3C7D461F69C4610AA6BAA5EF51F4125",
        "--project",
        PROJECT,
        "--json",
    ]));
    assert_eq!(code, 0);
    assert!(out.contains("Customer List"));
}

fn big_report() -> mstr_rest_emulator::EmulatorBuilder {
    Emulator::builder().report(ReportSpec::new(BIG, "Hundred thousand").rows(100_000))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_100000_row_report_to_csv_and_parquet_equals_the_library_rows() {
    let emulator = big_report().start().await;
    let home = Home::new();
    let expected = library_rows(&emulator, BIG).await;
    assert_eq!(expected.len(), 100_000);

    let csv = home.path("big.csv");
    let (code, out, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "report",
        BIG,
        "--project",
        "MicroStrategy Tutorial",
        "-o",
        csv.to_str().unwrap(),
        "--page-size",
        "20000",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("wrote 100000 rows"), "{err}");
    assert!(
        !err.contains("rows/s") && !err.contains('\r'),
        "no progress bar in a pipe: {err}"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 100_001);
    let first = &expected[0];
    let line: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(line[0].trim_matches('"'), first.attribute_at(0).unwrap());

    let parquet = home.path("big.parquet");
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "report",
        BIG,
        "--project",
        PROJECT,
        "-o",
        parquet.to_str().unwrap(),
        "--compression",
        "snappy",
        "--row-group-rows",
        "30000",
        "--quiet",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "--quiet: {err}");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&parquet).unwrap(),
    )
    .unwrap();
    assert_eq!(
        reader.metadata().num_row_groups(),
        4,
        "row groups bounded at 30,000 rows"
    );
    let written: Vec<arrow_array::RecordBatch> =
        reader.build().unwrap().map(Result::unwrap).collect();
    let from_library = library_batches(&emulator, BIG).await;
    assert_eq!(written[0].schema(), from_library[0].schema());
    let (ours, theirs) = (cells(&written), cells(&from_library));
    assert_eq!(ours.len(), 100_000);
    assert!(ours == theirs, "the same values, row by row");
}

async fn library_batches(emulator: &Emulator, id: &str) -> Vec<arrow_array::RecordBatch> {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session
        .report(id)
        .project(PROJECT)
        .record_batches()
        .try_collect()
        .await
        .unwrap()
}

/// Every cell as one-value array data, in row order: batches cut at other rows compare equal.
fn cells(batches: &[arrow_array::RecordBatch]) -> Vec<Vec<arrow_array::ArrayRef>> {
    let mut rows = Vec::new();
    for b in batches {
        for i in 0..b.num_rows() {
            rows.push(b.columns().iter().map(|c| c.slice(i, 1)).collect());
        }
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cube_extracts_to_arrow_ipc_and_json_lines() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    let ipc = home.path("cube.arrow");
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "cube",
        CUBE,
        "--project",
        PROJECT,
        "-o",
        ipc.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{err}");
    let reader =
        arrow_ipc::reader::StreamReader::try_new(std::fs::File::open(&ipc).unwrap(), None).unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 1_000);
    let (code, out, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "cube",
        CUBE,
        "--project",
        PROJECT,
        "--format",
        "jsonl",
        "-o",
        "-",
    ]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1_000);
    assert!(lines[0].as_object().unwrap().len() >= 2);
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "cube",
        CUBE,
        "--project",
        PROJECT,
        "-o",
        home.path("x.xlsx").to_str().unwrap(),
    ]));
    assert_eq!(code, 2, "an unknown extension: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_push_is_read_back_from_the_server() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    let csv = home.path("sales.csv");
    let mut text = String::from("Region,Units,Revenue\n");
    for i in 0..2_500 {
        text.push_str(&format!("R{},{},{}.5\n", i % 7, i, i));
    }
    std::fs::write(&csv, text).unwrap();
    let (code, out, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "push",
        csv.to_str().unwrap(),
        "--dataset",
        "Sales",
        "--table",
        "SALES",
        "--project",
        PROJECT,
        "--chunk-rows",
        "1000",
    ]));
    assert_eq!(code, 0, "{err}");
    let id: String = serde_json::from_str(&out).unwrap();
    let rows = emulator.dataset_rows(&id, "SALES").unwrap();
    assert_eq!(rows.len(), 2_500);
    assert_eq!(
        rows[3],
        vec![
            serde_json::json!("R3"),
            serde_json::json!(3),
            serde_json::json!(3.5)
        ]
    );
    assert!(err.contains("pushed 2500 rows in 3 chunks"), "{err}");

    // A bad value past the rows used for inference fails the push; the upload is discarded.
    let bad = home.path("bad.csv");
    let mut text = String::from("Id,Amount\n");
    for i in 0..1_500 {
        text.push_str(&format!("{i},{i}\n"));
    }
    text.push_str("1500,oops\n");
    std::fs::write(&bad, text).unwrap();
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "push",
        bad.to_str().unwrap(),
        "--dataset-id",
        &id,
        "--table",
        "SALES",
        "--project",
        PROJECT,
        "--policy",
        "add",
        "--chunk-rows",
        "1000",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("row 1501, column Amount"), "{err}");
    assert_eq!(
        emulator.dataset_rows(&id, "SALES").unwrap().len(),
        2_500,
        "nothing half pushed"
    );
    assert!(!emulator.has_upload_session(&id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parquet_push_is_read_back_and_a_bad_column_is_named() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, BinaryArray, Float64Array, Int64Array, RecordBatch, StringArray};
    let emulator = Emulator::start().await;
    let home = Home::new();
    let write = |name: &str, columns: Vec<(&str, ArrayRef)>| {
        let path = home.path(name);
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            batch.schema(),
            None,
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        path
    };
    let good = write(
        "sales.parquet",
        vec![
            (
                "Id",
                Arc::new(Int64Array::from_iter_values(0..3_000)) as ArrayRef,
            ),
            (
                "Name",
                Arc::new(StringArray::from_iter_values(
                    (0..3_000).map(|i| format!("n{i}")),
                )),
            ),
            (
                "Revenue",
                Arc::new(Float64Array::from_iter_values(
                    (0..3_000).map(|i| f64::from(i) / 2.0),
                )),
            ),
        ],
    );
    let push = |file: &std::path::Path| {
        let mut cmd = home.mstr();
        as_dave(&mut cmd, &emulator).args([
            "push",
            file.to_str().unwrap(),
            "--dataset",
            "Sales",
            "--table",
            "T",
            "--project",
            PROJECT,
            "--chunk-rows",
            "1000",
        ]);
        run(&mut cmd)
    };
    let (code, out, err) = push(&good);
    assert_eq!(code, 0, "{err}");
    let id: String = serde_json::from_str(&out).unwrap();
    let rows = emulator.dataset_rows(&id, "T").unwrap();
    assert_eq!(rows.len(), 3_000);
    assert_eq!(
        rows[2_999],
        vec![
            serde_json::json!(2_999),
            serde_json::json!("n2999"),
            serde_json::json!(1_499.5)
        ]
    );
    assert!(err.contains("pushed 3000 rows in 3 chunks"), "{err}");

    let bad = write(
        "blob.parquet",
        vec![(
            "Blob",
            Arc::new(BinaryArray::from_vec(vec![b"x"])) as ArrayRef,
        )],
    );
    let (code, _, err) = push(&bad);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("column \"Blob\" is Binary"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_waits_until_the_cube_is_published() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    let (code, out, err) = run(as_dave(&mut home.mstr(), &emulator).args([
        "publish",
        CUBE,
        "--project",
        PROJECT,
        "--wait",
    ]));
    assert_eq!(code, 0, "{err}");
    let done: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        done["states"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("ready"))
    );
    assert!(emulator.count("HEAD", &format!("cubes/{CUBE}")) >= 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn profiles_and_local_secret_references_resolve() {
    let emulator = Emulator::start().await;
    let home = Home::new();
    let secret = home.path("pw");
    std::fs::write(&secret, "hellodave\n").unwrap();
    std::fs::create_dir_all(home.path("config/mstr")).unwrap();
    std::fs::write(
        home.path("config/mstr/config.toml"),
        format!(
            "[profiles.tutorial]\nbase_url = \"{}\"\nusername = \"env:WHO\"\npassword = \"file:{}\"\n",
            emulator.base_url(),
            secret.display()
        ),
    )
    .unwrap();
    let (code, out, err) = run(home
        .mstr()
        .args(["--profile", "tutorial", "whoami"])
        .env("WHO", "dave"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Dave Bowman"));
    assert!(
        !err.contains("warning"),
        "no plain password was typed: {err}"
    );
    let (code, _, err) = run(home
        .mstr()
        .args(["--profile", "tutorial", "login"])
        .env("WHO", "dave"));
    assert_eq!(code, 0, "{err}");
    assert!(home.session_file("tutorial").exists());
    assert!(!home.session_file("default").exists(), "per profile");
    let (code, _, err) = run(home.mstr().args(["--profile", "../etc", "whoami"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(as_dave(&mut home.mstr(), &emulator)
        .args(["--password-stdin", "whoami"])
        .env_remove("MSTR_PASSWORD")
        .write_stdin("hellodave\n"));
    assert_eq!(code, 0, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aws_secrets_manager_reference_resolves_against_moto() {
    let Ok(endpoint) = std::env::var("MSTR_REST_MOTO_ENDPOINT") else {
        assert!(
            std::env::var("MSTR_REST_REQUIRE_MOTO").as_deref() != Ok("1"),
            "moto is required but MSTR_REST_MOTO_ENDPOINT is unset"
        );
        eprintln!("skipped: set MSTR_REST_MOTO_ENDPOINT (see .ci/moto.sh)");
        return;
    };
    use mstr_rest::aws::aws_sdk_secretsmanager as sm;
    let config = sm::Config::builder()
        .behavior_version(sm::config::BehaviorVersion::latest())
        .region(sm::config::Region::new("us-east-1"))
        .credentials_provider(sm::config::Credentials::new(
            "AKID", "SECRET", None, None, "moto",
        ))
        .endpoint_url(&endpoint)
        .build();
    let name = format!("mstr-cli/{}", std::process::id());
    sm::Client::from_conf(config)
        .create_secret()
        .name(&name)
        .secret_string(r#"{"username": "dave", "password": "hellodave"}"#)
        .send()
        .await
        .unwrap();
    let emulator = Emulator::start().await;
    let home = Home::new();
    let (code, out, err) = run(home
        .mstr()
        .args([
            "--base-url",
            &emulator.base_url(),
            "--username",
            &format!("aws-sm:{name}#username"),
            "--password",
            &format!("aws-sm:{name}#password"),
            "whoami",
        ])
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "AKID")
        .env("AWS_SECRET_ACCESS_KEY", "SECRET")
        .env("AWS_REGION", "us-east-1"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Dave Bowman"));
    assert!(
        !err.contains("warning"),
        "a reference is not a plain password: {err}"
    );
}
