//! Everything is bounded: page bodies (counted decompressed), response bodies, the cookie
//! jar, and prompt rounds. (Redirect chains: see `redirects`.)

use std::io::Write;
use std::time::Duration;

use mstr_rest::MAX_COOKIES;
use mstr_rest::prelude::*;
use mstr_rest::prompts::PromptAnswer;
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::bounded;
use crate::support::{
    TUTORIAL_ID, api, base_url, config_err, decode_err, header_of, logged_in, mount_prompted,
    received,
};

/// `inflated` bytes of JSON-ish padding, gzip-compressed (a few KiB on the wire).
fn gzip_bomb(inflated: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"{\"pad\":\"").unwrap();
    let block = vec![b'a'; 64 * 1024];
    let mut left = inflated;
    while left > 0 {
        let n = left.min(block.len());
        gz.write_all(&block[..n]).unwrap();
        left -= n;
    }
    gz.write_all(b"\"}").unwrap();
    gz.finish().unwrap()
}

fn gzipped(body: Vec<u8>) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("Content-Encoding", "gzip")
        .insert_header("Content-Type", "application/json")
        .set_body_bytes(body)
}

#[tokio::test]
async fn a_gzip_bomb_page_is_cut_at_the_page_cap_naming_the_setting() {
    bounded(async {
        let server = MockServer::start().await;
        let session = logged_in(&server).await;
        let bomb = gzip_bomb(64 * 1024 * 1024);
        assert!(bomb.len() < 1024 * 1024, "the bomb is small on the wire");
        Mock::given(method("POST"))
            .and(path_regex("instances$"))
            .respond_with(gzipped(bomb))
            .mount(&server)
            .await;
        let err = decode_err(
            session
                .report("R")
                .project(TUTORIAL_ID)
                .max_page_bytes(4 * 1024 * 1024)
                .open()
                .await,
        );
        assert!(err.to_string().contains("max_page_bytes"), "{err}");
        assert!(err.to_string().contains("4194304"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn a_response_body_past_max_body_bytes_is_an_error_naming_the_setting() {
    bounded(async {
        let server = MockServer::start().await;
        Mock::given(path(api("big")))
            .respond_with(gzipped(gzip_bomb(2 * 1024 * 1024)))
            .mount(&server)
            .await;
        let session = Session::builder(base_url(&server))
            .transport(|t| t.max_body_bytes(1024 * 1024))
            .build()
            .unwrap();
        let resp = session.get("big").send().await.unwrap();
        let err = decode_err(resp.json::<serde_json::Value>().await);
        assert!(err.to_string().contains("max_body_bytes"), "{err}");
        // Under the limit, the same body reads whole.
        let session = Session::builder(base_url(&server)).build().unwrap();
        let body: serde_json::Value = session
            .get("big")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["pad"].as_str().map(str::len), Some(2 * 1024 * 1024));
    })
    .await;
}

#[tokio::test]
async fn the_cookie_jar_keeps_the_newest_fifty_and_ignores_oversized_cookies() {
    bounded(async {
        let server = MockServer::start().await;
        // 90 responses of 50 cookies each: 4,500 cookies offered.
        for batch in 0..90 {
            let mut answer = ResponseTemplate::new(200);
            for i in 0..50 {
                answer =
                    answer.append_header("Set-Cookie", format!("c{batch}_{i}=v; Path=/").as_str());
            }
            Mock::given(path(api(&format!("set/{batch}"))))
                .respond_with(answer)
                .mount(&server)
                .await;
        }
        let huge = format!("huge={}; Path=/", "x".repeat(5000));
        Mock::given(path(api("huge")))
            .respond_with(ResponseTemplate::new(200).insert_header("Set-Cookie", huge.as_str()))
            .mount(&server)
            .await;
        Mock::given(path(api("probe")))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let session = Session::builder(base_url(&server)).build().unwrap();
        for batch in 0..90 {
            session.get(&format!("set/{batch}")).send().await.unwrap();
        }
        session.get("huge").send().await.unwrap();
        session.get("probe").send().await.unwrap();

        let jar = session.cookies();
        assert_eq!(jar.len(), MAX_COOKIES);
        assert!(
            jar.iter().all(|(name, _)| name.starts_with("c89_")),
            "the newest batch is kept"
        );
        let probe = received(&server).await.pop().unwrap();
        let header = header_of(&probe, "cookie").unwrap();
        assert!(
            header.len() < 1024,
            "a bounded Cookie header: {} bytes",
            header.len()
        );
        assert!(!header.contains("huge="));
    })
    .await;
}

#[tokio::test]
async fn a_server_that_asks_the_same_prompt_for_ever_is_answered_a_bounded_number_of_times() {
    bounded(async {
        let server = MockServer::start().await;
        let session = logged_in(&server).await;
        let iid = "11112222333344445555666677778888";
        mount_prompted(
            &server,
            iid,
            json!([{"id": "P1", "key": "P1@0@10", "name": "Year", "type": "VALUE", "required": true}]),
        )
        .await;
        // Every answer leaves the instance prompted again.
        Mock::given(method("GET"))
            .and(path_regex("instances/[0-9]+$"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"instanceId": iid, "status": 2})),
            )
            .mount(&server)
            .await;
        let query = || {
            session
                .report("R")
                .project(TUTORIAL_ID)
                .poll_interval(Duration::from_millis(1), Duration::from_millis(2))
                .answer(PromptAnswer::value("Year", ["2024"]))
        };
        let answers_sent = |requests: &[wiremock::Request]| {
            requests
                .iter()
                .filter(|r| r.method.as_str() == "PUT")
                .count()
        };

        let err = config_err(query().max_prompt_rounds(5).open().await);
        assert!(err.to_string().contains("max_prompt_rounds"), "{err}");
        assert_eq!(answers_sent(&received(&server).await), 5);

        // With the poll deadline shorter than the rounds would take, the deadline ends it.
        let before = answers_sent(&received(&server).await);
        let err = query()
            .poll_interval(Duration::from_millis(40), Duration::from_millis(40))
            .poll_deadline(Duration::from_millis(100))
            .open()
            .await
            .unwrap_err();
        let Error::Deadline(d) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(d.setting(), "poll_deadline");
        assert!(err.to_string().contains("poll_deadline"), "{err}");
        let rounds = answers_sent(&received(&server).await) - before;
        assert!(
            (1..=3).contains(&rounds),
            "{rounds} rounds within 100 ms at 40 ms apart"
        );
    })
    .await;
}

#[tokio::test]
async fn prompts_listed_as_closed_are_not_answered_again() {
    bounded(async {
        let server = MockServer::start().await;
        let session = logged_in(&server).await;
        let iid = "11112222333344445555666677778888";
        mount_prompted(
            &server,
            iid,
            json!([
                {"id": "P1", "key": "P1@0@10", "name": "Year", "type": "VALUE", "closed": true},
                {"id": "P2", "key": "P2@0@10", "name": "Region", "type": "VALUE", "closed": false}
            ]),
        )
        .await;
        // After the answer, the instance is ready and empty.
        Mock::given(method("GET"))
            .and(path_regex(format!("instances/{iid}$")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "instanceId": iid, "status": 1,
                "definition": {"grid": {"rows": [], "columns": []}},
                "data": {"paging": {"offset": 0, "current": 0, "total": 0}, "headers": {"rows": []},
                         "metricValues": {"raw": []}}
            })))
            .mount(&server)
            .await;
        session
            .report("R")
            .project(TUTORIAL_ID)
            .answer(PromptAnswer::value("Year", ["2024"]))
            .answer(PromptAnswer::value("Region", ["North"]))
            .open()
            .await
            .unwrap();
        let put = received(&server)
            .await
            .into_iter()
            .find(|r| r.method.as_str() == "PUT")
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&put.body).unwrap();
        let keys: Vec<&str> = body["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["key"].as_str())
            .collect();
        assert_eq!(
            keys,
            ["P2@0@10"],
            "only the open prompt is answered: {body}"
        );
    })
    .await;
}
