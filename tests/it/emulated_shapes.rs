//! The real-server shapes the emulator generates — page-by slices, grand totals, evicted
//! instances, instances that move after their prompts — through the stream, CSV and Arrow,
//! at page edges.

use futures_util::TryStreamExt;
use mstr_rest::prelude::*;
use mstr_rest::prompts::PromptAnswer;
use mstr_rest::reports::{Row, Subtotals};
use mstr_rest_emulator::{Emulator, PromptSpec, ReportSpec};

use crate::data::{REPORT, query, serving};

/// The emulator's metric `m` on generated row `r`: `((r(2m+3) + 7m) % 10000) / 4`.
fn metric(r: u64, m: u64) -> f64 {
    ((r * (2 * m + 3) + 7 * m) % 10_000) as f64 / 4.0
}

fn paged() -> ReportSpec {
    ReportSpec::new(REPORT, "Paged")
        .rows(25)
        .page_by(&[("Category", 2), ("Quarter", 3)])
        .grand_total(true)
}

#[tokio::test]
async fn every_page_by_slice_streams_once_with_its_elements_leading() {
    let (_e, session) = serving(paged()).await;
    // Page size 10: each slice of 26 rows (25 + the total) ends in a short page.
    let rows: Vec<Row> = query(&session)
        .page_size(10)
        .rows()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 6 * 25, "six slices, totals left out");
    assert_eq!(
        rows[0].columns().headers()[..6],
        [
            "Category@ID",
            "Category@DESC",
            "Quarter@ID",
            "Quarter@DESC",
            "Row@ID",
            "Row@DESC"
        ]
    );
    for (i, row) in rows.iter().enumerate() {
        let (slice, r) = ((i / 25) as u64, (i % 25) as u64);
        let (category, quarter) = (slice / 3 + 1, slice % 3 + 1);
        assert_eq!(
            row.attribute("Category", "ID"),
            Some(category.to_string().as_str()),
            "row {i}"
        );
        assert_eq!(
            row.attribute("Quarter", "ID"),
            Some(quarter.to_string().as_str()),
            "row {i}"
        );
        assert_eq!(row.index(), r);
        assert_eq!(
            row.metric("Revenue"),
            Some(metric(r + slice * 25, 0)),
            "row {i}"
        );
    }

    // With totals: each slice's last row is its total, the sum of its rows.
    let all: Vec<Row> = query(&session)
        .page_size(10)
        .subtotals(Subtotals::Include)
        .rows()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 6 * 26);
    for slice in 0..6u64 {
        let total = &all[(slice * 26 + 25) as usize];
        assert!(total.is_subtotal());
        assert_eq!(total.attribute("Row", "DESC"), Some("Total"));
        let sum: f64 = (0..25).map(|r| metric(r + slice * 25, 0)).sum();
        assert_eq!(total.metric("Revenue"), Some(sum));
    }

    let mut csv = Vec::new();
    assert_eq!(
        query(&session)
            .page_size(7)
            .write_csv(&mut csv)
            .await
            .unwrap(),
        150
    );
    let batches: Vec<_> = query(&session)
        .page_size(26)
        .record_batches()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 150);
}

#[tokio::test]
async fn a_picked_page_by_slice_is_the_only_one_streamed() {
    let spec = paged();
    // Category 2, Quarter 3: slice 5.
    let category = spec.page_by_element("Category", 2).unwrap();
    let quarter = spec.page_by_element("Quarter", 3).unwrap();
    let (_e, session) = serving(spec).await;
    let rows: Vec<Row> = query(&session)
        .page_size(10)
        .page_by([category, quarter])
        .rows()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 25);
    assert!(
        rows.iter()
            .all(|r| r.attribute("Category", "DESC") == Some("Category 2"))
    );
    assert_eq!(rows[0].metric("Revenue"), Some(metric(5 * 25, 0)));
}

