//! Report and cube data against the emulator: paging edges, server caps, 202 polls, prompts,
//! cubes, requested objects, eviction and CSV.

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use mstr_rest::prelude::*;
use mstr_rest::prompts::{PromptAnswer, PromptType};
use mstr_rest::reports::{ReportQuery, Row};
use mstr_rest_emulator::{Emulator, PromptSpec, ReportSpec};

const PROJECT: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
pub(crate) const REPORT: &str = "0A0B0C0D0E0F00010203040506070809";

async fn logged_in(emulator: &Emulator) -> Session {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session
}

/// An emulator serving `spec`, and a logged-in session on it.
pub(crate) async fn serving(spec: ReportSpec) -> (Emulator, Session) {
    let emulator = Emulator::builder().report(spec).start().await;
    let session = logged_in(&emulator).await;
    (emulator, session)
}

/// A query on the test report, polling fast.
pub(crate) fn query(session: &Session) -> ReportQuery {
    session
        .report(REPORT)
        .project(PROJECT)
        .poll_interval(Duration::from_millis(1), Duration::from_millis(5))
}

/// The emulator's documented generator: attribute `Row` has one element per row, `Region`
/// (attribute 1, 12 elements) element `(r + 1) % 12`; metric m is `((r(2m+3) + 7m) % 10000)/4`.
fn assert_generated(row: &Row, r: u64) {
    assert_eq!(row.index(), r);
    let id = (r + 1).to_string();
    assert_eq!(row.attribute("Row", "ID"), Some(id.as_str()), "row {r}");
    let region = format!("Region {}", (r + 1) % 12 + 1);
    assert_eq!(row.attribute("Region", "DESC"), Some(region.as_str()));
    let expected = |m: u64| ((r * (2 * m + 3) + 7 * m) % 10_000) as f64 / 4.0;
    assert_eq!(row.metric("Revenue"), Some(expected(0)));
    assert_eq!(row.metric("Units"), Some(expected(1)));
}

async fn all_rows(q: ReportQuery) -> Vec<Row> {
    q.rows().try_collect().await.unwrap()
}

