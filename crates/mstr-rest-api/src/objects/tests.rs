use serde_json::json;

use super::security::Listed;
use super::{ObjectInfo, ObjectType, UserGroupUpdate, UserUpdate};

#[test]
fn object_info_keeps_unnamed_fields_in_extra() {
    let info: ObjectInfo = serde_json::from_value(json!({
        "id": "A", "name": "R", "type": 3, "subtype": 768, "acg": 255,
        "ancestors": [{"id": "F", "name": "Reports", "level": 1}],
    }))
    .unwrap();
    assert_eq!(info.object_type, ObjectType::REPORT);
    assert_eq!(info.ancestors[0].name, "Reports");
    assert_eq!(info.extra["acg"], 255);
}

#[test]
fn security_filters_parse_wrapped_or_bare() {
    let wrapped: Listed =
        serde_json::from_value(json!({"securityFilters": [{"id": "1", "name": "a"}], "total": 1}))
            .unwrap();
    let bare: Listed = serde_json::from_value(json!([{"id": "1", "name": "a"}])).unwrap();
    assert_eq!(wrapped.into_vec(), bare.into_vec());
}

#[test]
fn updates_become_operation_lists() {
    let user = UserUpdate::new().full_name("Dave B").enabled(false);
    assert_eq!(
        json!(user.ops),
        json!([
            {"op": "replace", "path": "/fullName", "value": "Dave B"},
            {"op": "replace", "path": "/enabled", "value": false},
        ])
    );
    let group = UserGroupUpdate::new()
        .add_members(["u1"])
        .remove_members(["u2"]);
    assert_eq!(
        json!(group.ops),
        json!([
            {"op": "add", "path": "/members", "value": ["u1"]},
            {"op": "remove", "path": "/members", "value": ["u2"]},
        ])
    );
}
