//! Payloads as the vendor's servers send them (recorded in mstrio-py's test fixtures and the
//! vendor's REST API docs; provenance in `tests/fixtures/PROVENANCE.md`), served by wiremock
//! and read through `.rows()`, `.write_csv()` and `.record_batches()` with their values
//! asserted.

use arrow_array::{Array, Float64Array, Int64Array, StringArray};
use futures_util::TryStreamExt;
use mstr_rest::reports::{Cell, ReportQuery, Row, Subtotals, ValueType};

use mstr_rest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TUTORIAL_ID, api, logged_in};

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists")).unwrap()
}

/// A server whose instance creation answers `body` (one page: the fixtures hold every row).
async fn serving(body: Value) -> (MockServer, Session) {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("POST"))
        .and(path_regex("instances$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    (server, session)
}

fn report(session: &Session) -> ReportQuery {
    session.report("R").project(TUTORIAL_ID)
}

async fn rows(q: ReportQuery) -> Vec<Row> {
    q.rows().try_collect().await.unwrap()
}

async fn csv(q: ReportQuery) -> String {
    let mut out = Vec::new();
    q.write_csv(&mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn the_iris_report_decodes_with_typed_forms_and_metrics() {
    let (_s, session) = serving(fixture("mstrio-py/reports_report_instance.json")).await;
    let got = rows(report(&session)).await;
    assert_eq!(got.len(), 150);
    let columns = &got[0].columns();
    assert_eq!(columns.headers()[..3], ["Id", "Species", "PetalLengthCm"]);
    assert_eq!(columns.attributes[0].value_type, ValueType::Integer);
    assert_eq!(columns.attributes[1].value_type, ValueType::Text);
    assert_eq!(got[0].cell(0), Some(Cell::Integer(1)));
    assert_eq!(got[0].metric("PetalLengthCm"), Some(1.4));
    assert_eq!(got[0].metric("SepalLengthCm"), Some(5.1));
    assert!(got.iter().all(|r| !r.is_subtotal()));

    let text = csv(report(&session)).await;
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Id,Species,PetalLengthCm,")
    );
    assert_eq!(lines.count(), 150);

    let batches: Vec<_> = report(&session)
        .record_batches()
        .try_collect()
        .await
        .unwrap();
    let ids = batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    assert_eq!((ids.len(), ids.value(0), ids.value(149)), (150, 1, 150));
    let petal = batches[0]
        .column(2)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(petal.value(0), 1.4);
}

#[tokio::test]
async fn the_iris_cube_has_integer_row_counts_beside_floats() {
    let (_s, session) = serving(fixture("mstrio-py/cubes_cube_instance.json")).await;
    let q = || session.cube("C").project(TUTORIAL_ID);
    let got = rows(q()).await;
    assert_eq!(got.len(), 150);
    let count = got[0]
        .columns()
        .metric_index("Row Count - Iris.csv")
        .unwrap();
    assert_eq!(
        got[0].columns().metrics[count].value_type,
        ValueType::Integer
    );
    assert_eq!(got[0].metrics()[count], Some(1.0));
    let batches: Vec<_> = q().record_batches().try_collect().await.unwrap();
    let column = batches[0].column(got[0].columns().attributes.len() + count);
    let counts = column.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(counts.value(0), 1);
}

#[tokio::test]
async fn subtotal_rows_are_left_out_by_default_and_marked_when_asked() {
    let (_on, with_totals) = serving(fixture("mstrio-py/reports_subtotals_on.json")).await;
    let (_off, without) = serving(fixture("mstrio-py/reports_subtotals_off.json")).await;

    // A table meant for sums: the default drops the 9 total rows, and what is left is the
    // same report with subtotals off.
    let detail = rows(report(&with_totals)).await;
    let plain = rows(report(&without)).await;
    assert_eq!(detail.len(), 26);
    type Flat = (Vec<Option<String>>, Vec<Option<f64>>);
    let values = |rows: &[Row]| -> Vec<Flat> {
        rows.iter()
            .map(|r| {
                let attributes = r.attributes().map(|a| a.map(str::to_owned)).collect();
                (attributes, r.metrics().to_vec())
            })
            .collect()
    };
    assert_eq!(values(&detail), values(&plain));
    let revenue: f64 = detail.iter().filter_map(|r| r.metric("Revenue")).sum();
    let plain_revenue: f64 = plain.iter().filter_map(|r| r.metric("Revenue")).sum();
    assert_eq!(revenue, plain_revenue);

    let all = rows(report(&with_totals).subtotals(Subtotals::Include)).await;
    assert_eq!(all.len(), 35);
    let totals: Vec<&Row> = all.iter().filter(|r| r.is_subtotal()).collect();
    assert_eq!(totals.len(), 9);
    // A total of the two-form Employee attribute shows its label in both forms.
    let first_total = totals[0];
    assert_eq!(
        first_total.attribute("Employee", "Last Name"),
        Some("Total")
    );
    assert_eq!(
        first_total.attribute("Employee", "First Name"),
        Some("Total")
    );
    let grand = all.last().unwrap();
    assert_eq!(grand.attribute("Quarter", "DESC"), Some("Total"));
    assert!(grand.is_subtotal());

    let only = rows(report(&with_totals).subtotals(Subtotals::Only)).await;
    assert_eq!(only.len(), 9);

    // CSV and Arrow follow the same default.
    assert_eq!(csv(report(&with_totals)).await.lines().count(), 1 + 26);
    let batches: Vec<_> = report(&with_totals)
        .record_batches()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 26);
}

/// The vendor's page-by sample, moved to the slice `ids` (names of the three elements).
fn paged_slice(current: [usize; 3], shift: f64) -> Value {
    let mut body = fixture("rest-api-docs/unit_sales_paged_instance.json");
    body["data"]["currentPageBy"] = json!(current);
    for row in body["data"]["metricValues"]["raw"].as_array_mut().unwrap() {
        row[0] = json!(row[0].as_f64().unwrap() + shift);
    }
    body
}

#[tokio::test]
async fn a_page_by_report_leads_each_row_with_its_slice() {
    let (_s, session) = serving(paged_slice([1, 1, 1], 0.0)).await;
    let q = || {
        report(&session).page_by([
            "h2;8D679D3711D3E4981000E787EC6DE8A4",
            "h2;8D679D4B11D3E4981000E787EC6DE8A4",
            "h20142;8D679D4A11D3E4981000E787EC6DE8A4",
        ])
    };
    let got = rows(q()).await;
    assert_eq!(got.len(), 6);
    assert_eq!(
        got[0].columns().headers()[..4],
        ["Category", "Region", "Quarter", "Subcategory"]
    );
    for row in &got {
        assert_eq!(row.attribute("Category", "DESC"), Some("Electronics"));
        assert_eq!(row.attribute("Region", "DESC"), Some("Mid-Atlantic"));
        assert_eq!(row.attribute("Quarter", "DESC"), Some("2014 Q2"));
    }
    assert_eq!(
        got[0].attribute("Subcategory", "DESC"),
        Some("Audio Equipment")
    );
    assert_eq!(got[0].metric("Units Sold"), Some(100.0));
    let text = csv(q()).await;
    assert!(
        text.starts_with("Category,Region,Quarter,Subcategory,Unit Cost,Unit Price,Unit Profit,Units Sold\r\nElectronics,Mid-Atlantic,2014 Q2,Audio Equipment,10.5,12.25,1.75,100\r\n"),
        "{text}"
    );
}

#[tokio::test]
async fn without_a_pick_every_page_by_slice_is_streamed_once_in_order() {
    let (server, session) = serving(paged_slice([1, 1, 1], 0.0)).await;
    Mock::given(method("GET"))
        .and(path_regex("pageBy/elements$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "pageBy": [
                {"name": "Category", "elements": [{"id": "h1;8D679D3711D3E4981000E787EC6DE8A4"}, {"id": "h2;8D679D3711D3E4981000E787EC6DE8A4"}]},
                {"name": "Region", "elements": [{"id": "h4;8D679D4B11D3E4981000E787EC6DE8A4"}]},
                {"name": "Quarter", "elements": [{"id": "h20141;8D679D4A11D3E4981000E787EC6DE8A4"}]}
            ],
            "validPageByElements": {"paging": {"total": 2, "current": 2, "offset": 0, "limit": 1000},
                                    "items": [[0, 0, 0], [1, 0, 0]]}
        })))
        .mount(&server)
        .await;
    for (category, current, shift) in [("h1", [0, 0, 0], 0.0), ("h2", [1, 0, 0], 1000.0)] {
        Mock::given(method("PUT"))
            .and(path_regex("instances/[0-9A-F]+$"))
            .and(body_partial_json(json!({"currentPageBy": [{"id": format!("{category};8D679D3711D3E4981000E787EC6DE8A4")}]})))
            .respond_with(ResponseTemplate::new(200).set_body_json(paged_slice(current, shift)))
            .mount(&server)
            .await;
    }
    let got = rows(report(&session)).await;
    assert_eq!(got.len(), 12, "two slices of six rows");
    let slices: Vec<(&str, &str, f64)> = got
        .iter()
        .map(|r| {
            (
                r.attribute("Category", "DESC").unwrap(),
                r.attribute("Quarter", "DESC").unwrap(),
                r.metric("Unit Cost").unwrap(),
            )
        })
        .collect();
    assert_eq!(slices[0], ("Books", "2014 Q1", 10.5));
    assert_eq!(slices[6], ("Electronics", "2014 Q1", 1010.5));
    assert!(slices[..6].iter().all(|s| s.0 == "Books"));
    assert!(slices[6..].iter().all(|s| s.0 == "Electronics"));
    let batches: Vec<_> = report(&session)
        .record_batches()
        .try_collect()
        .await
        .unwrap();
    let categories = batches[1]
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(categories.value(0), "Electronics");
}

#[tokio::test]
async fn a_real_users_list_fills_login_and_display_names() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("users")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("mstrio-py/admin_user_all_users.json")),
        )
        .mount(&server)
        .await;
    let users = session.users().list().await.unwrap();
    let names: Vec<(&str, &str)> = users
        .iter()
        .map(|u| (u.username.as_str(), u.full_name.as_str()))
        .collect();
    assert_eq!(names, [("a", "a"), ("b", "b")]);
    assert_eq!(
        users[1].description.as_deref(),
        Some("MicroStrategy Extra Admin")
    );
}

#[tokio::test]
async fn a_real_library_list_decodes_though_its_targets_have_no_type() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("library")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("mstrio-py/admin_library_library.json")),
        )
        .mount(&server)
        .await;
    let items = session.library().await.unwrap();
    assert_eq!(items.len(), 2);
    let target = items[0].target.as_ref().unwrap();
    assert_eq!(
        (target.name.as_str(), target.object_type),
        ("Monochrome", None)
    );
    assert!(target.extra.contains_key("chapters"));
}
