//! Dataset push through upload sessions, against the emulator: chunking, every update
//! policy, and clean-up after a failure.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use mstr_rest::datasets::{DataType, Dataset, DatasetModel, TableSchema, UpdatePolicy};
use mstr_rest::prelude::*;
use mstr_rest_emulator::Emulator;
use serde_json::{Value, json};

const TUTORIAL: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";

async fn logged_in(emulator: &Emulator) -> Session {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session
}

fn model() -> DatasetModel {
    DatasetModel::new("Sales")
        .table(
            TableSchema::new("SALES")
                .column("Id", DataType::Integer)
                .column("Region", DataType::String)
                .column("Revenue", DataType::Double),
        )
        .attribute_column("Id", "SALES", "Id")
        .metric_column("Revenue", "SALES", "Revenue")
}

async fn push(dataset: &Dataset, policy: UpdatePolicy, rows: Vec<Value>) -> mstr_rest::Result<()> {
    dataset
        .upload("SALES")
        .policy(policy)
        .publish_poll(Duration::from_millis(1), Duration::from_millis(1))
        .push(stream::iter(rows))
        .await
        .map(drop)
}

fn row(id: i64, region: &str, revenue: f64) -> Value {
    json!([id, region, revenue])
}

#[tokio::test]
async fn hundred_thousand_rows_go_in_chunks_and_read_back_equal() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let dataset = session.datasets(TUTORIAL).create(&model()).await.unwrap();
    let rows: Vec<Value> = (0..100_000)
        .map(|i| {
            row(
                i,
                ["North", "South", "East"][(i % 3) as usize],
                i as f64 * 0.5,
            )
        })
        .collect();

    let summary = dataset
        .upload("SALES")
        .chunk_rows(30_000)
        .publish_poll(Duration::from_millis(1), Duration::from_millis(1))
        .push(stream::iter(rows.clone()))
        .await
        .unwrap();

    assert_eq!(summary.rows, 100_000);
    assert_eq!(summary.chunks, 4, "30k + 30k + 30k + 10k");
    assert!(
        summary.polls >= 2,
        "the emulator reports running before ready"
    );
    let put_path = format!(
        "datasets/{}/uploadSessions/{}",
        dataset.id(),
        summary.upload_session_id
    );
    assert_eq!(emulator.count("PUT", &put_path), 4);
    let stored: Vec<Value> = emulator
        .dataset_rows(dataset.id(), "SALES")
        .unwrap()
        .into_iter()
        .map(Value::Array)
        .collect();
    assert_eq!(stored, rows);
    assert!(!emulator.has_upload_session(dataset.id()));
}

#[tokio::test]
async fn replace_add_update_and_upsert_combine_rows_by_their_policy() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let dataset = session.datasets(TUTORIAL).create(&model()).await.unwrap();
    let stored = || emulator.dataset_rows(dataset.id(), "SALES").unwrap();

    push(
        &dataset,
        UpdatePolicy::Replace,
        vec![row(1, "N", 1.0), row(2, "S", 2.0)],
    )
    .await
    .unwrap();
    push(&dataset, UpdatePolicy::Replace, vec![row(3, "E", 3.0)])
        .await
        .unwrap();
    assert_eq!(
        stored(),
        vec![vec![json!(3), json!("E"), json!(3.0)]],
        "replace drops old rows"
    );

    push(&dataset, UpdatePolicy::Add, vec![row(4, "W", 4.0)])
        .await
        .unwrap();
    assert_eq!(stored().len(), 2, "add appends");

    push(
        &dataset,
        UpdatePolicy::Update,
        vec![row(3, "E", 30.0), row(9, "X", 9.0)],
    )
    .await
    .unwrap();
    assert_eq!(
        stored(),
        vec![
            vec![json!(3), json!("E"), json!(30.0)],
            vec![json!(4), json!("W"), json!(4.0)]
        ],
        "update changes matching keys and drops the rest"
    );

    push(
        &dataset,
        UpdatePolicy::Upsert,
        vec![row(4, "W", 40.0), row(5, "Z", 5.0)],
    )
    .await
    .unwrap();
    assert_eq!(
        stored(),
        vec![
            vec![json!(3), json!("E"), json!(30.0)],
            vec![json!(4), json!("W"), json!(40.0)],
            vec![json!(5), json!("Z"), json!(5.0)],
        ],
        "upsert changes matching keys and appends the rest"
    );
}

