use super::csv;
use std::sync::Arc;

use super::decode::{Columns, Formatted, Options, Row, Subtotals};

/// A page decoded, its rows made.
#[derive(Debug)]
struct Decoded {
    columns: Arc<Columns>,
    rows: Vec<Row>,
}

fn decode(body: &[u8], options: Options) -> mstr_rest_session::Result<Decoded> {
    let decoded = super::decode::decode(body, options)?;
    Ok(Decoded {
        columns: Arc::clone(&decoded.columns),
        rows: decoded.into_rows(),
    })
}

fn opts(formatted: Formatted) -> Options {
    Options {
        formatted,
        subtotals: Subtotals::Exclude,
    }
}
use super::query::span_starts;

const BODY: &str = r#"{"id":"R","name":"n","instanceId":"I","status":1,
 "definition":{"grid":{"metricsPosition":{"axis":"columns","index":0},
  "rows":[{"name":"Region","id":"A1","type":"attribute",
           "forms":[{"id":"F1","name":"ID"},{"id":"F2","name":"DESC"}],
           "elements":[{"formValues":["1","North"],"id":"h1;A1"},{"formValues":[2,null],"id":"h2;A1"}]}],
  "columns":[{"name":"Metrics","id":"0","type":"templateMetrics",
              "elements":[{"name":"Revenue","id":"M1"},{"name":"Units","id":"M2"}]}]}},
 "data":{"paging":{"total":10,"current":3,"offset":4,"limit":3},
  "headers":{"rows":[[1],[0],[1]]},
  "metricValues":{"raw":[[1.5,null],[2,"3.25"],["x",{}]],"formatted":[["$1.50",""],["$2","3"],["x","y"]]}}}"#;

#[test]
fn decode_follows_header_indexes_into_page_elements() {
    let page = decode(BODY.as_bytes(), opts(Formatted::Skip)).unwrap();
    assert_eq!(
        page.columns.headers(),
        ["Region@ID", "Region@DESC", "Revenue", "Units"]
    );
    assert_eq!(page.rows.len(), 3);
    let first = &page.rows[0];
    assert_eq!(first.index(), 4);
    assert_eq!(first.attribute("Region", "ID"), Some("2"));
    assert_eq!(first.attribute("Region", "DESC"), None);
    assert_eq!(first.metrics(), [Some(1.5), None]);
    assert_eq!(page.rows[1].attribute("Region", "DESC"), Some("North"));
    assert_eq!(page.rows[1].metrics(), [Some(2.0), Some(3.25)]);
    assert_eq!(page.rows[2].metrics(), [None, None]);
    assert!(first.formatted().is_empty());
}

#[test]
fn a_row_outlives_its_page_and_compares_by_its_values() {
    let kept = {
        let page = decode(BODY.as_bytes(), opts(Formatted::Skip)).unwrap();
        page.rows[1].clone()
    };
    assert_eq!(
        kept.attributes().collect::<Vec<_>>(),
        [Some("1"), Some("North")]
    );
    assert_eq!(kept.attribute_at(2), None, "no third attribute column");
    let again = decode(BODY.as_bytes(), opts(Formatted::Skip)).unwrap();
    assert_eq!(
        kept, again.rows[1],
        "rows of two decodes of one page are equal"
    );
    assert_ne!(kept, again.rows[0]);
    let shown = format!("{kept:?}");
    assert!(shown.contains("North") && shown.contains("3.25"), "{shown}");
}

#[test]
fn decode_keeps_formatted_values_only_when_asked() {
    let page = decode(BODY.as_bytes(), opts(Formatted::Required)).unwrap();
    assert_eq!(
        page.rows[0].formatted(),
        [Some("$1.50".to_owned()), Some(String::new())]
    );
}

#[test]
fn decode_rejects_an_index_past_the_elements() {
    let bad = BODY.replace("[[1],[0],[1]]", "[[1],[5],[1]]");
    let err = decode(bad.as_bytes(), opts(Formatted::Skip)).unwrap_err();
    assert!(err.to_string().contains("element 5"), "{err}");
}

