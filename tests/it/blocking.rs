//! The blocking API (feature `blocking`) against an emulator running on its own runtime.

use mstr_rest::blocking::{AuthenticatedSession, Session};
use mstr_rest::{ApiErrorKind, Credentials, Error, ExposeSecret};
use mstr_rest_emulator::Emulator;

const TUTORIAL: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";

/// An emulator served by a one-thread runtime of its own, so blocking calls on the test
/// thread never stall it. Drop the emulator before the runtime (declaration order does).
fn emulator() -> (tokio::runtime::Runtime, Emulator) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime.block_on(Emulator::start());
    (runtime, emulator)
}

fn logged_in(emulator: &Emulator) -> Session {
    let session = Session::build(mstr_rest::Session::builder(emulator.base_url())).unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .unwrap();
    session
}

#[test]
fn a_blocking_session_logs_in_calls_and_logs_out() {
    let (_runtime, emulator) = emulator();
    let session = logged_in(&emulator);
    assert!(session.has_session());
    assert_eq!(session.user_info().unwrap().full_name, "Dave Bowman");
    assert_eq!(session.session_info().unwrap()["locale"], 1033);
    session.extend_session().unwrap();
    assert_eq!(session.projects().unwrap().len(), 3);
    assert_eq!(session.load_projects().unwrap().len(), 3);
    assert_eq!(
        session
            .project_id("MicroStrategy Tutorial")
            .unwrap()
            .as_deref(),
        Some(TUTORIAL)
    );
    let found: serde_json::Value = session
        .get("searches/results")
        .project(TUTORIAL)
        .query(&[("name", "Revenue")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(found["totalItems"], 1);
    let missing = session.get("no/such/endpoint").send().unwrap_err();
    assert_eq!(
        missing.as_api().map(|e| e.kind()),
        Some(ApiErrorKind::ResourceNotFound)
    );

    session.logout().unwrap();
    assert!(!session.has_session());
    assert_eq!(emulator.logouts(), 1);
    assert!(matches!(session.user_info(), Err(Error::NotLoggedIn)));
}

#[test]
fn a_refused_login_is_an_api_error() {
    let (_runtime, emulator) = emulator();
    let session = Session::build(mstr_rest::Session::builder(emulator.base_url())).unwrap();
    let err = session
        .login(Credentials::standard("dave", "wrong"))
        .unwrap_err();
    assert_eq!(
        err.as_api().map(|e| e.kind()),
        Some(ApiErrorKind::LoginFailure)
    );
    assert!(!session.has_session());
}

#[test]
fn identity_tokens_delegate_and_sessions_round_trip_through_json() {
    let (_runtime, emulator) = emulator();
    let session = logged_in(&emulator);
    let token = session.create_identity_token().unwrap();
    let other = Session::build(mstr_rest::Session::builder(emulator.base_url())).unwrap();
    other.delegate(token.expose_secret().to_owned()).unwrap();
    assert_eq!(other.user_info().unwrap().full_name, "Dave Bowman");

    let restored = Session::from_json(&session.to_json().unwrap()).unwrap();
    assert_eq!(restored.user_info().unwrap().full_name, "Dave Bowman");
    assert_eq!(emulator.logins(), 2, "a restored session needs no login");
}

#[test]
fn dropping_an_authenticated_session_logs_out_before_drop_returns() {
    let (_runtime, emulator) = emulator();
    let session = AuthenticatedSession::connect(
        mstr_rest::AuthenticatedSession::builder()
            .base_url(emulator.base_url())
            .username("dave")
            .password("hellodave"),
    )
    .unwrap();
    assert_eq!(session.user_info().unwrap().full_name, "Dave Bowman");
    assert_eq!(emulator.logouts(), 0);
    drop(session);
    assert_eq!(emulator.logouts(), 1);
    assert_eq!(emulator.open_sessions(), 0);
}

#[test]
fn close_logs_out_once_and_drop_does_not_repeat_it() {
    let (_runtime, emulator) = emulator();
    let session = AuthenticatedSession::connect(
        mstr_rest::AuthenticatedSession::builder()
            .base_url(emulator.base_url())
            .username("dave")
            .password("hellodave"),
    )
    .unwrap();
    let handle = session.session();
    session.close().unwrap();
    assert_eq!(emulator.logouts(), 1);
    assert!(!handle.has_session());
    drop(handle);
    assert_eq!(emulator.logouts(), 1);
}

#[test]
fn keep_session_open_skips_the_logout_on_drop() {
    let (_runtime, emulator) = emulator();
    let session = AuthenticatedSession::connect(
        mstr_rest::AuthenticatedSession::builder()
            .base_url(emulator.base_url())
            .username("dave")
            .password("hellodave")
            .logout_on_close(false),
    )
    .unwrap();
    drop(session);
    assert_eq!(emulator.logouts(), 0);
    assert_eq!(emulator.open_sessions(), 1);
}

#[test]
fn run_logs_out_after_success_and_after_an_error() {
    let (_runtime, emulator) = emulator();
    let builder = || {
        mstr_rest::AuthenticatedSession::builder()
            .base_url(emulator.base_url())
            .username("dave")
            .password("hellodave")
    };
    let name = AuthenticatedSession::run(builder(), |s| Ok(s.user_info()?.full_name)).unwrap();
    assert_eq!(name, "Dave Bowman");
    assert_eq!(emulator.logouts(), 1);

    let err = AuthenticatedSession::run(builder(), |s| s.get("no/such/endpoint").send().map(drop))
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(emulator.logouts(), 2);
}

#[test]
fn a_failed_connect_is_an_error_and_leaves_nothing_open() {
    let (_runtime, emulator) = emulator();
    let err = AuthenticatedSession::connect(
        mstr_rest::AuthenticatedSession::builder()
            .base_url(emulator.base_url())
            .username("dave")
            .password("wrong"),
    )
    .unwrap_err();
    assert_eq!(
        err.as_api().map(|e| e.kind()),
        Some(ApiErrorKind::LoginFailure)
    );
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn calling_from_inside_an_async_runtime_neither_panics_nor_deadlocks() {
    // The emulator lives on its own runtime (started on a plain thread, since a runtime
    // cannot be built inside this one); this test's runtime is only blocked, never needed.
    let (_runtime, emulator) = std::thread::spawn(emulator).join().unwrap();
    let session = logged_in(&emulator);
    assert_eq!(session.user_info().unwrap().full_name, "Dave Bowman");
    let connected = AuthenticatedSession::connect(
        mstr_rest::AuthenticatedSession::builder()
            .base_url(emulator.base_url())
            .username("dave")
            .password("hellodave"),
    )
    .unwrap();
    drop(connected);
    assert_eq!(emulator.logouts(), 1);
    drop(session);
    drop(emulator);
    // Dropping a runtime inside another one panics; hand it to a plain thread.
    std::thread::spawn(move || drop(_runtime)).join().unwrap();
}

#[test]
fn debug_of_blocking_types_hides_the_token() {
    let (_runtime, emulator) = emulator();
    let session = logged_in(&emulator);
    let json: serde_json::Value = serde_json::from_str(&session.to_json().unwrap()).unwrap();
    let shown = format!("{session:?} {:?}", session.get("sessions"));
    let token = json.to_string();
    assert!(!shown.is_empty());
    for value in json["headers"]
        .as_object()
        .into_iter()
        .flat_map(|h| h.values())
    {
        let value = value.as_str().unwrap_or_default();
        assert!(
            value.len() < 8 || !shown.contains(value),
            "{shown} leaks {value} from {token}"
        );
    }
}

/// The default page-by report: 12 slices of 20 rows and a grand total (see the emulator docs).
const PAGED_REPORT: &str = "FA055E5B408A9A7ABA47C6A001E8D72C";
/// The default cross-tab: 12 grid rows × 3 years.
const CROSS_TAB_REPORT: &str = "C2055E5B408A9A7ABA47C6A001E8D72C";

#[test]
fn blocking_report_data_streams_page_by_slices_totals_and_cross_tabs() {
    use mstr_rest::reports::Subtotals;
    let (_runtime, emulator) = emulator();
    let session = logged_in(&emulator);

    let rows: Vec<_> = session
        .report(PAGED_REPORT)
        .project(TUTORIAL)
        .page_size(7)
        .rows()
        .unwrap()
        .collect::<mstr_rest::Result<_>>()
        .unwrap();
    assert_eq!(rows.len(), 12 * 20, "every slice, no totals");
    assert_eq!(rows[0].attribute("Category", "DESC"), Some("Category 1"));
    assert_eq!(rows[239].attribute("Category", "DESC"), Some("Category 4"));

    let with_totals = session
        .report(PAGED_REPORT)
        .project(TUTORIAL)
        .subtotals(Subtotals::Only)
        .rows()
        .unwrap()
        .count();
    assert_eq!(with_totals, 12, "one grand total per slice");

    let mut csv = Vec::new();
    let written = session
        .report(CROSS_TAB_REPORT)
        .project(TUTORIAL)
        .page_size(5)
        .write_csv(&mut csv)
        .unwrap();
    assert_eq!(written, 36);
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.starts_with("Region@ID,Region@DESC,Year@ID,Year@DESC,Revenue,Units\r\n"),
        "{text}"
    );

    let batches: usize = session
        .report(CROSS_TAB_REPORT)
        .project(TUTORIAL)
        .page_size(5)
        .record_batches()
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(batches, 36);
    // Dropping a half-read iterator stops the stream; the session stays usable.
    let mut partial = session
        .report(PAGED_REPORT)
        .project(TUTORIAL)
        .page_size(5)
        .rows()
        .unwrap();
    assert!(partial.next().is_some());
    drop(partial);
    assert_eq!(session.user_info().unwrap().full_name, "Dave Bowman");
}

#[test]
fn blocking_datasets_push_from_an_iterator_and_publish() {
    use mstr_rest::datasets::{DataType, DatasetModel, TableSchema, UpdatePolicy};
    let (_runtime, emulator) = emulator();
    let session = logged_in(&emulator);
    let model = DatasetModel::new("Sales")
        .table(
            TableSchema::new("SALES")
                .column("Id", DataType::Integer)
                .column("Region", DataType::String),
        )
        .attribute_column("Id", "SALES", "Id");
    let dataset = session.datasets(TUTORIAL).create(&model).unwrap();
    // Rows come from a plain iterator, produced lazily as chunks are sent.
    let rows = (0..250).map(|i| serde_json::json!([i, format!("R{}", i % 3)]));
    let summary = dataset
        .upload("SALES")
        .policy(UpdatePolicy::Replace)
        .chunk_rows(100)
        .publish_poll(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(1),
        )
        .push(rows)
        .unwrap();
    assert_eq!((summary.rows, summary.chunks), (250, 3));
    assert_eq!(
        emulator.dataset_rows(dataset.id(), "SALES").unwrap().len(),
        250
    );
    assert!(!emulator.has_upload_session(dataset.id()));
    assert!(dataset.info().unwrap().is_object());

    // A row of the wrong width is refused before anything is published; the session survives.
    let err = dataset
        .upload("SALES")
        .push(vec![serde_json::json!([1])])
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert_eq!(
        emulator.dataset_rows(dataset.id(), "SALES").unwrap().len(),
        250
    );
    session.datasets(TUTORIAL).delete(dataset.id()).unwrap();
}

#[test]
fn blocking_browsing_objects_library_users_and_security() {
    use mstr_rest::objects::ObjectType;
    use mstr_rest::users::{NewUser, UserUpdate};
    let (_runtime, emulator) = emulator();
    let session = logged_in(&emulator);

    let project = session.project("MicroStrategy Tutorial").unwrap();
    assert_eq!(project.id, TUTORIAL);
    let found = session
        .search(TUTORIAL)
        .name("Revenue")
        .object_type(ObjectType::REPORT)
        .send()
        .unwrap();
    assert_eq!(found.result[0].name, "Revenue by Region");
    let again = session
        .objects(TUTORIAL)
        .get(&found.result[0].id, ObjectType::REPORT)
        .unwrap();
    assert_eq!(again.id, found.result[0].id);
    let roots = session.folders(TUTORIAL).root().unwrap();
    assert!(!roots.is_empty());
    assert!(
        session
            .folders(TUTORIAL)
            .my_personal_objects()
            .unwrap()
            .is_empty()
    );
    assert!(!session.library().unwrap().is_empty());

    let frank = session
        .users()
        .create(&NewUser::new("frank", "Frank Poole"))
        .unwrap();
    assert_eq!(session.users().get(&frank.id).unwrap().username, "frank");
    let renamed = session
        .users()
        .update(&frank.id, &UserUpdate::new().full_name("Frank P."))
        .unwrap();
    assert_eq!(renamed.full_name, "Frank P.");
    assert!(
        session
            .users()
            .list()
            .unwrap()
            .iter()
            .any(|u| u.id == frank.id)
    );
    assert!(!session.user_groups().list().unwrap().is_empty());
    assert!(!session.security_roles().unwrap().is_empty());
    session.security_filters(TUTORIAL).unwrap();

    // Errors keep their kind through the thread.
    let missing = session
        .users()
        .get("0000000000000000000000000000FFFF")
        .unwrap_err();
    assert_eq!(
        missing.as_api().map(|e| e.kind()),
        Some(ApiErrorKind::ResourceNotFound)
    );
}

#[test]
fn a_failing_blocking_csv_writer_is_an_io_error() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "disk full",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let (_runtime, emulator) = emulator();
    let session = logged_in(&emulator);
    let err = session
        .report(CROSS_TAB_REPORT)
        .project(TUTORIAL)
        .write_csv(Full)
        .unwrap_err();
    let Error::Io(io) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(io.kind(), std::io::ErrorKind::StorageFull);
}
