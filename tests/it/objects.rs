//! The typed object APIs against the emulator's seeded catalog: one test per family.

use mstr_rest::ExposeSecret;
use mstr_rest::browsing::SearchPattern;
use mstr_rest::objects::ObjectType;
use mstr_rest::prelude::*;
use mstr_rest::users::{NewUser, NewUserGroup, UserGroupUpdate, UserUpdate};
use mstr_rest_emulator::Emulator;

const TUTORIAL: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const PUBLIC_OBJECTS: &str = "98FE182C2A10427EACE0CD30B6768258";

async fn logged_in(emulator: &Emulator) -> Session {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session
}

#[tokio::test]
async fn project_by_name_or_id_and_unknown_is_not_found() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let by_name = session.project("MicroStrategy Tutorial").await.unwrap();
    assert_eq!(by_name.id, TUTORIAL);
    assert_eq!(
        session.project(TUTORIAL).await.unwrap().name,
        "MicroStrategy Tutorial"
    );
    let err = session.project("No Such Project").await.unwrap_err();
    assert_eq!(
        err.as_api().map(|e| e.kind()),
        Some(ApiErrorKind::ResourceNotFound),
        "{err:?}"
    );
}

#[tokio::test]
async fn folders_browse_from_the_root_down() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let folders = session.folders(TUTORIAL);
    let roots = folders.root().await.unwrap();
    let names: Vec<&str> = roots.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Public Objects", "My Reports"]);
    let public = folders.contents(PUBLIC_OBJECTS).await.unwrap();
    assert_eq!(public.len(), 1);
    assert_eq!(
        (public[0].name.as_str(), public[0].object_type),
        ("Reports", ObjectType::FOLDER)
    );
    let reports = folders.contents(&public[0].id).await.unwrap();
    assert_eq!(reports.len(), 3);
    assert_eq!(
        reports[0]
            .ancestors
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["Public Objects", "Reports"]
    );
    assert_eq!(folders.predefined(1).await.unwrap(), public);
    assert!(folders.my_personal_objects().await.unwrap().is_empty());
    let err = folders
        .contents("00000000000000000000000000000000")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn search_filters_by_name_pattern_type_and_root() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let all_reports = session
        .search(TUTORIAL)
        .object_type(ObjectType::REPORT)
        .send()
        .await
        .unwrap();
    assert_eq!(all_reports.total_items, 2);
    let both = session
        .search(TUTORIAL)
        .object_type(ObjectType::REPORT)
        .object_type(ObjectType::DOCUMENT)
        .send()
        .await
        .unwrap();
    assert_eq!(both.total_items, 3);
    let exact = session
        .search(TUTORIAL)
        .name("customer list")
        .pattern(SearchPattern::EXACTLY)
        .send()
        .await
        .unwrap();
    assert_eq!(exact.result.len(), 1);
    assert_eq!(exact.result[0].name, "Customer List");
    let partial = session
        .search(TUTORIAL)
        .name("customer")
        .pattern(SearchPattern::EXACTLY)
        .send()
        .await
        .unwrap();
    assert_eq!(partial.total_items, 0);
    let paged = session
        .search(TUTORIAL)
        .root(PUBLIC_OBJECTS)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!((paged.total_items, paged.result.len()), (4, 2));
}