#[test]
fn decode_rejects_a_metrics_position_that_contradicts_the_grid() {
    let bad = BODY.replace(r#""axis":"columns""#, r#""axis":"rows""#);
    assert!(decode(bad.as_bytes(), opts(Formatted::Skip)).is_err());
}

#[test]
fn spans_cover_the_rest_exactly_once() {
    let spans: Vec<_> = span_starts(10, 35, 10).collect();
    assert_eq!(spans, [(10, 10), (20, 10), (30, 5)]);
    assert_eq!(
        span_starts(10, 30, 10).collect::<Vec<_>>(),
        [(10, 10), (20, 10)]
    );
    assert_eq!(span_starts(1, 1, 10).count(), 0);
    assert_eq!(span_starts(0, 0, 10).count(), 0);
    // A capped server: first page 3 rows of 7.
    assert_eq!(span_starts(3, 7, 3).collect::<Vec<_>>(), [(3, 3), (6, 1)]);
}

#[test]
fn csv_quotes_only_what_rfc_4180_requires() {
    let mut out = Vec::new();
    for (i, f) in ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""]
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push(b',');
        }
        csv::field(&mut out, f);
    }
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\","
    );
}

#[test]
fn csv_rows_write_raw_metrics_and_empty_nulls() {
    let page = super::decode::decode(BODY.as_bytes(), opts(Formatted::Skip)).unwrap();
    let chunk = csv::chunk(page).unwrap();
    let mut out = chunk.header;
    out.extend_from_slice(&chunk.body);
    assert_eq!(chunk.rows, 3);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Region@ID,Region@DESC,Revenue,Units\r\n2,,1.5,\r\n1,North,2,3.25\r\n2,,,\r\n"
    );
}

#[cfg(feature = "arrow")]
#[tokio::test]
async fn arrow_batches_are_typed_per_page() {
    use arrow_array::{Array, Float64Array};
    use arrow_schema::DataType;
    use futures_util::TryStreamExt;

    use super::ReportsApi;

    let emulator = mstr_rest_emulator::Emulator::builder()
        .report(mstr_rest_emulator::ReportSpec::new("AB", "Arrow").rows(250))
        .start()
        .await;
    let session = mstr_rest_session::Session::builder(emulator.base_url())
        .build()
        .unwrap();
    session
        .login(mstr_rest_session::Credentials::standard(
            "dave",
            "hellodave",
        ))
        .await
        .unwrap();
    let batches: Vec<_> = session
        .report("AB")
        .project("B19DEDCC11D4E0EFC000EB9495D0F44F")
        .page_size(100)
        .record_batches()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "Row@ID",
            "Row@DESC",
            "Region@ID",
            "Region@DESC",
            "Revenue",
            "Units"
        ]
    );
    // The emulator declares the ID forms `integer` and the DESC forms `nVarChar`.
    assert_eq!(schema.field(0).data_type(), &DataType::Int64);
    assert_eq!(schema.field(1).data_type(), &DataType::Utf8);
    assert_eq!(schema.field(4).data_type(), &DataType::Float64);
    let last = &batches[2];
    let ids = last
        .column(0)
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap();
    assert_eq!(ids.value(0), 201);
    let revenue = last
        .column(4)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    // Row 200: (200 * 3 % 10000) / 4.
    assert_eq!(revenue.value(0), 150.0);
    assert_eq!(revenue.null_count(), 0);
}

/// A grid with `rows` units and `columns` units (each `(name, type, elements)`), one page.
fn grid(
    rows: serde_json::Value,
    columns: serde_json::Value,
    metrics_axis: &str,
    header_rows: serde_json::Value,
    header_columns: serde_json::Value,
    raw: serde_json::Value,
) -> String {
    let n = header_rows.as_array().unwrap().len();
    serde_json::json!({
        "definition": {"grid": {"metricsPosition": {"axis": metrics_axis, "index": 0},
                                "rows": rows, "columns": columns}},
        "data": {"paging": {"offset": 0, "current": n, "total": n},
                 "headers": {"rows": header_rows, "columns": header_columns},
                 "metricValues": {"raw": raw}}
    })
    .to_string()
}

