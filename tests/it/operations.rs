//! The server-operation families against the emulator: cube publish and wait, datasources
//! and password rotation, Library publishing, migration packages, emails, quotas — async and
//! blocking.

use std::time::Duration;

use mstr_rest::cubes::{CUBE_STATUS_HEADER, CubeStatus, CubesApi};
use mstr_rest::datasources::{Changes, DatasourcesApi, NewDatasourceLogin};
use mstr_rest::emails::{Email, EmailsApi};
use mstr_rest::library::LibraryApi;
use mstr_rest::migrations::{Action, MigrationsApi, PackageDefinition};
use mstr_rest::objects::{ObjectType, ObjectsApi};
use mstr_rest::quotas::QuotasApi;
use mstr_rest::users::UsersApi;
use mstr_rest::{ApiErrorKind, Credentials, Error, Session, env, from_fn};
use mstr_rest_emulator::Emulator;
use tracing::instrument::WithSubscriber;

use crate::support::{TraceCapture, api_kind};

const PROJECT: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const CUBE: &str = "C0BE0000000000000000000000000001";
const REPORT: &str = "F3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8";
const DOSSIER: &str = "27D332AC6D43352E0928B9A1FCAF4AB0";
const SEEDED_REPORT: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";

async fn admin(emulator: &Emulator) -> Session {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("administrator", ""))
        .await
        .unwrap();
    session
}

fn fast<S>(cubes: mstr_rest::cubes::Cubes<S>) -> mstr_rest::cubes::Cubes<S> {
    cubes.poll(Duration::from_millis(1), Duration::from_millis(2))
}

#[tokio::test]
async fn a_cube_is_published_and_waited_for() {
    let emulator = Emulator::builder().job_polls(3).start().await;
    let session = admin(&emulator).await;
    let cubes = fast(session.cubes(PROJECT));
    assert!(cubes.status(CUBE).await.unwrap().is_published());
    let job = cubes.publish(CUBE).await.unwrap();
    assert!(job.id.is_some());
    let running = cubes.status(CUBE).await.unwrap();
    assert!(
        running.is_processing() && !running.is_published(),
        "{running:?}"
    );
    let done = cubes
        .wait_published(CUBE, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(done.has(CubeStatus::READY | CubeStatus::LOADED), "{done}");
    assert_eq!(
        emulator.count("HEAD", &format!("cubes/{CUBE}")),
        5,
        "1 + 1 + 3 polls"
    );
    let head = emulator
        .requests()
        .into_iter()
        .find(|r| r.method == "HEAD")
        .unwrap();
    assert_eq!(head.header("x-mstr-projectid"), Some(PROJECT));
    assert_eq!(CUBE_STATUS_HEADER, "X-MSTR-CubeStatus");

    let again = cubes
        .publish_and_wait(CUBE, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(again.is_published());
}

#[tokio::test]
async fn a_cube_that_never_publishes_is_a_deadline_and_an_unknown_one_not_found() {
    let emulator = Emulator::builder().job_polls(u32::MAX).start().await;
    let session = admin(&emulator).await;
    let cubes = fast(session.cubes(PROJECT));
    let e = cubes
        .publish_and_wait(CUBE, Duration::from_millis(20))
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(
        e.to_string().contains("processing"),
        "names the last status: {e}"
    );
    let e = cubes.status(REPORT).await.unwrap_err();
    assert_eq!(e.status(), Some(404), "a report is not a cube: {e:?}");
    let e = cubes
        .publish("00000000000000000000000000000000")
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound));
}