fn data_gets(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("v2/reports/"))
        .map(|r| r.query.unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100k_row_report_arrives_once_in_order() {
    let (_emulator, session) = serving(ReportSpec::new(REPORT, "Big").rows(100_000)).await;
    let mut rows = query(&session).page_size(7_000).concurrency(4).rows();
    let mut n = 0u64;
    while let Some(row) = rows.try_next().await.unwrap() {
        assert_generated(&row, n);
        n += 1;
    }
    assert_eq!(n, 100_000);
}

#[tokio::test]
async fn an_empty_report_gives_one_empty_page_and_no_rows() {
    let (emulator, session) = serving(ReportSpec::new(REPORT, "Empty").rows(0)).await;
    let pages: Vec<_> = query(&session).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!((pages[0].len(), pages[0].total()), (0, 0));
    assert!(all_rows(query(&session)).await.is_empty());
    assert!(data_gets(&emulator).is_empty(), "no page after the first");
}

#[tokio::test]
async fn a_one_row_report_gives_that_row() {
    let (emulator, session) = serving(ReportSpec::new(REPORT, "One").rows(1)).await;
    let rows = all_rows(query(&session).page_size(10)).await;
    assert_eq!(rows.len(), 1);
    assert_generated(&rows[0], 0);
    assert!(data_gets(&emulator).is_empty());
}

#[tokio::test]
async fn an_exact_multiple_of_the_page_size_asks_for_no_extra_page() {
    let (emulator, session) = serving(ReportSpec::new(REPORT, "Exact").rows(3_000)).await;
    let pages: Vec<_> = query(&session)
        .page_size(1_000)
        .concurrency(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let offsets: Vec<u64> = pages.iter().map(|p| p.offset()).collect();
    assert_eq!(offsets, [0, 1_000, 2_000]);
    let mut gets = data_gets(&emulator);
    gets.sort();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert!(gets[0].contains("offset=1000") && gets[0].contains("limit=1000"));
    assert!(gets[1].contains("offset=2000"));
}

#[tokio::test]
async fn a_server_page_cap_below_the_limit_is_followed() {
    let spec = ReportSpec::new(REPORT, "Capped").rows(1_000).page_cap(300);
    let (_emulator, session) = serving(spec).await;
    let rows = all_rows(query(&session).page_size(1_000).concurrency(3)).await;
    assert_eq!(rows.len(), 1_000);
    for (r, row) in rows.iter().enumerate() {
        assert_generated(row, r as u64);
    }
}

#[tokio::test]
async fn a_running_instance_is_polled_until_ready() {
    let spec = ReportSpec::new(REPORT, "Slow").rows(10).running_polls(3);
    let (emulator, session) = serving(spec).await;
    let rows = all_rows(query(&session)).await;
    assert_eq!(rows.len(), 10);
    let post = &emulator.requests()[1];
    assert_eq!(post.method, "POST");
    assert!(
        post.headers
            .iter()
            .any(|(k, v)| k == "prefer" && v == "respond-async")
    );
    assert_eq!(
        data_gets(&emulator).len(),
        4,
        "three 202 polls, then the page"
    );
}

#[tokio::test]
async fn a_running_instance_past_the_deadline_is_a_timeout() {
    let spec = ReportSpec::new(REPORT, "Stuck")
        .rows(10)
        .running_polls(1_000_000);
    let (_emulator, session) = serving(spec).await;
    let err = query(&session)
        .poll_deadline(Duration::from_millis(30))
        .open()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Deadline(d) if d.setting() == "poll_deadline"),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert!(err.to_string().contains("raise poll_deadline"), "{err}");
}

fn prompted() -> ReportSpec {
    ReportSpec::new(REPORT, "Prompted")
        .rows(25)
        .prompt(PromptSpec::value("Year").opens(PromptSpec::elements("Region")))
        .prompt(PromptSpec::objects("Attributes").required(false))
}

#[tokio::test]
async fn prompts_are_listed_answered_and_nested_prompts_follow() {
    let (_emulator, session) = serving(prompted()).await;
    let mut instance = query(&session).open().await.unwrap();
    assert!(instance.is_prompted());
    let open = instance.prompts().await.unwrap();
    let names: Vec<&str> = open.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Year", "Attributes"]);
    assert_eq!(open[0].kind, PromptType::Value);
    assert!(open[0].required && !open[1].required);

    instance
        .answer(&[
            PromptAnswer::value(open[0].key.clone(), [2024]),
            PromptAnswer::empty("Attributes", PromptType::Objects),
        ])
        .await
        .unwrap();
    assert!(instance.is_prompted(), "answering Year opens Region");
    let nested = instance.prompts().await.unwrap();
    assert_eq!(nested.len(), 1);
    assert_eq!(nested[0].name, "Region");

    instance
        .answer(&[PromptAnswer::elements(nested[0].id.clone(), ["h1;X"])])
        .await
        .unwrap();
    assert!(!instance.is_prompted());
    let rows: Vec<Row> = instance.resume().rows().try_collect().await.unwrap();
    assert_eq!(rows.len(), 25);
}

#[tokio::test]
async fn configured_answers_are_applied_to_every_prompt_round() {
    let (_emulator, session) = serving(prompted()).await;
    let rows = all_rows(
        query(&session)
            .answer(PromptAnswer::value("Year", ["2024"]))
            .answer(PromptAnswer::elements("Region", ["h2;X"]))
            .answer(PromptAnswer::objects("Attributes", [("8D679D41", 12)])),
    )
    .await;
    assert_eq!(rows.len(), 25);
}

#[tokio::test]
async fn wrong_prompt_answers_are_err006() {
    let (_emulator, session) = serving(prompted()).await;
    let mut instance = query(&session).open().await.unwrap();
    let wrong_type = instance
        .answer(&[PromptAnswer::elements("Year", ["h1;X"])])
        .await
        .unwrap_err();
    let api = wrong_type.as_api().expect("an API error");
    assert_eq!((api.status, api.code.as_deref()), (400, Some("ERR006")));
    let required_empty = instance
        .answer(&[PromptAnswer::empty("Year", PromptType::Value)])
        .await
        .unwrap_err();
    assert_eq!(
        required_empty.as_api().unwrap().kind(),
        ApiErrorKind::InvalidRequest
    );
    let unknown = instance
        .answer(&[PromptAnswer::value("Month", [1])])
        .await
        .unwrap_err();
    assert_eq!(unknown.as_api().unwrap().code.as_deref(), Some("ERR006"));
    assert!(
        instance.is_prompted(),
        "a refused answer leaves the prompts open"
    );
}

#[tokio::test]
async fn a_missing_configured_answer_is_a_config_error() {
    let (_emulator, session) = serving(prompted()).await;
    let err = query(&session)
        .answer(PromptAnswer::value("Year", [2024]))
        .open()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[tokio::test]
async fn cubes_stream_through_the_cube_routes() {
    let cube = "C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0";
    let (emulator, session) = serving(ReportSpec::cube(cube, "Cube").rows(2_500)).await;
    let rows: Vec<Row> = session
        .cube(cube)
        .project(PROJECT)
        .page_size(1_000)
        .rows()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2_500);
    assert_eq!(
        emulator.count("POST", &format!("v2/cubes/{cube}/instances")),
        1
    );
    // A report id is not a cube.
    let err = session
        .cube(REPORT)
        .project(PROJECT)
        .open()
        .await
        .unwrap_err();
    assert_eq!(err.as_api().unwrap().kind(), ApiErrorKind::ResourceNotFound);
}

#[tokio::test]
async fn requested_metrics_narrow_the_columns() {
    let (emulator, session) = serving(ReportSpec::new(REPORT, "Narrow").rows(5)).await;
    let all = all_rows(query(&session)).await;
    let revenue = all[0].columns().metrics[0].id.clone();
    let region = all[0].columns().attributes[2].attribute_id.clone();
    let narrow = all_rows(query(&session).metrics([revenue]).attributes([region])).await;
    let columns = &narrow[0].columns();
    assert_eq!(columns.headers(), ["Region@ID", "Region@DESC", "Revenue"]);
    assert_eq!(narrow[3].metric("Revenue"), all[3].metric("Revenue"));
    let body: serde_json::Value =
        serde_json::from_slice(&emulator.requests().last().unwrap().body).unwrap();
    assert!(body["requestedObjects"]["metrics"].is_array());
}

#[tokio::test]
async fn an_evicted_instance_is_not_found() {
    let (_emulator, session) = serving(ReportSpec::new(REPORT, "Evict").rows(20)).await;
    let oldest = query(&session).page_size(10).open().await.unwrap();
    for _ in 0..10 {
        query(&session).page_size(10).open().await.unwrap();
    }
    let results: Vec<_> = oldest.resume().rows().collect().await;
    let err = results
        .into_iter()
        .find_map(Result::err)
        .expect("the second page fails");
    assert_eq!(err.as_api().unwrap().kind(), ApiErrorKind::ResourceNotFound);
}

#[tokio::test]
async fn an_unknown_report_is_not_found() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let err = session
        .report("FFFF")
        .project(PROJECT)
        .open()
        .await
        .unwrap_err();
    assert_eq!(err.as_api().unwrap().code.as_deref(), Some("ERR004"));
}

