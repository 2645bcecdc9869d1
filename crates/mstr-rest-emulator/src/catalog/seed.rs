//! The deterministic objects every emulator starts with (listed in the crate docs).

use crate::directory::{Directory, UserKind};
use crate::ids;

use super::{GroupRec, Named, Obj, Objects, UserRec};

/// Project "MicroStrategy Tutorial", which holds every seeded object.
pub(crate) const TUTORIAL: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
/// Folder "Public Objects", the root of the seeded tree.
pub(crate) const PUBLIC_OBJECTS: &str = "98FE182C2A10427EACE0CD30B6768258";
const REPORTS_FOLDER: &str = "D3C7D461F69C4610AA6BAA5EF51F4125";
/// Folder "My Reports", what `folders/myPersonalObjects` lists.
pub(crate) const MY_REPORTS: &str = "8D67909B11D3E4981000E787EC6DE8A4";
const REVENUE_REPORT: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
const CUSTOMER_REPORT: &str = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";
pub(crate) const OVERVIEW_DOSSIER: &str = "27D332AC6D43352E0928B9A1FCAF4AB0";

/// Folder type EnumDSSXMLObjectTypes 8, report 3 (grid 768), document/dossier 55 (14081).
pub(crate) fn objects(directory: &Directory) -> Objects {
    let obj = |id: &str, name: &str, t: i64, st: i64, parent: Option<&str>, d: &str| Obj {
        id: id.to_owned(),
        name: name.to_owned(),
        object_type: t,
        subtype: st,
        description: d.to_owned(),
        parent: parent.map(str::to_owned),
        project: TUTORIAL.to_owned(),
    };
    let objects = vec![
        obj(PUBLIC_OBJECTS, "Public Objects", 8, 2048, None, ""),
        obj(
            REPORTS_FOLDER,
            "Reports",
            8,
            2048,
            Some(PUBLIC_OBJECTS),
            "Shared reports",
        ),
        obj(MY_REPORTS, "My Reports", 8, 2048, None, "Personal objects"),
        obj(
            REVENUE_REPORT,
            "Revenue by Region",
            3,
            768,
            Some(REPORTS_FOLDER),
            "Revenue per region and year",
        ),
        obj(
            CUSTOMER_REPORT,
            "Customer List",
            3,
            768,
            Some(REPORTS_FOLDER),
            "Every customer",
        ),
        obj(
            OVERVIEW_DOSSIER,
            "Executive Overview",
            55,
            14081,
            Some(REPORTS_FOLDER),
            "A dossier",
        ),
    ];
    let users: Vec<UserRec> = directory
        .users()
        .iter()
        .filter(|u| u.kind != UserKind::Ldap)
        .map(|u| UserRec {
            id: u.id.clone(),
            username: u.username().to_owned(),
            full_name: u.full_name.clone(),
            description: String::new(),
            enabled: true,
        })
        .collect();
    let by_name = |name: &str| {
        users
            .iter()
            .find(|u| u.username == name)
            .map(|u| u.id.clone())
    };
    let everyone = users.iter().map(|u| u.id.clone()).collect();
    let admins = by_name("administrator").into_iter().collect();
    let analysts = by_name("dave").into_iter().collect();
    let groups = vec![
        GroupRec {
            id: "C82C6B1011D2894CC0009D9F29718E4F".into(),
            name: "Everyone".into(),
            description: "Every user".into(),
            members: everyone,
        },
        GroupRec {
            id: "E96685CD4E60068559F7DFAC7C2AA851".into(),
            name: "System Administrators".into(),
            description: "Administer the server".into(),
            members: admins,
        },
        GroupRec {
            id: ids::stable_guid("group:Analysts"),
            name: "Analysts".into(),
            description: "Report consumers".into(),
            members: analysts,
        },
    ];
    let named = |name: &str, description: &str, project: &str| Named {
        id: ids::stable_guid(&format!("{project}:{name}")),
        name: name.into(),
        description: description.into(),
        project: project.into(),
    };
    Objects {
        objects,
        users,
        groups,
        roles: vec![
            named("Normal Users", "Run reports and dossiers", ""),
            named("Power Users", "Create and edit objects", ""),
        ],
        security_filters: vec![
            named("Northeast only", "Region = Northeast", TUTORIAL),
            named("Books only", "Category = Books", TUTORIAL),
        ],
        library: vec![(
            ids::stable_guid("library:Executive Overview"),
            OVERVIEW_DOSSIER.to_owned(),
        )],
        recipients: Vec::new(),
    }
}
