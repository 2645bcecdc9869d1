use base64::Engine as _;
use serde_json::{Value, json};

use super::ChunkEncoder;
use super::upload::publish_done;

fn decode(data: &str) -> Value {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("valid base64");
    serde_json::from_slice(&bytes).expect("valid JSON")
}

#[test]
fn chunk_is_base64_of_a_json_array_of_row_arrays() {
    let mut chunk = ChunkEncoder::new(None);
    chunk
        .push(&json!([2, "2017-12-05", "11:00:00", "Books", 200]))
        .unwrap();
    chunk
        .push(&(3, "2017-12-06", "12:00:00", "Music", 10.5))
        .unwrap();
    assert_eq!(
        decode(&chunk.finish()),
        json!([
            [2, "2017-12-05", "11:00:00", "Books", 200],
            [3, "2017-12-06", "12:00:00", "Music", 10.5]
        ])
    );
}

#[test]
fn finish_empties_the_encoder_for_the_next_chunk() {
    let mut chunk = ChunkEncoder::new(Some(1));
    chunk.push(&[1]).unwrap();
    let _ = chunk.finish();
    assert!(chunk.is_empty());
    chunk.push(&[2]).unwrap();
    assert_eq!(decode(&chunk.finish()), json!([[2]]));
}

#[test]
fn empty_chunk_encodes_an_empty_array() {
    assert_eq!(decode(&ChunkEncoder::new(None).finish()), json!([]));
}

#[test]
fn a_row_that_is_not_an_array_is_refused_and_leaves_the_chunk_unchanged() {
    let mut chunk = ChunkEncoder::new(None);
    chunk.push(&[1, 2]).unwrap();
    let err = chunk.push(&json!({"a": 1})).unwrap_err();
    assert!(err.to_string().contains("array"), "{err}");
    assert_eq!(chunk.rows(), 1);
    assert_eq!(decode(&chunk.finish()), json!([[1, 2]]));
}

#[test]
fn a_row_of_the_wrong_width_is_refused() {
    let mut chunk = ChunkEncoder::new(Some(3));
    let err = chunk.push(&[1, 2]).unwrap_err();
    assert!(err.to_string().contains("2 values"), "{err}");
    assert!(chunk.is_empty());
}

#[test]
fn debug_shows_sizes_not_values() {
    let mut chunk = ChunkEncoder::new(None);
    chunk.push(&["secret-looking value"]).unwrap();
    let shown = format!("{chunk:?}");
    assert!(!shown.contains("secret-looking"), "{shown}");
    assert!(shown.contains("rows: 1"), "{shown}");
}

#[test]
fn publish_status_one_is_done_as_int_or_string() {
    assert!(publish_done(&json!({"status": 1})));
    assert!(publish_done(
        &json!({"status": "1", "message": "result ready"})
    ));
    assert!(!publish_done(
        &json!({"status": 6, "message": "sql execution"})
    ));
    assert!(!publish_done(&json!({"status": "6"})));
    assert!(!publish_done(&json!({})));
}

#[test]
fn model_serializes_to_the_push_api_dataset_shape() {
    use super::{DataType, DatasetModel, TableSchema};
    let model = DatasetModel::new("Sales")
        .table(
            TableSchema::new("T")
                .column("Region", DataType::String)
                .column("N", DataType::BigInteger),
        )
        .attribute_column("Region", "T", "Region")
        .metric_column("N", "T", "N");
    assert_eq!(
        serde_json::to_value(&model).unwrap(),
        json!({
            "name": "Sales",
            "tables": [{"name": "T", "columnHeaders": [
                {"name": "Region", "dataType": "STRING"}, {"name": "N", "dataType": "BIGINTEGER"}]}],
            "metrics": [{"name": "N", "expressions": [{"tableName": "T", "columnName": "N"}]}],
            "attributes": [{"name": "Region", "attributeForms": [
                {"category": "ID", "expressions": [{"tableName": "T", "columnName": "Region"}]}]}],
        })
    );
}

#[test]
fn a_row_is_as_wide_as_its_outer_array_whatever_its_values_hold() {
    let mut chunk = ChunkEncoder::new(Some(3));
    chunk
        .push(&json!([[1, 2, 3, 4], {"a": [5, 6]}, "x"]))
        .unwrap();
    assert!(
        chunk.push(&json!([[1, 2, 3]])).is_err(),
        "one value, not three"
    );
    assert!(chunk.push(&"abc").is_err(), "a string is not a row");
    assert_eq!(chunk.rows(), 1);
}

#[test]
fn the_put_body_carries_the_table_the_index_and_the_chunk() {
    let mut chunk = ChunkEncoder::new(Some(2));
    chunk.push(&("Books", 200)).unwrap();
    let body: Value = serde_json::from_slice(&chunk.finish_body("T \"1\"", 7)).unwrap();
    assert_eq!(body["tableName"], "T \"1\"");
    assert_eq!(body["index"], 7);
    assert_eq!(
        decode(body["data"].as_str().unwrap()),
        json!([["Books", 200]])
    );
    assert!(chunk.is_empty(), "ready for the next chunk");
}
