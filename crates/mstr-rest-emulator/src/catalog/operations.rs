//! Server operations: cube publishing, datasources, migration packages and imports, emails,
//! Data Import quotas.

use std::collections::HashMap;

use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::error_body::ApiError;
use crate::ids;

use super::not_found;

/// `EnumDSSCubeStates`: active, persisted, loaded, ready — and processing while publishing.
pub(crate) const CUBE_PUBLISHED: u32 = 2 | 4 | 32 | 64;
pub(crate) const CUBE_PROCESSING: u32 = 1 | 2 | 4;

/// The first bytes of the emulator's package files (its own format: this magic, then the
/// package as JSON).
const PACKAGE_MAGIC: &[u8] = b"MSTR-EMULATOR-PACKAGE 1\n";

#[derive(Debug, Clone)]
pub(crate) struct DbObject {
    pub(crate) id: String,
    /// The object as answered, without secrets.
    pub(crate) body: Value,
    /// A login's password, never answered.
    pub(crate) password: Option<String>,
}

#[derive(Debug)]
struct Package {
    project: Option<String>,
    status: &'static str,
    polls_left: u32,
    definition: Value,
}

#[derive(Debug)]
struct Import {
    package: String,
    polls_left: u32,
    undo: bool,
}

#[derive(Debug)]
pub(crate) struct Operations {
    /// How many polls a publish, a package build or an import reports running.
    pub(crate) job_polls: u32,
    publishing: HashMap<String, u32>,
    pub(crate) instances: Vec<DbObject>,
    pub(crate) connections: Vec<DbObject>,
    pub(crate) logins: Vec<DbObject>,
    packages: HashMap<String, Package>,
    imports: HashMap<String, Import>,
    /// Objects an import brought in: (project, id, name, type).
    pub(crate) imported: Vec<(String, String, String, i64)>,
    pub(crate) emails: Vec<Value>,
    project_quotas: HashMap<String, f64>,
    user_quotas: HashMap<(String, String), f64>,
}

/// The seeded warehouse: one instance, its connection and its login.
pub(crate) const WAREHOUSE_LOGIN_PASSWORD: &str = "initial-password";

impl Operations {
    pub(crate) fn new(job_polls: u32) -> Operations {
        let login = ids::stable_guid("dblogin:Warehouse login");
        let connection = ids::stable_guid("dbconnection:Warehouse");
        let instance = ids::stable_guid("dbinstance:Tutorial Data");
        Operations {
            job_polls,
            publishing: HashMap::new(),
            instances: vec![DbObject {
                id: instance.clone(),
                body: json!({
                    "id": instance, "name": "Tutorial Data", "description": "The tutorial warehouse",
                    "datasourceType": "normal",
                    "database": {"type": "postgre_sql", "version": "postgre_sql_15",
                                 "embeddedConnection": {"id": connection}},
                    "dbms": {"id": ids::stable_guid("dbms:PostgreSQL"), "name": "PostgreSQL 15"},
                }),
                password: None,
            }],
            connections: vec![DbObject {
                id: connection.clone(),
                body: json!({
                    "id": connection, "name": "Warehouse", "description": "",
                    "connectionString": "DRIVER={PostgreSQL};SERVER=warehouse;DATABASE=tutorial;",
                    "database": {"login": {"id": login}},
                }),
                password: None,
            }],
            logins: vec![DbObject {
                id: login.clone(),
                body: json!({"id": login, "name": "Warehouse login", "username": "etl", "description": ""}),
                password: Some(WAREHOUSE_LOGIN_PASSWORD.to_owned()),
            }],
            packages: HashMap::new(),
            imports: HashMap::new(),
            imported: Vec::new(),
            emails: Vec::new(),
            project_quotas: HashMap::new(),
            user_quotas: HashMap::new(),
        }
    }

    pub(crate) fn publish(&mut self, cube: &str) -> Value {
        self.publishing
            .insert(cube.to_ascii_uppercase(), self.job_polls);
        json!({"id": ids::stable_guid(&format!("job:{cube}:{}", ids::ticket_id()))})
    }

    /// The status bits `HEAD cubes/{id}` answers; a status read counts as a poll.
    pub(crate) fn cube_status(&mut self, cube: &str) -> u32 {
        match self.publishing.get_mut(&cube.to_ascii_uppercase()) {
            Some(left) if *left > 0 => {
                *left = left.saturating_sub(1);
                CUBE_PROCESSING
            }
            _ => CUBE_PUBLISHED,
        }
    }

    pub(crate) fn list(objects: &[DbObject]) -> Vec<Value> {
        objects.iter().map(|o| o.body.clone()).collect()
    }

