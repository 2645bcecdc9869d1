use serde_json::{Value, json};

use super::*;

fn request(offset: u64, limit: i64) -> PageRequest {
    PageRequest {
        offset,
        limit,
        exclusions: Exclusions::default(),
    }
}

fn new(id: &str, page: PageRequest) -> NewInstance<'_> {
    NewInstance {
        id,
        kind: Kind::Report,
        body: &Value::Null,
        respond_async: false,
        page,
    }
}

#[test]
fn page_math_follows_the_reference() {
    assert_eq!(page_rows(10, request(0, 4), None), 4);
    assert_eq!(page_rows(10, request(8, 4), None), 2);
    assert_eq!(page_rows(10, request(10, 4), None), 0);
    assert_eq!(page_rows(10, request(15, 4), None), 0);
    assert_eq!(page_rows(10, request(3, -1), None), 7);
    assert_eq!(page_rows(10, request(3, -1), Some(2)), 2);
    assert_eq!(page_rows(0, request(0, 1000), None), 0);
}

fn page(spec: ReportSpec, offset: u64, limit: i64, fields: Option<&str>) -> Value {
    let instance = Instance {
        attributes: (0..spec.attributes.len()).collect(),
        metrics: (0..spec.metrics.len()).collect(),
        spec: Arc::new(spec),
        polls_left: 0,
        open_prompts: Vec::new(),
        slice: 0,
    };
    let body = page_body(
        &instance,
        "I",
        PageRequest {
            offset,
            limit,
            exclusions: Exclusions::parse(fields),
        },
    );
    serde_json::from_str(&body).expect("the page is JSON")
}

#[test]
fn a_page_has_the_v2_shape_and_generated_values() {
    let body = page(ReportSpec::new("R", "Report").rows(30), 25, 10, None);
    assert_eq!(
        body["data"]["paging"],
        json!({"total": 30, "current": 5, "offset": 25, "limit": 10})
    );
    let rows = &body["definition"]["grid"]["rows"];
    assert_eq!(rows[0]["name"], "Row");
    assert_eq!(
        rows[0]["elements"][0]["formValues"],
        json!(["26", "Row 26"])
    );
    assert_eq!(body["data"]["headers"]["rows"][4], json!([4, 4]));
    // Region: elements (r + 1) % 12 for r = 25..30 → 2,3,4,5,6, listed in order of first use.
    assert_eq!(
        rows[1]["elements"][0]["formValues"],
        json!(["3", "Region 3"])
    );
    assert_eq!(body["data"]["metricValues"]["raw"][0], json!([18.75, 33]));
    assert_eq!(body["data"]["metricValues"]["formatted"][0][0], "18.75");
    assert_eq!(
        body["definition"]["grid"]["columns"][0]["type"],
        "templateMetrics"
    );
}

#[test]
fn repeated_elements_are_listed_once_per_page() {
    let spec = ReportSpec::new("R", "Report")
        .grid(&[("Region", 3)], &[])
        .rows(10);
    let body = page(spec, 0, 10, None);
    assert_eq!(
        body["definition"]["grid"]["rows"][0]["elements"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(body["data"]["headers"]["rows"][3], json!([0]));
    assert_eq!(body["data"]["metricValues"]["raw"], json!([]));
}

#[test]
fn fields_exclusions_drop_metric_matrices() {
    let body = page(
        ReportSpec::new("R", "Report").rows(3),
        0,
        -1,
        Some("-data.metricValues.extras,-data.metricValues.formatted"),
    );
    let values = body["data"]["metricValues"].as_object().unwrap();
    assert_eq!(values.keys().collect::<Vec<_>>(), ["raw"]);
}

#[test]
fn prompt_answers_are_validated_before_any_is_applied() {
    let reports = Reports::new(vec![
        ReportSpec::new("R", "Report")
            .prompt(PromptSpec::value("Year").opens(PromptSpec::objects("Nested")))
            .prompt(PromptSpec::elements("Region").required(false)),
    ]);
    let made = reports.create("S", 10, new("R", request(0, 10))).unwrap();
    let Answer::Prompted { instance, .. } = made else {
        panic!("a prompted report answers status 2, got {made:?}");
    };
    let refused = reports.answer_prompts(
        "S",
        "R",
        &instance,
        &json!({"prompts": [
            {"name": "Region", "type": "ELEMENTS", "answers": []},
            {"name": "Year", "type": "VALUE", "answers": []}
        ]}),
    );
    assert!(
        refused.is_err(),
        "an empty answer to the required Year is refused"
    );
    let open = reports.open_prompts("S", "R", &instance).unwrap();
    assert_eq!(open.as_array().unwrap().len(), 2, "nothing applied");
    reports
        .answer_prompts(
            "S",
            "R",
            &instance,
            &json!({"prompts": [{"name": "Year", "type": "VALUE", "answers": [2024]}]}),
        )
        .unwrap();
    let open = reports.open_prompts("S", "R", &instance).unwrap();
    let names: Vec<&str> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Region", "Nested"]);
}

#[test]
fn instances_beyond_the_working_set_are_evicted_oldest_first() {
    let reports = Reports::new(vec![ReportSpec::new("R", "Report").rows(5)]);
    let create = || reports.create("S", 3, new("R", request(0, 1))).unwrap();
    let id = |a: Answer| match a {
        Answer::Page(body) => serde_json::from_str::<Value>(&body).unwrap()["instanceId"]
            .as_str()
            .unwrap()
            .to_owned(),
        other => panic!("expected a page, got {other:?}"),
    };
    let first = id(create());
    let second = id(create());
    let _ = id(create());
    // Touching the first makes the second the least recently used.
    reports.fetch("S", "R", &first, request(1, 1)).unwrap();
    let _ = id(create());
    assert!(reports.fetch("S", "R", &first, request(0, 1)).is_ok());
    assert!(reports.fetch("S", "R", &second, request(0, 1)).is_err());
    assert!(
        reports
            .fetch("other session", "R", &first, request(0, 1))
            .is_err()
    );
}
