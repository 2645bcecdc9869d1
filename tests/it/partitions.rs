//! `.partitions(n)`: one instance split into page ranges that other sessions — other
//! processes — fetch; together they are exactly the one stream.

use futures_util::TryStreamExt;
use mstr_rest::Session;
use mstr_rest::reports::{Partition, Row};
use mstr_rest_emulator::ReportSpec;

use crate::data::{REPORT, query, serving};

/// A row as text, to compare rows fetched in different processes.
fn render(row: &Row) -> String {
    format!(
        "{}|{:?}|{:?}",
        row.index(),
        row.attributes().collect::<Vec<_>>(),
        row.metrics()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_cover_every_row_once_and_equal_the_stream() {
    let (_emulator, session) = serving(ReportSpec::new(REPORT, "Big").rows(100_000)).await;
    let whole: Vec<Row> = query(&session)
        .page_size(7_000)
        .rows()
        .try_collect()
        .await
        .unwrap();
    let parts = query(&session)
        .page_size(7_000)
        .partitions(4)
        .await
        .unwrap();
    assert_eq!(parts.len(), 4);
    // 15 pages of 7,000 split 4/4/4/3, back to back
    let rows: Vec<u64> = parts.iter().map(|p| p.rows).collect();
    assert_eq!(rows, [28_000, 28_000, 28_000, 16_000]);
    for pair in parts.windows(2) {
        assert_eq!(pair[0].offset + pair[0].rows, pair[1].offset);
    }
    // each fetched on a session restored from the saved one, as a worker would
    let saved = session.to_json().unwrap();
    let mut fetched = Vec::new();
    for part in &parts {
        let text = part.to_json().unwrap();
        let worker = Session::from_json(&saved).unwrap();
        let part = Partition::from_json(&text).unwrap();
        fetched.push(tokio::spawn(async move {
            part.rows(&worker).try_collect::<Vec<Row>>().await
        }));
    }
    let mut joined = Vec::new();
    for f in fetched {
        joined.extend(f.await.unwrap().unwrap());
    }
    assert_eq!(
        joined.iter().map(render).collect::<Vec<_>>(),
        whole.iter().map(render).collect::<Vec<_>>()
    );
}

const CHILD_PARTITION: &str = "MSTR_REST_TEST_PARTITION";
const CHILD_SESSION: &str = "MSTR_REST_TEST_SESSION";

/// The worker process of the test below: prints its partition's rows, one per line. Run
/// by it (this test binary again, with the partition and the saved session in its
/// environment); on its own it has nothing to fetch and returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_worker_process() {
    let (Ok(partition), Ok(saved)) = (std::env::var(CHILD_PARTITION), std::env::var(CHILD_SESSION))
    else {
        return;
    };
    let session = Session::from_json(&saved).unwrap();
    let partition = Partition::from_json(&partition).unwrap();
    let rows: Vec<Row> = partition.rows(&session).try_collect().await.unwrap();
    let mut out = String::from("\nROWS\n");
    for row in &rows {
        out.push_str(&render(row));
        out.push('\n');
    }
    out.push_str("END\n");
    print!("{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_partitions_fetched_in_four_processes_equal_the_stream() {
    let (_emulator, session) = serving(ReportSpec::new(REPORT, "Big").rows(40_000)).await;
    let whole: Vec<String> = query(&session)
        .page_size(5_000)
        .rows()
        .map_ok(|r| render(&r))
        .try_collect()
        .await
        .unwrap();
    let parts = query(&session)
        .page_size(5_000)
        .partitions(4)
        .await
        .unwrap();
    let saved = session.to_json().unwrap();
    let children: Vec<_> = parts
        .iter()
        .map(|p| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "partitions::partition_worker_process",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_PARTITION, p.to_json().unwrap())
                .env(CHILD_SESSION, &saved)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // the emulator serves on this runtime while the children run: wait off it
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let mut joined = Vec::new();
    for out in outputs {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "worker failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body = text
            .split("\nROWS\n")
            .nth(1)
            .and_then(|t| t.split("END\n").next())
            .unwrap_or_else(|| panic!("no rows in {text}"));
        joined.extend(body.lines().map(str::to_owned));
    }
    assert_eq!(joined.len(), 40_000);
    assert_eq!(joined, whole);
}

#[tokio::test]
async fn partitions_are_refused_or_capped_where_they_make_no_sense() {
    let (_emulator, session) = serving(ReportSpec::new(REPORT, "Small").rows(25)).await;
    let err = query(&session).partitions(0).await.unwrap_err();
    assert!(err.to_string().contains("at least one"), "{err}");
    // 25 rows in pages of 10: three pages, so at most three partitions
    let parts = query(&session).page_size(10).partitions(8).await.unwrap();
    assert_eq!(
        parts.iter().map(|p| p.rows).collect::<Vec<_>>(),
        [10, 10, 5]
    );
    assert!(parts.iter().all(|p| p.count == 3));
    let bad = Partition::from_json(
        &parts[0]
            .to_json()
            .unwrap()
            .replace("\"report\"", "\"chart\""),
    );
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("\"report\" or \"cube\"")
    );
    assert!(Partition::from_json("{}").is_err());
}

#[tokio::test]
async fn a_page_by_report_is_partitioned_by_slice_only() {
    let spec = ReportSpec::new(REPORT, "Paged")
        .rows(30)
        .page_by(&[("Category", 2)]);
    let (_emulator, session) = serving(spec).await;
    let err = query(&session).partitions(2).await.unwrap_err();
    assert!(err.to_string().contains("page-by"), "{err}");
}