#[tokio::test]
async fn datasources_list_get_create_and_update() {
    let emulator = Emulator::start().await;
    let session = admin(&emulator).await;
    let ds = session.datasources();
    let instances = ds.instances().await.unwrap();
    assert_eq!(instances[0].name, "Tutorial Data");
    assert_eq!(ds.instance(&instances[0].id).await.unwrap(), instances[0]);
    let connections = ds.connections().await.unwrap();
    assert!(
        connections[0]
            .connection_string
            .as_deref()
            .unwrap()
            .contains("PostgreSQL")
    );
    let updated = ds
        .update_connection(&connections[0].id, &Changes::new().description("nightly"))
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("nightly"));

    let created = ds
        .create_login(
            &NewDatasourceLogin::new("Reporting", "reporter", "first-Pa55").description("BI"),
        )
        .await
        .unwrap();
    assert_eq!(created.username, "reporter");
    assert!(created.extra.get("password").is_none(), "never answered");
    assert_eq!(
        emulator.datasource_login_password(&created.id).as_deref(),
        Some("first-Pa55")
    );
    let renamed = ds
        .update_login(&created.id, &Changes::new().name("Reporting (BI)"))
        .await
        .unwrap();
    assert_eq!(renamed.name, "Reporting (BI)");
    assert_eq!(ds.logins().await.unwrap().len(), 2);

    let e = ds
        .create_login(&NewDatasourceLogin::new("Reporting (BI)", "x", "y"))
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::InvalidRequest), "{e:?}");
    let e = ds
        .login("00000000000000000000000000000000")
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound));
    let before = emulator.requests().len();
    let e = ds
        .update_login(&created.id, &Changes::new().replace("/password", "plain"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)) && e.to_string().contains("rotate_login_password"));
    assert_eq!(emulator.requests().len(), before, "refused before sending");
}

#[tokio::test]
async fn a_password_rotation_leaves_no_trace_of_the_secret() {
    const NEW: &str = "rotated-9d1f-SECRET";
    let emulator = Emulator::start().await;
    let captured = TraceCapture::new(tracing::Level::TRACE, true);
    let base = emulator.base_url();
    let outcome = async {
        let session = Session::builder(base).build().unwrap();
        session
            .login(Credentials::standard("administrator", ""))
            .await
            .unwrap();
        let ds = session.datasources();
        let login = ds.logins().await.unwrap().remove(0);
        let source = env("MSTR_TEST_NEW_DB_PASSWORD").with_lookup(|_| Some(NEW.into()));
        ds.rotate_login_password(&login.id, &source).await.unwrap();
        // A refused rotation and a failing source say why without the secret either.
        let refused = ds
            .rotate_login_password("00000000000000000000000000000000", &source)
            .await
            .unwrap_err();
        let missing = ds
            .rotate_login_password(&login.id, &env("MSTR_TEST_UNSET").with_lookup(|_| None))
            .await
            .unwrap_err();
        (login.id, refused, missing)
    }
    .with_subscriber(captured.dispatch.clone())
    .await;
    let (id, refused, missing) = outcome;
    assert_eq!(
        emulator.datasource_login_password(&id).as_deref(),
        Some(NEW)
    );
    assert!(matches!(missing, Error::Credential(_)), "{missing:?}");
    assert!(missing.to_string().contains("MSTR_TEST_UNSET"), "{missing}");
    for text in [
        captured.text(),
        format!("{refused:?} {refused}"),
        format!("{missing:?} {missing}"),
    ] {
        assert!(!text.contains(NEW), "the secret shows: {text}");
    }
    assert!(
        captured.text().contains("rotating a database login"),
        "traced at all"
    );
    let patches = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(patches, 2, "the missing source sent nothing");
}

#[tokio::test]
async fn a_dossier_is_published_to_groups_and_unpublished() {
    let emulator = Emulator::start().await;
    let session = admin(&emulator).await;
    let groups = session.user_groups().list().await.unwrap();
    let analysts = groups.iter().find(|g| g.name == "Analysts").unwrap();
    let everyone = groups.iter().find(|g| g.name == "Everyone").unwrap();
    let publishing = session.publishing(PROJECT);
    publishing
        .publish(DOSSIER, [&analysts.id, &everyone.id])
        .await
        .unwrap();
    assert_eq!(
        emulator.library_recipients(DOSSIER),
        [analysts.id.clone(), everyone.id.clone()]
    );
    let sent = emulator
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "library")
        .unwrap();
    assert_eq!(
        sent.json().unwrap()["recipients"],
        serde_json::json!([{"id": analysts.id}, {"id": everyone.id}])
    );
    publishing
        .unpublish_from(DOSSIER, &everyone.id)
        .await
        .unwrap();
    assert_eq!(
        emulator.library_recipients(DOSSIER),
        vec![analysts.id.clone()]
    );
    let e = publishing
        .unpublish_from(DOSSIER, &everyone.id)
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound));
    publishing.unpublish(DOSSIER).await.unwrap();
    assert!(session.library().await.unwrap().is_empty());

    let e = publishing
        .publish(DOSSIER, Vec::<String>::new())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    let e = publishing
        .publish(DOSSIER, ["00000000000000000000000000000000"])
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound));
}