#[tokio::test]
async fn an_instance_evicted_mid_extract_is_re_created_on_request() {
    let (_e, session) = serving(ReportSpec::new(REPORT, "Evict").rows(20)).await;
    let evict = || async {
        for _ in 0..10 {
            query(&session).page_size(10).open().await.unwrap();
        }
    };
    let oldest = query(&session).page_size(10).open().await.unwrap();
    evict().await;
    let err = oldest
        .resume()
        .rows()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.as_api().unwrap().iserver_code, Some(-2_147_468_986));
    assert!(err.to_string().contains("reopen_on_expiry"), "{err}");

    let oldest = query(&session)
        .page_size(10)
        .reopen_on_expiry(true)
        .open()
        .await
        .unwrap();
    evict().await;
    let rows: Vec<Row> = oldest.resume().rows().try_collect().await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.index()).collect::<Vec<_>>(),
        (0..20).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn an_instance_that_moves_after_its_prompts_is_followed() {
    let spec = ReportSpec::new(REPORT, "Moving")
        .rows(30)
        .prompt(PromptSpec::value("Year"))
        .moves_after_prompts(true);
    let (_e, session) = serving(spec).await;
    let created = query(&session).page_size(10).open().await.unwrap();
    let first_id = created.id().to_owned();
    drop(created);
    let instance = query(&session)
        .page_size(10)
        .answer(PromptAnswer::value("Year", ["2024"]))
        .open()
        .await
        .unwrap();
    assert_ne!(instance.id(), first_id);
    let rows: Vec<Row> = instance.resume().rows().try_collect().await.unwrap();
    assert_eq!(rows.len(), 30);
}

/// Streams `slices` page-by slices of 250,000 rows each, checks every row, and returns this
/// process's peak RSS in KiB (`VmHWM`).
async fn stream_page_by(slices: u64) -> u64 {
    let spec = ReportSpec::new(REPORT, "Big paged")
        .rows(250_000)
        .grid(&[("Row", 0)], &["Revenue"])
        .page_by(&[("Quarter", slices)]);
    let (_e, session) = serving(spec).await;
    let mut stream = query(&session).page_size(50_000).rows();
    let (mut n, mut sum) = (0u64, 0f64);
    while let Some(row) = stream.try_next().await.unwrap() {
        assert_eq!(row.index(), n % 250_000);
        sum += row.metrics()[0].unwrap_or_default();
        n += 1;
    }
    assert_eq!(n, slices * 250_000);
    let expected: f64 = (0..n).map(|r| metric(r, 0)).sum();
    assert_eq!(sum, expected);
    crate::support::peak_rss_kib()
}

/// One 250,000-row page-by slice streamed whole — or, in the child process the test below
/// starts, `MSTR_REST_PAGE_BY_SLICES` of them, printing the peak RSS (its own, as it runs
/// alone there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_by_slices_stream_whole() {
    let slices: u64 = std::env::var("MSTR_REST_PAGE_BY_SLICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    println!("peak_kib={}", stream_page_by(slices).await);
}

#[test]
fn a_million_row_page_by_report_streams_whole_in_flat_memory() {
    let peak = |slices: u64| {
        crate::support::child_peak_kib(
            "emulated_shapes::page_by_slices_stream_whole",
            "MSTR_REST_PAGE_BY_SLICES",
            &slices.to_string(),
        )
    };
    let million = peak(4);
    let two_million = peak(8);
    println!("peak RSS: 1,000,000 rows {million} KiB, 2,000,000 rows {two_million} KiB");
    assert!(million > 0, "VmHWM readable");
    // The stream holds `concurrency + 1` pages of one slice at a time (debug build, the
    // in-process emulator included): bounded, and twice the rows add nothing but allocator
    // noise — measured at up to 24 MiB on a busy 2-core machine, both before and after the
    // reshape; a leak of a row's worth (~50 bytes) per row would add 50 MiB.
    assert!(
        million <= 256 * 1024,
        "1,000,000 rows peaked at {million} KiB"
    );
    assert!(
        two_million <= million + 32 * 1024,
        "peak grew from {million} KiB to {two_million} KiB with the row count"
    );
}