    pub(crate) fn find<'a>(
        objects: &'a mut [DbObject],
        what: &str,
        id: &str,
    ) -> Result<&'a mut DbObject, ApiError> {
        objects
            .iter_mut()
            .find(|o| o.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| not_found(what, id))
    }

    /// `POST datasources…`: a new object from its body; the name must be new.
    pub(crate) fn create(
        objects: &mut Vec<DbObject>,
        what: &str,
        mut body: Value,
    ) -> Result<Value, ApiError> {
        let name = body["name"]
            .as_str()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ApiError::invalid_input(format!("A {what} needs a name")))?
            .to_owned();
        if objects.iter().any(|o| o.body["name"] == name.as_str()) {
            return Err(ApiError::invalid_input(format!(
                "A {what} named '{name}' already exists"
            )));
        }
        let id = ids::stable_guid(&format!("{what}:{name}"));
        let password = body
            .as_object_mut()
            .and_then(|o| o.remove("password"))
            .and_then(|p| p.as_str().map(str::to_owned));
        body["id"] = json!(id);
        objects.push(DbObject {
            id,
            body: body.clone(),
            password,
        });
        Ok(body)
    }

    /// `PATCH datasources…`: `{"operationList": [{"op": "replace", "path", "value"}]}`.
    pub(crate) fn patch(object: &mut DbObject, body: &Value) -> Result<Value, ApiError> {
        let ops = body["operationList"]
            .as_array()
            .filter(|ops| !ops.is_empty())
            .ok_or_else(|| ApiError::invalid_input("operationList is required"))?;
        for op in ops {
            if op["op"] != "replace" {
                return Err(ApiError::invalid_input(
                    "Only 'replace' operations are supported",
                ));
            }
            let path = op["path"].as_str().unwrap_or_default();
            let field = path.strip_prefix('/').unwrap_or_default();
            if field.is_empty() || field.contains('/') || field == "id" {
                return Err(ApiError::invalid_input(format!("Cannot replace '{path}'")));
            }
            if field == "password" {
                let value = op["value"]
                    .as_str()
                    .ok_or_else(|| ApiError::invalid_input("The password must be a string"))?;
                object.password = Some(value.to_owned());
            } else {
                object.body[field] = op["value"].clone();
            }
        }
        Ok(object.body.clone())
    }

    /// A package id as real servers shape them: base64 (with `+`, `/` and `=` in it).
    fn package_id() -> String {
        let mut raw = vec![0xfb, 0xff];
        raw.extend_from_slice(ids::stable_guid(&ids::ticket_id()).as_bytes());
        base64::engine::general_purpose::STANDARD.encode(raw)
    }

    pub(crate) fn create_package(&mut self, project: Option<&str>) -> Value {
        let id = Self::package_id();
        self.packages.insert(
            id.clone(),
            Package {
                project: project.map(str::to_owned),
                status: "EMPTY",
                polls_left: 0,
                definition: Value::Null,
            },
        );
        json!({"id": id, "status": "EMPTY"})
    }

    fn package(&mut self, id: &str) -> Result<&mut Package, ApiError> {
        self.packages
            .get_mut(id)
            .ok_or_else(|| not_found("package", id))
    }

    /// `PUT packages/{id}`: builds the package from its definition; `objects` names the
    /// source objects (id → (name, type)).
    pub(crate) fn define_package(
        &mut self,
        id: &str,
        mut definition: Value,
        objects: &dyn Fn(&str) -> Option<(String, i64)>,
    ) -> Result<Value, ApiError> {
        let polls = self.job_polls;
        let content = definition["content"]
            .as_array_mut()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| ApiError::invalid_input("A package definition needs content"))?;
        for item in content.iter_mut() {
            let oid = item["id"].as_str().unwrap_or_default().to_owned();
            let (name, object_type) = objects(&oid).ok_or_else(|| not_found("object", &oid))?;
            item["name"] = json!(name);
            item["type"] = json!(object_type);
        }
        let package = self.package(id)?;
        package.definition = definition;
        package.status = "PROCESSING";
        package.polls_left = polls;
        Ok(json!({"id": id, "status": "PROCESSING"}))
    }

    pub(crate) fn get_package(&mut self, id: &str) -> Result<Value, ApiError> {
        let package = self.package(id)?;
        if package.status == "PROCESSING" {
            if package.polls_left == 0 {
                package.status = "READY";
            } else {
                package.polls_left = package.polls_left.saturating_sub(1);
            }
        }
        let content = package.definition["content"].clone();
        Ok(json!({
            "id": id, "status": package.status,
            "settings": package.definition["settings"],
            "content": if content.is_null() { json!([]) } else { content },
        }))
    }

    pub(crate) fn package_binary(&mut self, id: &str) -> Result<Vec<u8>, ApiError> {
        let package = self.package(id)?;
        if package.status != "READY" {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "ERR006",
                format!("The package {id} is {}, not READY", package.status),
            ));
        }
        let mut file = PACKAGE_MAGIC.to_vec();
        file.extend_from_slice(package.definition.to_string().as_bytes());
        Ok(file)
    }

    pub(crate) fn upload_package(&mut self, id: &str, file: &[u8]) -> Result<Value, ApiError> {
        let definition: Value = file
            .strip_prefix(PACKAGE_MAGIC)
            .and_then(|json| serde_json::from_slice(json).ok())
            .ok_or_else(|| ApiError::invalid_input("The file is not a package"))?;
        let package = self.package(id)?;
        package.definition = definition;
        package.status = "READY";
        Ok(json!({"id": id, "status": "READY"}))
    }

    pub(crate) fn delete_package(&mut self, id: &str) -> Result<Value, ApiError> {
        self.packages
            .remove(id)
            .ok_or_else(|| not_found("package", id))?;
        Ok(json!({"id": id, "status": "DELETING"}))
    }

    pub(crate) fn start_import(&mut self, package: &str, undo: bool) -> Result<Value, ApiError> {
        let p = self.package(package)?;
        if p.status != "READY" {
            return Err(ApiError::invalid_input(format!(
                "The package {package} is {}, not READY",
                p.status
            )));
        }
        let id = Self::package_id();
        self.imports.insert(
            id.clone(),
            Import {
                package: package.to_owned(),
                polls_left: self.job_polls,
                undo,
            },
        );
        let status = if self.job_polls == 0 {
            self.finish_import(&id)?
        } else {
            "PROCESSING"
        };
        Ok(json!({"id": id, "status": status, "undoPackageCreated": false, "progress": 0.0}))
    }

    /// Applies the package: its objects exist in the target project from now on.
    fn finish_import(&mut self, id: &str) -> Result<&'static str, ApiError> {
        let package = self.imports[id].package.clone();
        let p = self.package(&package)?;
        let project = p.project.clone().unwrap_or_default();
        let items: Vec<(String, String, i64)> = p.definition["content"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                (
                    i["id"].as_str().unwrap_or_default().to_owned(),
                    i["name"].as_str().unwrap_or_default().to_owned(),
                    i["type"].as_i64().unwrap_or_default(),
                )
            })
            .collect();
        for (oid, name, t) in items {
            self.imported.push((project.clone(), oid, name, t));
        }
        Ok("IMPORTED")
    }

    pub(crate) fn get_import(&mut self, id: &str) -> Result<Value, ApiError> {
        let import = self
            .imports
            .get_mut(id)
            .ok_or_else(|| not_found("import", id))?;
        let undo = import.undo;
        let (status, progress) = if import.polls_left > 0 {
            import.polls_left = import.polls_left.saturating_sub(1);
            if import.polls_left == 0 {
                (self.finish_import(id)?, 100.0)
            } else {
                ("PROCESSING", 50.0)
            }
        } else {
            ("IMPORTED", 100.0)
        };
        Ok(json!({"id": id, "status": status, "progress": progress,
                  "undoPackageCreated": undo && status == "IMPORTED"}))
    }

    pub(crate) fn undo_binary(&mut self, id: &str) -> Result<Vec<u8>, ApiError> {
        let import = self
            .imports
            .get(id)
            .ok_or_else(|| not_found("import", id))?;
        if !import.undo {
            return Err(not_found("undo package of import", id));
        }
        let mut file = PACKAGE_MAGIC.to_vec();
        file.extend_from_slice(json!({"type": "undo", "import": id}).to_string().as_bytes());
        Ok(file)
    }

    pub(crate) fn delete_import(&mut self, id: &str) -> Result<(), ApiError> {
        self.imports
            .remove(id)
            .map(drop)
            .ok_or_else(|| not_found("import", id))
    }

    pub(crate) fn project_quota(&self, project: &str) -> f64 {
        self.project_quotas.get(project).copied().unwrap_or(100.0)
    }

    pub(crate) fn set_project_quota(&mut self, project: &str, quota: f64) {
        self.project_quotas.insert(project.to_owned(), quota);
    }

    pub(crate) fn user_quotas(&self, project: &str) -> Vec<Value> {
        let mut users: Vec<Value> = self
            .user_quotas
            .iter()
            .filter(|((p, _), _)| p == project)
            .map(|((_, u), q)| json!({"id": u, "quota": q}))
            .collect();
        users.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        users
    }

    pub(crate) fn set_user_quota(&mut self, project: &str, user: &str, quota: f64) {
        self.user_quotas
            .insert((project.to_owned(), user.to_owned()), quota);
    }
}
