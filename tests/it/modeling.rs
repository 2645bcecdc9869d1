//! Modeling through changesets against the emulator: a changeset commits on success and is
//! abandoned on error, on panic and when dropped — never half applied.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use mstr_rest::modeling::{CHANGESET_HEADER, ModelKind, ModelingApi};
use mstr_rest::{Credentials, Error, Session};
use mstr_rest_emulator::Emulator;
use serde_json::json;

use crate::support::api_kind;

const PROJECT: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";

async fn logged_in(emulator: &Emulator) -> Session {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session
}

fn metric(name: &str) -> serde_json::Value {
    json!({"information": {"name": name, "subType": "metric"}, "expression": {"text": "Sum(Revenue)"}})
}

#[tokio::test]
async fn a_successful_changeset_commits_every_change_at_once() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let (created, updated) = session
        .changeset(PROJECT, |cs| async move {
            let metrics = cs.objects(ModelKind::Metrics);
            let created = metrics.create(&metric("Margin")).await?;
            let id = created.information.object_id.clone().unwrap();
            // Inside the changeset the new metric exists; outside it does not yet.
            assert_eq!(metrics.get(&id).await?.information.name, "Margin");
            let mut renamed = created.clone();
            renamed.information.name = "Gross margin".to_owned();
            let updated = metrics.update(&id, &renamed).await?;
            let filter = json!({"information": {"name": "2026 only"}, "qualification": {"text": "Year = 2026"}});
            cs.objects(ModelKind::Filters).create(&filter).await?;
            Ok((created, updated))
        })
        .await
        .unwrap();
    assert_ne!(
        created.information.version_id,
        updated.information.version_id
    );
    assert_eq!(emulator.changeset_commits(), 1);
    assert_eq!(emulator.open_changesets(), 0, "committed, then deleted");
    assert!(
        emulator
            .model_object_names("metrics")
            .contains(&"Gross margin".to_owned())
    );
    assert_eq!(emulator.model_object_names("filters"), ["2026 only"]);
    let id = updated.information.object_id.unwrap();
    let read = session
        .model_object(PROJECT, ModelKind::Metrics, &id)
        .await
        .unwrap();
    assert_eq!(read.information.name, "Gross margin");
    assert_eq!(read.definition["expression"]["text"], "Sum(Revenue)");
    // Every call inside carried the changeset header.
    let inside: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("model/metrics") || r.path.starts_with("model/filters"))
        .filter(|r| r.method != "GET" || r.header(CHANGESET_HEADER).is_some())
        .collect();
    assert!(inside.iter().all(|r| r.header(CHANGESET_HEADER).is_some()));
    assert_eq!(inside.len(), 4);
}

#[tokio::test]
async fn an_error_abandons_the_changeset_and_nothing_is_applied() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let e = session
        .changeset(PROJECT, |cs| async move {
            cs.objects(ModelKind::Metrics)
                .create(&metric("Half"))
                .await?;
            // The second change is refused: the first must not survive either.
            cs.objects(ModelKind::Attributes)
                .update(
                    "00000000000000000000000000000000",
                    &json!({"information": {"name": "x"}}),
                )
                .await?;
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(
        api_kind(&e),
        Some(mstr_rest::ApiErrorKind::ResourceNotFound),
        "{e:?}"
    );
    assert_eq!(emulator.changeset_commits(), 0);
    assert_eq!(emulator.open_changesets(), 0, "abandoned");
    assert!(
        !emulator
            .model_object_names("metrics")
            .contains(&"Half".to_owned())
    );
}

#[tokio::test]
async fn a_panic_abandons_the_changeset_and_goes_on() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let run = session.changeset(PROJECT, |cs| async move {
        cs.objects(ModelKind::Facts)
            .create(&json!({"information": {"name": "Cost"}}))
            .await?;
        if cs.id().is_empty() {
            return Ok(());
        }
        panic!("the ETL step broke");
    });
    let panic = AssertUnwindSafe(run).catch_unwind().await.unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"the ETL step broke"));
    assert_eq!(emulator.changeset_commits(), 0);
    assert_eq!(emulator.open_changesets(), 0);
    assert!(emulator.model_object_names("facts").is_empty());
}

#[tokio::test]
async fn a_dropped_changeset_is_abandoned_in_the_background() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let cs = session.open_changeset(PROJECT).await.unwrap();
    cs.objects(ModelKind::Prompts)
        .create(&json!({"information": {"name": "Pick a year"}}))
        .await
        .unwrap();
    assert_eq!(emulator.open_changesets(), 1);
    drop(cs);
    // The abandon runs on the runtime: wait for its request, not for a fixed time.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while emulator.open_changesets() != 0 {
        assert!(tokio::time::Instant::now() < deadline, "never abandoned");
        tokio::task::yield_now().await;
    }
    assert_eq!(emulator.changeset_commits(), 0);
    assert!(emulator.model_object_names("prompts").is_empty());
}

#[tokio::test]
async fn a_changeset_ends_once() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let cs = session.open_changeset(PROJECT).await.unwrap();
    let again = cs.clone();
    cs.commit().await.unwrap();
    let e = again.abandon().await.unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert!(
        e.to_string().contains("already committed or abandoned"),
        "{e}"
    );
    let deletes = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.path.starts_with("model/changesets/"))
        .count();
    assert_eq!(deletes, 1, "the commit's own delete, no second end");
}

#[tokio::test]
async fn the_blocking_changeset_commits_abandons_and_survives_panics() {
    let emulator = Emulator::start().await;
    let base = emulator.base_url();
    let outcome = tokio::task::spawn_blocking(move || {
        let session = mstr_rest::blocking::Session::build(Session::builder(base)).unwrap();
        session
            .login(Credentials::standard("dave", "hellodave"))
            .unwrap();
        let id = session
            .changeset(PROJECT, |cs| {
                let m = cs.objects(ModelKind::Metrics).create(&metric("Blocking"))?;
                Ok(m.information.object_id.unwrap())
            })
            .unwrap();
        let read = session
            .model_object(PROJECT, ModelKind::Metrics, &id)
            .unwrap();
        let refused: mstr_rest::Result<()> = session.changeset(PROJECT, |cs| {
            cs.objects(ModelKind::Metrics).create(&metric("Refused"))?;
            Err(Error::config("the caller gave up"))
        });
        let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            session.changeset(PROJECT, |cs| -> mstr_rest::Result<()> {
                cs.objects(ModelKind::Metrics).create(&metric("Panicked"))?;
                panic!("boom")
            })
        }));
        let dropped = session.open_changeset(PROJECT).unwrap();
        drop(dropped);
        (read.information.name, refused.is_err(), panicked.is_err())
    })
    .await
    .unwrap();
    assert_eq!(outcome, ("Blocking".to_owned(), true, true));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while emulator.open_changesets() != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dropped one was never abandoned"
        );
        tokio::task::yield_now().await;
    }
    assert_eq!(emulator.changeset_commits(), 1);
    assert_eq!(
        emulator.model_object_names("metrics"),
        ["Blocking", "Revenue"]
    );
}