#[tokio::test]
async fn a_package_moves_objects_from_one_environment_to_another() {
    let dev = Emulator::start().await;
    let prod = Emulator::start().await;
    let source = admin(&dev).await;
    let target = admin(&prod).await;
    // The report exists in dev only.
    target
        .objects(PROJECT)
        .delete(SEEDED_REPORT, ObjectType::REPORT)
        .await
        .unwrap();
    assert!(!prod.has_object(SEEDED_REPORT));

    let fast = |p: mstr_rest::migrations::Packages| {
        p.project(PROJECT)
            .poll(Duration::from_millis(1), Duration::from_millis(2))
    };
    let definition = PackageDefinition::project(Action::Replace)
        .object(SEEDED_REPORT, ObjectType::REPORT, true)
        .update_schema(["recal_table_logical_size"]);
    let package = fast(source.packages()).create(&definition).await.unwrap();
    assert_eq!(package.status, "READY");
    assert!(
        package.id.contains('/') && package.id.contains('+'),
        "base64 ids reach the server as one path segment: {}",
        package.id
    );
    let mut file = Vec::new();
    let n = fast(source.packages())
        .download(&package.id)
        .write_to(&mut file)
        .await
        .unwrap();
    assert_eq!(n, file.len() as u64);
    fast(source.packages()).delete(&package.id).await.unwrap();

    let packages = fast(target.packages());
    let uploaded = packages.upload(file).await.unwrap();
    assert_eq!(uploaded.status, "READY");
    let import = packages.import(&uploaded.id, true).await.unwrap();
    assert_eq!(import.status, "IMPORTED");
    assert!(import.undo_package_created);
    assert_eq!(import.progress, Some(100.0));
    assert!(prod.has_object(SEEDED_REPORT), "imported");
    let mut undo = Vec::new();
    packages
        .download_undo(&import.id)
        .write_to(&mut undo)
        .await
        .unwrap();
    assert!(!undo.is_empty());
    packages.delete_import(&import.id).await.unwrap();
    let import_polls = prod
        .requests()
        .iter()
        .filter(|r| {
            r.method == "GET"
                && r.path.starts_with("packages/imports/")
                && !r.path.ends_with("binary")
        })
        .count();
    assert_eq!(import_polls, 2, "polled while PROCESSING");
}

#[tokio::test]
async fn package_errors_say_what_to_do() {
    let emulator = Emulator::builder().job_polls(u32::MAX).start().await;
    let session = admin(&emulator).await;
    let packages = session
        .packages()
        .project(PROJECT)
        .poll(Duration::from_millis(1), Duration::from_millis(1))
        .timeout(Duration::from_millis(20));
    let e = packages
        .create(&PackageDefinition::project(Action::UseExisting))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(_)) && e.to_string().contains(".object("),
        "{e}"
    );
    assert_eq!(emulator.count("POST", "packages"), 0);
    let e = packages
        .create(&PackageDefinition::project(Action::Replace).object(
            SEEDED_REPORT,
            ObjectType::REPORT,
            false,
        ))
        .await
        .unwrap_err();
    assert!(
        e.is_timeout() && e.to_string().contains("Packages::timeout"),
        "{e}"
    );
    let e = packages.import("bm9wZQ==", false).await.unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound), "{e:?}");
    let e = packages.upload(&b"not a package"[..]).await.unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::InvalidRequest), "{e:?}");
}

