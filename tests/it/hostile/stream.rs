//! A report stream is exactly the report, or an error: every page is checked against what
//! was asked (offset, row count) and against itself (header rows, metric rows, columns),
//! and the total may not change between pages. Each lie below is a wiremock server.

use futures_util::TryStreamExt;
use mstr_rest::prelude::*;
use mstr_rest::reports::{ReportQuery, Row};
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::bounded;
use crate::support::{TUTORIAL_ID, decode_err, logged_in};

const INSTANCE: &str = "11112222333344445555666677778888";

/// A v2 page: one attribute `Region` with elements `E0..E9`, one metric `Revenue`.
/// `rows` header rows are listed and `raw` metric rows, whatever `current` claims.
fn page(offset: u64, current: u64, total: u64, rows: usize, raw: usize) -> Value {
    let elements: Vec<Value> = (0..10)
        .map(|i| json!({"formValues": [format!("E{i}")], "id": format!("h{i};A")}))
        .collect();
    json!({
        "instanceId": INSTANCE,
        "status": 1,
        "definition": {"grid": {
            "metricsPosition": {"axis": "columns", "index": 0},
            "rows": [{"name": "Region", "id": "A", "type": "attribute",
                      "forms": [{"id": "F", "name": "DESC"}], "elements": elements}],
            "columns": [{"name": "Metrics", "id": "0", "type": "templateMetrics",
                         "elements": [{"name": "Revenue", "id": "M"}]}],
        }},
        "data": {
            "paging": {"offset": offset, "current": current, "total": total, "limit": current},
            "headers": {"rows": (0..rows).map(|r| json!([r % 10])).collect::<Vec<_>>()},
            "metricValues": {"raw": (0..raw).map(|r| json!([r])).collect::<Vec<_>>()},
        },
    })
}