fn attribute(name: &str, values: &[&str]) -> serde_json::Value {
    let elements: Vec<_> = values
        .iter()
        .map(|v| serde_json::json!({"formValues": [v], "id": format!("{name}:{v}")}))
        .collect();
    serde_json::json!({"name": name, "id": name, "type": "attribute",
                       "forms": [{"id": "F", "name": "DESC", "dataType": "varChar"}], "elements": elements})
}

fn metrics() -> serde_json::Value {
    serde_json::json!({"name": "Metrics", "id": "0", "type": "templateMetrics",
        "elements": [{"name": "Revenue", "id": "M1", "dataType": "double"},
                     {"name": "Units", "id": "M2", "dataType": "integer"}]})
}

fn flat(body: &str) -> Vec<(Vec<String>, Vec<Option<f64>>)> {
    decode(body.as_bytes(), opts(Formatted::Skip))
        .unwrap()
        .rows
        .into_iter()
        .map(|r| {
            let a = r.attributes().map(|v| v.unwrap_or("").to_owned()).collect();
            (a, r.metrics().to_vec())
        })
        .collect()
}

fn unpivoted() -> Vec<(Vec<String>, Vec<Option<f64>>)> {
    let row = |region: &str, year: &str, revenue: f64, units: f64| {
        (
            vec![region.to_owned(), year.to_owned()],
            vec![Some(revenue), Some(units)],
        )
    };
    vec![
        row("North", "2023", 1.0, 2.0),
        row("North", "2024", 3.0, 4.0),
        row("South", "2023", 5.0, 6.0),
        row("South", "2024", 7.0, 8.0),
    ]
}

#[test]
fn a_cross_tab_unpivots_its_column_attributes_into_columns() {
    let body = grid(
        serde_json::json!([attribute("Region", &["North", "South"])]),
        serde_json::json!([attribute("Year", &["2023", "2024"]), metrics()]),
        "columns",
        serde_json::json!([[0], [1]]),
        serde_json::json!([[0, 0, 1, 1], [0, 1, 0, 1]]),
        serde_json::json!([[1, 2, 3, 4], [5, 6, 7, 8]]),
    );
    assert_eq!(flat(&body), unpivoted());
    let page = decode(body.as_bytes(), opts(Formatted::Skip)).unwrap();
    assert_eq!(
        page.columns.headers(),
        ["Region", "Year", "Revenue", "Units"]
    );
    assert_eq!(page.columns.attributes[1].axis, super::Axis::Columns);

    // Metrics first on the columns axis: the same flat rows, each value in its own column.
    let body = grid(
        serde_json::json!([attribute("Region", &["North", "South"])]),
        serde_json::json!([metrics(), attribute("Year", &["2023", "2024"])]),
        "columns",
        serde_json::json!([[0], [1]]),
        serde_json::json!([[0, 1, 0, 1], [0, 0, 1, 1]]),
        serde_json::json!([[1, 2, 3, 4], [5, 6, 7, 8]]),
    );
    assert_eq!(flat(&body), unpivoted());
}