#[tokio::test]
async fn csv_export_quotes_fields_and_writes_every_row() {
    let spec = ReportSpec::new(REPORT, "Quoted")
        .rows(1_500)
        .grid(&[("Name, \"quoted\"", 3)], &["Amount"]);
    let (_emulator, session) = serving(spec).await;
    let mut out = Vec::new();
    let written = query(&session)
        .page_size(400)
        .write_csv(&mut out)
        .await
        .unwrap();
    assert_eq!(written, 1_500);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines.len(),
        1_502,
        "header, rows, and the empty tail after the last CRLF"
    );
    assert_eq!(
        lines[0],
        "\"Name, \"\"quoted\"\"@ID\",\"Name, \"\"quoted\"\"@DESC\",Amount"
    );
    // Row 0: element (0 + 0) % 3 = 0 → ID 1, DESC `Name, "quoted" 1`; Amount 0 / 4.
    assert_eq!(lines[1], "1,\"Name, \"\"quoted\"\" 1\",0");
    assert_eq!(lines[2], "2,\"Name, \"\"quoted\"\" 2\",0.75");
}

#[tokio::test]
async fn the_default_prompted_report_is_listed_in_the_emulator_docs() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let rows: Vec<Row> = session
        .report("D5A1E0F7C3B24E6F9A8D7C6B5A4F3E2D")
        .project(PROJECT)
        .answer(PromptAnswer::value("Year", [2024]))
        .answer(PromptAnswer::empty("Region", PromptType::Elements))
        .rows()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 100);
    let unit_sales: Vec<Row> = session
        .report("F3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8")
        .project(PROJECT)
        .rows()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(unit_sales.len(), 1_000);
}

#[tokio::test]
async fn formatted_values_are_fetched_only_on_request() {
    let (emulator, session) = serving(ReportSpec::new(REPORT, "Formatted").rows(3)).await;
    let plain = all_rows(query(&session)).await;
    assert!(plain[1].formatted().is_empty());
    let post = emulator.requests().pop().unwrap();
    let sent = post.query.unwrap_or_default();
    assert!(
        sent.contains("fields=-data.metricValues.extras%2C-data.metricValues.formatted"),
        "{sent}"
    );

    let rows = all_rows(query(&session).formatted(true)).await;
    // Row 1: Revenue (1 * 3) / 4 = 0.75, Units (1 * 5 + 7) / 4 = 3.
    assert_eq!(
        rows[1].formatted(),
        [Some("0.75".to_owned()), Some("3.00".to_owned())]
    );
    let pages: Vec<_> = query(&session).pages().try_collect().await.unwrap();
    let raw = pages[0].json().unwrap();
    assert_eq!(raw["data"]["paging"]["total"], 3);
    assert!(raw["data"]["metricValues"].get("formatted").is_none());
}

/// A destination that refuses every byte, as a full disk or a closed pipe does.
struct BrokenSink;

impl tokio::io::AsyncWrite for BrokenSink {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "disk full",
        )))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_failing_csv_writer_is_an_io_error_not_a_transport_one() {
    let (_emulator, session) = serving(ReportSpec::new(REPORT, "Sales").rows(10)).await;
    let err = query(&session).write_csv(BrokenSink).await.unwrap_err();
    let Error::Io(io) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(io.kind(), std::io::ErrorKind::StorageFull);
    assert!(err.to_string().contains("the CSV writer"), "{err}");
    assert!(!err.to_string().contains("timeout"), "{err}");
}
