//! Report instances as long extracts meet them: evicted mid-extract (and re-created on
//! request), and moved to a new instance id after prompt answers.

use futures_util::TryStreamExt;
use mstr_rest::ApiErrorKind;
use mstr_rest::prelude::*;
use mstr_rest::prompts::PromptAnswer;
use mstr_rest::reports::Row;
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TUTORIAL_ID, logged_in, mount_prompted, received};

const A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

/// A page of a 6-row report: rows `offset..offset+3`, metric = row number.
fn page(instance: &str, offset: u64) -> Value {
    json!({
        "instanceId": instance, "status": 1,
        "definition": {"grid": {
            "rows": [{"name": "Row", "id": "R", "type": "attribute", "forms": [{"id": "F", "name": "ID"}],
                      "elements": (0..6).map(|i| json!({"formValues": [i.to_string()], "id": format!("h{i}")})).collect::<Vec<_>>()}],
            "columns": [{"name": "Metrics", "id": "0", "type": "templateMetrics", "elements": [{"name": "N", "id": "M"}]}]}},
        "data": {"paging": {"offset": offset, "current": 3, "total": 6},
                 "headers": {"rows": [[offset], [offset + 1], [offset + 2]]},
                 "metricValues": {"raw": [[offset], [offset + 1], [offset + 2]]}}
    })
}

fn evicted() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "code": "ERR004", "iServerCode": -2147468986,
        "message": "Message not found in user history list", "ticketId": "t"
    }))
}

async fn evicting_server() -> (MockServer, Session) {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("POST"))
        .and(path_regex("instances$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(A, 0)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("instances$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(B, 0)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(format!("instances/{A}$")))
        .respond_with(evicted())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(format!("instances/{B}$")))
        .and(query_param("offset", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(B, 3)))
        .mount(&server)
        .await;
    (server, session)
}

#[tokio::test]
async fn an_evicted_instance_says_what_happened_and_what_to_do() {
    let (_server, session) = evicting_server().await;
    let result: mstr_rest::Result<Vec<Row>> = session
        .report("R")
        .project(TUTORIAL_ID)
        .page_size(3)
        .rows()
        .try_collect()
        .await;
    let err = result.unwrap_err();
    let api = err.as_api().expect("the server's error");
    assert_eq!(api.kind(), ApiErrorKind::ResourceNotFound);
    assert_eq!(api.iserver_code, Some(-2_147_468_986));
    let text = err.to_string();
    assert!(
        text.contains(A) && text.contains("offset 3") && text.contains("reopen_on_expiry"),
        "{text}"
    );
}

#[tokio::test]
async fn reopen_on_expiry_re_creates_the_instance_and_continues_at_the_next_offset() {
    let (server, session) = evicting_server().await;
    let rows: Vec<Row> = session
        .report("R")
        .project(TUTORIAL_ID)
        .page_size(3)
        .reopen_on_expiry(true)
        .rows()
        .try_collect()
        .await
        .unwrap();
    let n: Vec<f64> = rows.iter().map(|r| r.metric("N").unwrap()).collect();
    assert_eq!(
        n,
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        "every row once, in order"
    );
    let posts = received(&server)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("instances"))
        .count();
    assert_eq!(posts, 2, "created, then re-created once");
}

#[tokio::test]
async fn after_prompt_answers_a_new_instance_id_is_followed() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    mount_prompted(
        &server,
        A,
        json!([{"id": "P", "key": "P@0@10", "name": "Year", "type": "VALUE"}]),
    )
    .await;
    // The answered instance reports itself under B.
    Mock::given(method("GET"))
        .and(path_regex(format!("instances/{A}$")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(B, 0)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(format!("instances/{B}$")))
        .and(query_param("offset", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(B, 3)))
        .mount(&server)
        .await;
    let instance = session
        .report("R")
        .project(TUTORIAL_ID)
        .page_size(3)
        .answer(PromptAnswer::value("Year", ["2024"]))
        .open()
        .await
        .unwrap();
    assert_eq!(instance.id(), B);
    let rows: Vec<Row> = instance.resume().rows().try_collect().await.unwrap();
    assert_eq!(rows.len(), 6);
}