#[tokio::test]
async fn a_chunk_the_server_refuses_deletes_the_upload_session_and_keeps_the_rows() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let created = session.datasets(TUTORIAL).create(&model()).await.unwrap();
    push(&created, UpdatePolicy::Replace, vec![row(1, "N", 1.0)])
        .await
        .unwrap();
    // A handle without the schema: the width check is left to the server.
    let dataset = session.datasets(TUTORIAL).get(created.id());

    let err = push(
        &dataset,
        UpdatePolicy::Replace,
        vec![row(2, "S", 2.0), json!([3, "too short"])],
    )
    .await
    .unwrap_err();

    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        !emulator.has_upload_session(dataset.id()),
        "the session was deleted"
    );
    let prefix = format!("datasets/{}/uploadSessions/", dataset.id());
    let deletes = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.path.starts_with(&prefix))
        .count();
    assert_eq!(deletes, 1, "one DELETE of the upload session");
    assert_eq!(
        emulator.dataset_rows(dataset.id(), "SALES").unwrap().len(),
        1,
        "rows unchanged"
    );
    // With the session gone, the next push can open one.
    push(&dataset, UpdatePolicy::Add, vec![row(2, "S", 2.0)])
        .await
        .unwrap();
    assert_eq!(
        emulator.dataset_rows(dataset.id(), "SALES").unwrap().len(),
        2
    );
}

#[tokio::test]
async fn a_row_of_the_wrong_width_fails_before_sending_and_deletes_the_session() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let dataset = session.datasets(TUTORIAL).create(&model()).await.unwrap();

    let err = push(&dataset, UpdatePolicy::Replace, vec![json!([1, "N"])])
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(!emulator.has_upload_session(dataset.id()));
    assert_eq!(
        emulator.dataset_rows(dataset.id(), "SALES").unwrap(),
        Vec::<Vec<Value>>::new()
    );
}

#[tokio::test]
async fn an_empty_stream_sends_no_chunk_and_still_publishes() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let dataset = session.datasets(TUTORIAL).create(&model()).await.unwrap();

    let summary = dataset
        .upload("SALES")
        .publish_poll(Duration::from_millis(1), Duration::from_millis(1))
        .push(stream::iter(Vec::<Value>::new()))
        .await
        .unwrap();

    assert_eq!((summary.rows, summary.chunks), (0, 0));
    assert!(!emulator.has_upload_session(dataset.id()));
}

#[tokio::test]
async fn a_publish_past_its_timeout_is_a_timeout_and_deletes_the_session() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let dataset = session.datasets(TUTORIAL).create(&model()).await.unwrap();

    let err = dataset
        .upload("SALES")
        .publish_poll(Duration::from_secs(5), Duration::from_secs(5))
        .publish_timeout(Duration::from_millis(1))
        .push(stream::iter(vec![row(1, "N", 1.0)]))
        .await
        .unwrap_err();

    assert!(
        matches!(&err, Error::Deadline(d) if d.setting() == "publish_timeout"),
        "{err:?}"
    );
    assert!(err.to_string().contains("raise publish_timeout"), "{err}");
    assert!(!emulator.has_upload_session(dataset.id()));
}

#[tokio::test]
async fn typed_rows_push_as_tuples_and_the_dataset_can_be_deleted() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let datasets = session.datasets(TUTORIAL);
    let dataset = datasets.create(&model()).await.unwrap();
    let rows = stream::iter((0..10).map(|i| (i, format!("R{i}"), f64::from(i))));

    dataset
        .upload("SALES")
        .publish_poll(Duration::ZERO, Duration::ZERO)
        .push(rows)
        .await
        .unwrap();
    assert_eq!(
        emulator.dataset_rows(dataset.id(), "SALES").unwrap()[9],
        vec![json!(9), json!("R9"), json!(9.0)]
    );
    let info = dataset.info().await.unwrap();
    assert_eq!(info["tables"][0]["name"], "SALES");

    datasets.delete(dataset.id()).await.unwrap();
    assert!(emulator.dataset_rows(dataset.id(), "SALES").is_none());
}

#[tokio::test]
async fn at_most_one_chunk_is_on_the_wire_while_the_next_is_filled() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let dataset = session.datasets(TUTORIAL).create(&model()).await.unwrap();
    let prefix = format!("datasets/{}/uploadSessions/", dataset.id());
    let puts = || {
        emulator
            .requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.starts_with(&prefix))
            .count()
    };
    // While row i is produced, i / 1000 chunks are full: all but the last have reached the
    // server, the last may still be on the wire. The client holds at most the chunk on the
    // wire and the one it is filling.
    let rows = stream::iter(0..5_500).map(|i| {
        let full = i / 1_000;
        let reached = puts();
        assert!(
            reached <= full && reached + 1 >= full,
            "row {i}: {reached} chunks reached the server, {full} are full"
        );
        row(i as i64, "N", 0.0)
    });

    let summary = dataset
        .upload("SALES")
        .chunk_rows(1_000)
        .publish_poll(Duration::ZERO, Duration::ZERO)
        .push(rows)
        .await
        .unwrap();

    assert_eq!((summary.rows, summary.chunks), (5_500, 6));
    assert_eq!(puts(), 6);
}
