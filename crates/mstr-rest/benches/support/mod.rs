//! What the data and ceiling benchmarks share: each client process's runtime, its own
//! peak memory, reading its figure, and the push figure.

use std::process::Command;

#[path = "status.rs"]
mod status;

/// One child process's figure.
pub(crate) struct Run {
    pub(crate) rows_per_sec: f64,
    pub(crate) peak_kib: u64,
    /// The bytes it read, when it counts them.
    #[allow(dead_code, reason = "only the ceiling's download counts bytes")]
    pub(crate) bytes: Option<u64>,
}

/// Runs a child that prints `rows seconds peak_kib [bytes]`; `None` (and why) when it failed.
pub(crate) fn measure(command: &mut Command, expected_rows: u64) -> Option<Run> {
    let out = command.output().expect("the child starts");
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    if !out.status.success() || !(3..=4).contains(&fields.len()) {
        println!(
            "  run failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let rows: u64 = fields[0].parse().ok()?;
    assert_eq!(rows, expected_rows, "every row must arrive");
    let seconds: f64 = fields[1].parse().ok()?;
    Some(Run {
        rows_per_sec: rows as f64 / seconds,
        peak_kib: fields[2].parse().ok()?,
        bytes: fields.get(3).and_then(|b| b.parse().ok()),
    })
}

/// Two workers, as on the CI machine's two cores.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// `VmHWM` (peak resident memory) from `/proc/self/status`, in KiB (0 where there is no
/// procfs).
pub(crate) fn peak_rss_kib() -> u64 {
    status::status_kib("VmHWM")
}

/// A child process's figure: creates a 3-column dataset (Id, Name, Revenue) at `base_url`
/// and pushes `rows` generated rows in chunks of `chunk`, published and waited for; prints
/// `rows seconds peak_kib`.
pub(crate) fn push_client(base_url: &str, project: &str, rows: u64, chunk: usize) {
    use mstr_rest::datasets::{DataType, DatasetModel, DatasetsApi, TableSchema};
    use mstr_rest::{Credentials, Session};
    let (pushed, seconds) = runtime().block_on(async {
        let session = Session::builder(base_url).build().expect("a session");
        session
            .login(Credentials::standard("dave", "hellodave"))
            .await
            .expect("login");
        let started = std::time::Instant::now();
        let model = DatasetModel::new("Bench")
            .table(
                TableSchema::new("T")
                    .column("Id", DataType::BigInteger)
                    .column("Name", DataType::String)
                    .column("Revenue", DataType::Double),
            )
            .attribute_column("Id", "T", "Id")
            .attribute_column("Name", "T", "Name")
            .metric_column("Revenue", "T", "Revenue");
        let dataset = session
            .datasets(project)
            .create(&model)
            .await
            .expect("a dataset");
        let generated =
            futures_util::stream::iter((0..rows).map(|i| (i, format!("n{i}"), i as f64 * 0.5)));
        let summary = dataset
            .upload("T")
            .chunk_rows(chunk)
            // the emulator answers "running" a fixed number of times, and the Python loops
            // poll without pausing: poll as fast, so the figure is the upload's
            .publish_poll(
                std::time::Duration::from_millis(1),
                std::time::Duration::from_millis(1),
            )
            .push(generated)
            .await
            .expect("the push");
        (summary.rows, started.elapsed().as_secs_f64())
    });
    println!("{pushed} {seconds} {}", peak_rss_kib());
}