#[test]
fn metrics_on_rows_fold_into_one_row_per_element() {
    let body = grid(
        serde_json::json!([attribute("Region", &["North", "South"]), metrics()]),
        serde_json::json!([attribute("Year", &["2023", "2024"])]),
        "rows",
        serde_json::json!([[0, 0], [0, 1], [1, 0], [1, 1]]),
        serde_json::json!([[0, 1]]),
        serde_json::json!([[1, 3], [2, 4], [5, 7], [6, 8]]),
    );
    assert_eq!(flat(&body), unpivoted());

    // Over more than one page they cannot be put together: say so, and what to do.
    let split = body.replace(r#""total":4"#, r#""total":8"#);
    let err = decode(split.as_bytes(), opts(Formatted::Skip)).unwrap_err();
    assert!(err.to_string().contains("page_size"), "{err}");
}

#[test]
fn a_cross_tab_without_column_headers_is_an_error_saying_so() {
    let body = grid(
        serde_json::json!([attribute("Region", &["North", "South"])]),
        serde_json::json!([attribute("Year", &["2023", "2024"]), metrics()]),
        "columns",
        serde_json::json!([[0], [1]]),
        serde_json::json!([]),
        serde_json::json!([[1, 2, 3, 4], [5, 6, 7, 8]]),
    );
    let err = decode(body.as_bytes(), opts(Formatted::Skip)).unwrap_err();
    assert!(err.to_string().contains("headers.columns"), "{err}");
}

#[test]
fn a_value_that_is_not_its_declared_type_names_the_column_and_the_row() {
    let mut region = attribute("Day", &["2024-01-31", "31 Jan"]);
    region["forms"][0]["dataType"] = serde_json::json!("date");
    let body = grid(
        serde_json::json!([region]),
        serde_json::json!([metrics()]),
        "columns",
        serde_json::json!([[0], [1]]),
        serde_json::json!([]),
        serde_json::json!([[1, 2], [3, 4]]),
    );
    let err = decode(body.as_bytes(), opts(Formatted::Skip)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("\"Day\"") && text.contains("row 1") && text.contains("not a date"),
        "{text}"
    );

    let body = body
        .replace(r#"[[1,2],[3,4]]"#, r#"[[1,2],[3,4.5]]"#)
        .replace("31 Jan", "2024-02-01");
    let err = decode(body.as_bytes(), opts(Formatted::Skip)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("\"Units\"") && text.contains("row 1") && text.contains("not an integer"),
        "{text}"
    );

    // And a good one reads typed, written ISO in CSV.
    let body = body.replace("4.5", "4");
    let page = decode(body.as_bytes(), opts(Formatted::Skip)).unwrap();
    assert_eq!(
        page.rows[1].cell(0).map(|c| c.to_text()),
        Some("2024-02-01".to_owned())
    );
}

/// `BODY` with the Region elements replaced by `elements` (rows point at elements 0 and 1).
fn with_elements(elements: &str) -> String {
    let start = BODY.find(r#""elements":[{"formValues""#).unwrap();
    let end = BODY[start..].find("]}],").unwrap() + start + 1;
    format!("{}\"elements\":{elements}{}", &BODY[..start], &BODY[end..])
}

#[test]
fn element_values_of_any_json_scalar_read_as_their_text() {
    let body = with_elements(
        r#"[{"id":"h1;A1","formValues":[1.5,"Nor\"th \u00e9"]},{"formValues":[true,null],"id":"h2"}]"#,
    );
    let page = decode(body.as_bytes(), opts(Formatted::Skip)).unwrap();
    fn texts(r: &Row) -> Vec<Option<&str>> {
        r.attributes().collect()
    }
    assert_eq!(texts(&page.rows[1]), [Some("1.5"), Some("Nor\"th é")]);
    assert_eq!(texts(&page.rows[0]), [Some("true"), None]);
}

#[test]
fn an_element_without_form_values_shows_its_name_or_else_its_id() {
    let body = with_elements(r#"[{"id":"h1;A1","name":"North"},{"id":"h2;A1"}]"#);
    let page = decode(body.as_bytes(), opts(Formatted::Skip)).unwrap();
    assert_eq!(page.rows[1].attribute_at(0), Some("North"));
    assert_eq!(page.rows[0].attribute_at(0), Some("h2;A1"));
    assert_eq!(
        page.rows[0].attribute_at(1),
        None,
        "the second form is empty"
    );
}

#[test]
fn form_values_that_are_not_a_list_are_an_error() {
    let body = with_elements(r#"[{"formValues":{"a":1}},{"formValues":["2","x"]}]"#);
    let err = decode(body.as_bytes(), opts(Formatted::Skip)).unwrap_err();
    assert!(err.to_string().contains("not a v2 body"), "{err}");
    let why = std::error::Error::source(&err).map(ToString::to_string);
    assert!(
        why.as_deref()
            .is_some_and(|w| w.contains("a list of form values")),
        "{why:?}"
    );
}
