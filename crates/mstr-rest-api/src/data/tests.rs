use super::csv;
use super::decode::{Formatted, Options, Subtotals, decode};

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
    assert_eq!(first.index, 4);
    assert_eq!(first.attribute("Region", "ID"), Some("2"));
    assert_eq!(first.attribute("Region", "DESC"), None);
    assert_eq!(first.metrics, [Some(1.5), None]);
    assert_eq!(page.rows[1].attribute("Region", "DESC"), Some("North"));
    assert_eq!(page.rows[1].metrics, [Some(2.0), Some(3.25)]);
    assert_eq!(page.rows[2].metrics, [None, None]);
    assert!(first.formatted.is_empty());
}

#[test]
fn decode_keeps_formatted_values_only_when_asked() {
    let page = decode(BODY.as_bytes(), opts(Formatted::Required)).unwrap();
    assert_eq!(
        page.rows[0].formatted,
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
fn decode_rejects_metrics_on_rows() {
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
    let page = decode(BODY.as_bytes(), opts(Formatted::Skip)).unwrap();
    let mut out = Vec::new();
    csv::header(&mut out, &page.columns);
    for r in &page.rows {
        csv::row(&mut out, r);
    }
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

    use super::DataApi;

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