#[tokio::test]
async fn objects_by_id_need_the_right_type_and_can_be_deleted() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let found = session
        .search(TUTORIAL)
        .name("Revenue")
        .send()
        .await
        .unwrap();
    let id = found.result[0].id.clone();
    let objects = session.objects(TUTORIAL);
    let report = objects.get(&id, ObjectType::REPORT).await.unwrap();
    assert_eq!(
        (report.name.as_str(), report.subtype),
        ("Revenue by Region", Some(768))
    );
    assert_eq!(report.project_id.as_deref(), Some(TUTORIAL));
    assert_eq!(
        objects
            .get(&id, ObjectType::DOCUMENT)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    objects.delete(&id, ObjectType::REPORT).await.unwrap();
    assert_eq!(
        objects
            .get(&id, ObjectType::REPORT)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

#[tokio::test]
async fn library_lists_the_dossier_without_a_project_header() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let items = session.library().await.unwrap();
    assert_eq!(items.len(), 1);
    let target = items[0].target.as_ref().unwrap();
    assert_eq!(
        (target.name.as_str(), target.object_type),
        ("Executive Overview", None)
    );
    assert_eq!(items[0].project_id.as_deref(), Some(TUTORIAL));
    let sent = emulator
        .requests()
        .into_iter()
        .rfind(|r| r.path == "library")
        .unwrap();
    assert_eq!(sent.header("x-mstr-projectid"), None);
}

#[tokio::test]
async fn users_list_get_create_and_update() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let users = session.users();
    let all = users.list().await.unwrap();
    let dave = all.iter().find(|u| u.username == "dave").unwrap();
    assert_eq!(dave.full_name, "Dave Bowman");
    // The list item has the real list shape (`name`, `abbreviation`); the full user agrees.
    let full = users.get(&dave.id).await.unwrap();
    assert_eq!(
        (
            full.id.as_str(),
            full.username.as_str(),
            full.full_name.as_str()
        ),
        (dave.id.as_str(), "dave", "Dave Bowman")
    );
    assert!(dave.memberships.is_empty() && !full.memberships.is_empty());
    assert_eq!(users.name_begins("admin").await.unwrap().len(), 1);

    let created = users
        .create(&NewUser::new("frank", "Frank Poole").description("pod pilot"))
        .await
        .unwrap();
    assert_eq!(
        (created.username.as_str(), created.enabled),
        ("frank", Some(true))
    );
    assert_eq!(users.list().await.unwrap().len(), all.len() + 1);
    let err = users
        .create(&NewUser::new("frank", "Another Frank"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));

    let updated = users
        .update(
            &created.id,
            &UserUpdate::new().full_name("Frank P.").enabled(false),
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.full_name.as_str(), updated.enabled),
        ("Frank P.", Some(false))
    );
    assert_eq!(users.get(&created.id).await.unwrap().full_name, "Frank P.");
    assert_eq!(
        users
            .get("00000000000000000000000000000000")
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

#[tokio::test]
async fn user_groups_list_get_create_and_update_members() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let groups = session.user_groups();
    let names: Vec<String> = groups
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(names, ["Everyone", "System Administrators", "Analysts"]);
    let dave = session.users().name_begins("dave").await.unwrap().remove(0);

    let crew = groups
        .create(&NewUserGroup::new("Crew").description("Discovery One"))
        .await
        .unwrap();
    assert!(crew.members.is_empty());
    let crew = groups
        .update(
            &crew.id,
            &UserGroupUpdate::new().add_members([dave.id.clone()]),
        )
        .await
        .unwrap();
    assert_eq!(
        crew.members
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        [dave.id.as_str()]
    );
    assert!(
        session
            .users()
            .get(&dave.id)
            .await
            .unwrap()
            .memberships
            .iter()
            .any(|m| m.name == "Crew")
    );
    let crew = groups
        .update(
            &crew.id,
            &UserGroupUpdate::new()
                .remove_members([dave.id.clone()])
                .name("Crew 2"),
        )
        .await
        .unwrap();
    assert!(crew.members.is_empty());
    assert_eq!(groups.get(&crew.id).await.unwrap().name, "Crew 2");
}

#[tokio::test]
async fn security_roles_and_filters_list() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let roles: Vec<String> = session
        .security_roles()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(roles, ["Normal Users", "Power Users"]);
    let filters = session.security_filters(TUTORIAL).await.unwrap();
    assert_eq!(filters.len(), 2);
    assert_eq!(
        filters[0].description.as_deref(),
        Some("Region = Northeast")
    );
    let other_project = "4BAE16A340B995CAD24193AA2B6F1A4C";
    assert!(
        session
            .security_filters(other_project)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn identity_token_names_its_user_without_being_used_up() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let me = session.user_info().await.unwrap();
    let token = session.create_identity_token().await.unwrap();
    assert_eq!(session.identity_token_user(&token).await.unwrap(), me.id);
    let other = Session::builder(emulator.base_url()).build().unwrap();
    other
        .delegate(token.expose_secret().to_owned())
        .await
        .unwrap();
    assert_eq!(other.user_info().await.unwrap().id, me.id);
    let err = session
        .identity_token_user(&"not-a-token".into())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
}