#[tokio::test]
async fn emails_go_to_users_and_transmitters_are_listed() {
    let emulator = Emulator::start().await;
    let session = admin(&emulator).await;
    let dave = session
        .users()
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "dave")
        .unwrap();
    session
        .send_email(
            &Email::new("Load done", "<b>ok</b>")
                .html()
                .to([dave.id.clone()]),
        )
        .await
        .unwrap();
    let sent = emulator.sent_emails();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["userIds"], serde_json::json!([dave.id]));
    assert_eq!(sent[0]["isHTML"], true);
    let e = session
        .send_email(&Email::new("s", "b").to(["00000000000000000000000000000000"]))
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound));
    let e = session
        .send_email(&Email::new("", "b").to([dave.id]))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    assert_eq!(
        emulator.count("POST", "emails"),
        2,
        "the empty subject was not sent"
    );
    let transmitters = session.transmitters().await.unwrap();
    assert_eq!(transmitters[0].delivery_type.as_deref(), Some("email"));
}

#[tokio::test]
async fn quotas_are_read_and_set_per_project_and_user() {
    let emulator = Emulator::start().await;
    let session = admin(&emulator).await;
    let quotas = session.quotas(PROJECT);
    assert_eq!(quotas.project().await.unwrap(), 100.0);
    quotas.set_project(250.4).await.unwrap();
    assert_eq!(
        quotas.project().await.unwrap(),
        250.0,
        "rounded to whole MB"
    );
    let me = session.user_info().await.unwrap();
    quotas.set_user(&me.id, 1024.0).await.unwrap();
    let users = quotas.users().await.unwrap();
    assert_eq!(
        (users[0].id.as_str(), users[0].quota),
        (me.id.as_str(), 1024.0)
    );
    let e = quotas.set_user(&me.id, -5.0).await.unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    let e = session
        .quotas("00000000000000000000000000000000")
        .project()
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound));
}

#[tokio::test]
async fn every_operation_family_works_blocking() {
    let emulator = Emulator::builder().job_polls(1).start().await;
    let base = emulator.base_url();
    let (published, pdf, logins, package, sent, quota) = tokio::task::spawn_blocking(move || {
        let s = mstr_rest::blocking::Session::build(Session::builder(base)).unwrap();
        s.login(Credentials::standard("administrator", "")).unwrap();
        let published = s
            .cubes(PROJECT)
            .poll(Duration::from_millis(1), Duration::from_millis(1))
            .publish_and_wait(CUBE, Duration::from_secs(10))
            .unwrap();
        let mut pdf = Vec::new();
        s.dossier(DOSSIER)
            .project(PROJECT)
            .pdf(mstr_rest::documents::PdfOptions::new())
            .write_to(&mut pdf)
            .unwrap();
        let ds = s.datasources();
        let login = ds.logins().unwrap().remove(0);
        ds.rotate_login_password(&login.id, from_fn(|| "blocking-rotated"))
            .unwrap();
        let packages = s
            .packages()
            .project(PROJECT)
            .poll(Duration::from_millis(1), Duration::from_millis(1));
        let package = packages
            .create(&PackageDefinition::project(Action::Replace).object(
                SEEDED_REPORT,
                ObjectType::REPORT,
                true,
            ))
            .unwrap();
        let mut file = Vec::new();
        packages.download(&package.id).write_to(&mut file).unwrap();
        let imported = packages
            .import(&packages.upload(file).unwrap().id, false)
            .unwrap();
        let me = s.user_info().unwrap();
        s.send_email(&Email::new("hi", "there").to([me.id.clone()]))
            .unwrap();
        s.publishing(PROJECT).publish(DOSSIER, [&me.id]).unwrap();
        s.quotas(PROJECT).set_user(&me.id, 64.0).unwrap();
        let quota = s.quotas(PROJECT).users().unwrap()[0].quota;
        (
            published,
            pdf,
            login.id,
            imported.status,
            s.transmitters().unwrap().len(),
            quota,
        )
    })
    .await
    .unwrap();
    assert!(published.is_published());
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(
        emulator.datasource_login_password(&logins).as_deref(),
        Some("blocking-rotated")
    );
    assert_eq!(package, "IMPORTED");
    assert_eq!((sent, emulator.sent_emails().len()), (1, 1));
    assert_eq!(quota, 64.0);
    assert_eq!(emulator.library_recipients(DOSSIER).len(), 1);
}