/// Serves `first` to the instance creation and `later[offset]` to each page GET.
async fn serving(first: Value, later: &[(u64, Value)]) -> (MockServer, Session) {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("POST"))
        .and(path_regex("instances$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(&server)
        .await;
    for (offset, body) in later {
        Mock::given(method("GET"))
            .and(path_regex(format!("instances/{INSTANCE}$")))
            .and(query_param("offset", offset.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .mount(&server)
            .await;
    }
    (server, session)
}

fn query(session: &Session) -> ReportQuery {
    session
        .report("R")
        .project(TUTORIAL_ID)
        .page_size(3)
        .concurrency(1)
}

async fn rows(session: &Session) -> mstr_rest::Result<Vec<Row>> {
    query(session).rows().try_collect().await
}

/// Asserts the stream, the CSV export and (with the feature) the Arrow batches fail with a
/// decode error naming `offset` and mentioning `what`.
async fn all_fail(session: &Session, offset: u64, what: &str) {
    let err = decode_err(rows(session).await);
    let text = err.to_string();
    assert!(text.contains(&format!("offset {offset}")), "{text}");
    assert!(text.contains(what), "{text}");
    let mut csv = Vec::new();
    let err = decode_err(query(session).write_csv(&mut csv).await);
    assert!(err.to_string().contains(what), "{err}");
    let batches: mstr_rest::Result<Vec<_>> = query(session).record_batches().try_collect().await;
    assert!(decode_err(batches).to_string().contains(what));
}

#[tokio::test]
async fn an_honest_report_streams_whole() {
    bounded(async {
        let (_s, session) = serving(
            page(0, 3, 7, 3, 3),
            &[(3, page(3, 3, 7, 3, 3)), (6, page(6, 1, 7, 1, 1))],
        )
        .await;
        let got = rows(&session).await.unwrap();
        assert_eq!(
            got.iter().map(|r| r.index()).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5, 6]
        );
    })
    .await;
}

#[tokio::test]
async fn a_page_shorter_than_asked_is_completed_and_every_export_is_whole() {
    // The page at 3 holds 2 of the 3 rows asked: the client asks for the last one at 5, and
    // the two pages make one span (one Arrow batch, one CSV chunk) with the rows in order.
    bounded(async {
        let (_s, session) = serving(
            page(0, 3, 7, 3, 3),
            &[
                (3, page(3, 2, 7, 2, 2)),
                (5, page(5, 1, 7, 1, 1)),
                (6, page(6, 1, 7, 1, 1)),
            ],
        )
        .await;
        let got = rows(&session).await.unwrap();
        assert_eq!(
            got.iter().map(|r| r.index()).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5, 6]
        );
        let regions: Vec<&str> = got
            .iter()
            .map(|r| r.attribute("Region", "DESC").unwrap())
            .collect();
        assert_eq!(regions, ["E0", "E1", "E2", "E0", "E1", "E0", "E0"]);
        let revenue: Vec<Option<f64>> = got.iter().map(|r| r.metric("Revenue")).collect();
        let mut csv = Vec::new();
        query(&session).write_csv(&mut csv).await.unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert_eq!(csv.lines().count(), 8, "{csv}");
        assert!(csv.contains("E1,1\r\nE0,0\r\n"), "{csv}");
        let batches: Vec<_> = query(&session)
            .record_batches()
            .try_collect()
            .await
            .unwrap();
        let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
        assert_eq!(
            sizes,
            [3, 3, 1],
            "the short page and its completion are one batch"
        );
        let column = |b: &arrow_array::RecordBatch, i: usize| {
            b.column(i)
                .as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .map(|a| {
                    a.iter()
                        .map(|v| v.unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                })
        };
        let from_arrow: Vec<String> = batches.iter().flat_map(|b| column(b, 0).unwrap()).collect();
        assert_eq!(from_arrow, regions);
        let metric: Vec<Option<f64>> = batches
            .iter()
            .flat_map(|b| {
                let a = b
                    .column(1)
                    .as_any()
                    .downcast_ref::<arrow_array::Float64Array>()
                    .unwrap();
                a.iter().collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(metric, revenue);
    })
    .await;
}

#[tokio::test]
async fn pages_of_one_span_with_different_columns_are_an_error() {
    bounded(async {
        let mut other = page(5, 1, 7, 1, 1);
        other["definition"]["grid"]["rows"][0]["name"] = json!("Country");
        let (_s, session) = serving(
            page(0, 3, 7, 3, 3),
            &[
                (3, page(3, 2, 7, 2, 2)),
                (5, other),
                (6, page(6, 1, 7, 1, 1)),
            ],
        )
        .await;
        let err = decode_err(rows(&session).await);
        assert!(err.to_string().contains("different columns"), "{err}");
        let batches: mstr_rest::Result<Vec<_>> =
            query(&session).record_batches().try_collect().await;
        assert!(
            decode_err(batches)
                .to_string()
                .contains("different columns")
        );
    })
    .await;
}

#[tokio::test]
async fn a_page_with_fewer_rows_than_it_claims_is_an_error() {
    bounded(async {
        let (_s, session) = serving(
            page(0, 3, 7, 3, 3),
            &[(3, page(3, 3, 7, 2, 2)), (6, page(6, 1, 7, 1, 1))],
        )
        .await;
        all_fail(&session, 3, "lists 2").await;
    })
    .await;
}

#[tokio::test]
async fn a_page_with_more_rows_than_it_claims_is_an_error() {
    bounded(async {
        let (_s, session) = serving(page(0, 3, 7, 4, 4), &[]).await;
        all_fail(&session, 0, "lists 4").await;
    })
    .await;
}

#[tokio::test]
async fn a_page_with_more_rows_than_asked_is_an_error() {
    bounded(async {
        let (_s, session) = serving(page(0, 5, 7, 5, 5), &[]).await;
        all_fail(&session, 0, "more than asked").await;
    })
    .await;
}

#[tokio::test]
async fn a_server_that_ignores_offset_is_caught_at_the_second_page() {
    bounded(async {
        // Every GET answers the first page again.
        let (_s, session) = serving(
            page(0, 3, 7, 3, 3),
            &[(3, page(0, 3, 7, 3, 3)), (6, page(0, 3, 7, 3, 3))],
        )
        .await;
        all_fail(&session, 3, "starts at offset 0").await;
    })
    .await;
}

#[tokio::test]
async fn metric_rows_shorter_than_the_rows_are_an_error_not_nulls() {
    bounded(async {
        let (_s, session) = serving(page(0, 3, 3, 3, 2), &[]).await;
        all_fail(&session, 0, "metric values").await;
        // And a metric row with fewer cells than metrics.
        let mut short = page(0, 3, 3, 3, 3);
        short["data"]["metricValues"]["raw"][1] = json!([]);
        let (_s, session) = serving(short, &[]).await;
        all_fail(&session, 0, "row 1 has 0 metric values").await;
    })
    .await;
}

#[tokio::test]
async fn ragged_header_rows_are_an_error_not_short_csv_lines() {
    bounded(async {
        let mut ragged = page(0, 3, 3, 3, 3);
        ragged["data"]["headers"]["rows"][2] = json!([]);
        let (_s, session) = serving(ragged, &[]).await;
        all_fail(&session, 0, "header row 2 has 0 element indexes").await;
    })
    .await;
}

#[tokio::test]
async fn a_total_that_changes_between_pages_is_an_error() {
    bounded(async {
        let (_s, session) = serving(
            page(0, 3, 7, 3, 3),
            &[(3, page(3, 3, 9, 3, 3)), (6, page(6, 1, 7, 1, 1))],
        )
        .await;
        all_fail(&session, 3, "changed while it was read").await;
    })
    .await;
}

#[tokio::test]
async fn paging_numbers_near_u64_max_are_errors_not_panics() {
    bounded(async {
        let max = u64::MAX;
        for first in [
            page(0, 3, max, 3, 3),       // a total no server has: the next page must agree
            page(max - 1, 3, max, 3, 3), // an offset where offset + current overflows
            page(0, max, max, 3, 3),     // a current no page holds
        ] {
            let (_s, session) = serving(first, &[(3, page(3, 3, 7, 3, 3))]).await;
            let err = decode_err(rows(&session).await);
            assert!(err.to_string().contains("offset"), "{err}");
        }
    })
    .await;
}