#[tokio::test]
async fn a_date_form_reads_as_a_date_in_rows_csv_and_arrow() {
    use arrow_array::{Array, Date32Array};
    use mstr_rest::reports::{Cell, ValueType};
    let spec = ReportSpec::new(REPORT, "Dated")
        .rows(40)
        .grid(&[("Day", 366)], &["Revenue"])
        .date_form("Day");
    let (_e, session) = serving(spec).await;
    let rows: Vec<Row> = query(&session)
        .page_size(15)
        .rows()
        .try_collect()
        .await
        .unwrap();
    let date = rows[0].columns().attribute_index("Day", "DATE").unwrap();
    assert_eq!(
        rows[0].columns().attributes[date].value_type,
        ValueType::Date
    );
    // Element (r + 0) % 366 is day r of 2024; 2024-01-01 is day 19723 since 1970.
    assert_eq!(rows[31].attribute("Day", "DATE"), Some("2/1/2024"));
    assert_eq!(rows[31].cell(date), Some(Cell::Date(19_723 + 31)));

    let mut csv = Vec::new();
    query(&session)
        .page_size(15)
        .write_csv(&mut csv)
        .await
        .unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.contains("\r\n32,2024-02-01,"),
        "dates in ISO 8601: {text}"
    );

    let batches: Vec<_> = query(&session)
        .page_size(40)
        .record_batches()
        .try_collect()
        .await
        .unwrap();
    let days = batches[0]
        .column(date)
        .as_any()
        .downcast_ref::<Date32Array>()
        .unwrap();
    assert_eq!((days.len(), days.value(31)), (40, 19_723 + 31));
}

#[tokio::test]
async fn a_cross_tab_unpivots_into_flat_rows_at_page_edges() {
    let spec = ReportSpec::new(REPORT, "Cross")
        .rows(10)
        .grid(&[("Row", 0), ("Year", 3)], &["Revenue", "Units"])
        .cross_tab("Year");
    let (_e, session) = serving(spec).await;
    let rows: Vec<Row> = query(&session)
        .page_size(4)
        .rows()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 30, "10 grid rows × 3 years");
    assert_eq!(
        rows[0].columns().headers(),
        [
            "Row@ID",
            "Row@DESC",
            "Year@ID",
            "Year@DESC",
            "Revenue",
            "Units"
        ]
    );
    for (i, row) in rows.iter().enumerate() {
        let (r, e) = ((i / 3) as u64, (i % 3) as u64);
        assert_eq!(
            row.attribute("Row", "ID"),
            Some((r + 1).to_string().as_str())
        );
        assert_eq!(
            row.attribute("Year", "ID"),
            Some((e + 1).to_string().as_str())
        );
        assert_eq!(row.metric("Revenue"), Some(metric(r * 3 + e, 0)), "row {i}");
        assert_eq!(row.metric("Units"), Some(metric(r * 3 + e, 1)), "row {i}");
    }
    let mut csv = Vec::new();
    assert_eq!(
        query(&session)
            .page_size(3)
            .write_csv(&mut csv)
            .await
            .unwrap(),
        30
    );
}

#[tokio::test]
async fn the_session_cookies_as_real_servers_set_them_are_kept_and_secure_ones_stay_on_https() {
    // iSession beside JSESSIONID, both scoped to /MicroStrategyLibrary: both kept, both sent.
    let (emulator, session) = serving(ReportSpec::new(REPORT, "R")).await;
    let names: Vec<String> = session.cookies().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["JSESSIONID", "iSession"]);
    session.session_info().await.unwrap();
    let sent = emulator.requests();
    let cookie = sent
        .last()
        .unwrap()
        .header("cookie")
        .unwrap_or_default()
        .to_owned();
    assert!(
        cookie.contains("JSESSIONID=") && cookie.contains("iSession="),
        "{cookie}"
    );

    // Marked Secure, they are never sent back over plain http (RFC 6265 §5.4).
    let emulator = Emulator::builder()
        .secure_cookies(true)
        .strict_cookies(false)
        .start()
        .await;
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session.session_info().await.unwrap();
    let last = emulator.requests().pop().unwrap();
    assert_eq!(
        last.header("cookie"),
        None,
        "a Secure cookie went over http"
    );
}
