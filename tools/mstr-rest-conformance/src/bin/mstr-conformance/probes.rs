//! Contract probes: raw requests for the operations and answers no library scenario reaches
//! (form and LDAP logins, malformed bodies, calls without a session, `projects/{name}`, …),
//! so that every response documented in `openapi.yaml` is produced at least once and checked.
//! Each probe also states the status it expects.

use reqwest::Method;
use serde_json::{Value, json};

use crate::emulator::Control;

const TUTORIAL_ID: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const UNKNOWN_ID: &str = "00000000000000000000000000000000";
/// The emulator's default reports with real-server shapes (see its crate docs).
const PAGED_REPORT: &str = "FA055E5B408A9A7ABA47C6A001E8D72C";
const CROSS_TAB_REPORT: &str = "C2055E5B408A9A7ABA47C6A001E8D72C";
const PROMPTED_REPORT: &str = "D5A1E0F7C3B24E6F9A8D7C6B5A4F3E2D";

struct Prober {
    http: reqwest::Client,
    base_url: String,
    problems: Vec<String>,
    sent: usize,
}

struct Login {
    token: String,
    cookie: String,
}

impl Prober {
    async fn send(
        &mut self,
        what: &str,
        request: reqwest::RequestBuilder,
        want: u16,
    ) -> Option<reqwest::Response> {
        self.sent += 1;
        match request.send().await {
            Ok(response) if response.status().as_u16() == want => Some(response),
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                self.problems.push(format!(
                    "probe {what}: expected {want}, got {status} {body}"
                ));
                None
            }
            Err(e) => {
                self.problems.push(format!("probe {what}: {e}"));
                None
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn with(&self, method: Method, path: &str, login: &Login) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("X-MSTR-AuthToken", &login.token)
            .header("Cookie", &login.cookie)
    }

    async fn login(&mut self, what: &str, request: reqwest::RequestBuilder) -> Option<Login> {
        let response = self.send(what, request, 204).await?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let token = header("x-mstr-authtoken")?;
        let cookie = header("set-cookie")?.split(';').next()?.to_owned();
        Some(Login { token, cookie })
    }
}

/// Report data in the shapes real servers send (page-by with grand totals and a date form, a
/// cross-tab, a prompted instance, an evicted one) and the real `users`/`library` lists.
async fn data_probes(p: &mut Prober, login: &Login) {
    let scoped = |p: &Prober, method: Method, path: &str| {
        p.with(method, path, login)
            .header("X-MSTR-ProjectID", TUTORIAL_ID)
    };
    let create = |p: &Prober, report: &str| {
        scoped(p, Method::POST, &format!("v2/reports/{report}/instances"))
            .query(&[("offset", "0"), ("limit", "7")])
            .json(&json!({}))
    };
    let first = p
        .send("page-by report instance", create(p, PAGED_REPORT), 200)
        .await;
    let body: Value = match first {
        Some(r) => r.json().await.unwrap_or_default(),
        None => Value::Null,
    };
    let iid = body["instanceId"].as_str().unwrap_or(UNKNOWN_ID).to_owned();
    let instance = format!("v2/reports/{PAGED_REPORT}/instances/{iid}");
    let next = scoped(p, Method::GET, &instance).query(&[("offset", "7"), ("limit", "7")]);
    p.send("page-by report, second page", next, 200).await;
    let elements = scoped(p, Method::GET, &format!("{instance}/pageBy/elements"))
        .query(&[("offset", "0"), ("limit", "5")]);
    let listed: Value = match p.send("page-by elements", elements, 200).await {
        Some(r) => r.json().await.unwrap_or_default(),
        None => Value::Null,
    };
    let id =
        |unit: usize, element: usize| listed["pageBy"][unit]["elements"][element]["id"].clone();
    let slice = json!({"currentPageBy": [{"id": id(0, 1)}, {"id": id(1, 2)}]});
    // 21 rows: the slice's 20 rows and its grand total.
    let select = scoped(p, Method::PUT, &instance)
        .query(&[("offset", "0"), ("limit", "21")])
        .json(&slice);
    p.send("select a page-by slice", select, 200).await;
    let bad = scoped(p, Method::PUT, &instance).json(&json!({"currentPageBy": [{"id": "h99;X"}]}));
    p.send("select an unknown page-by slice", bad, 400).await;
    p.send(
        "cross-tab report instance",
        create(p, CROSS_TAB_REPORT),
        200,
    )
    .await;
    p.send("prompted report instance", create(p, PROMPTED_REPORT), 200)
        .await;
    p.send("unknown report", create(p, UNKNOWN_ID), 404).await;
    let gone = scoped(
        p,
        Method::GET,
        &format!("v2/reports/{PAGED_REPORT}/instances/{UNKNOWN_ID}"),
    );
    p.send("unknown or evicted instance", gone, 404).await;
    for path in ["users", "library"] {
        let request = p.with(Method::GET, path, login);
        p.send(&format!("GET {path}"), request, 200).await;
    }
}

/// Sends every probe; returns how many requests went out and the problems found.
pub(crate) async fn run(
    base_url: &str,
    control: &mut Control,
) -> Result<(usize, Vec<String>), String> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let mut p = Prober {
        http,
        base_url: base_url.to_owned(),
        problems: Vec::new(),
        sent: 0,
    };

    // Logins the libraries do not make: a form body (as mstrio sends), LDAP, chosen limits.
    let form = p
        .http
        .post(p.url("auth/login"))
        .header("Content-Type", "application/x-www-form-urlencoded");
    let form = form.body("username=dave&password=hellodave&loginMode=1&applicationType=35");
    let Some(login) = p.login("form login", form).await else {
        return Ok((p.sent, p.problems));
    };
    let ldap = json!({"username": "ldapdave", "password": "ldappass", "loginMode": 16, "maxSearch": 5, "workingSet": 20});
    let ldap_login = p.http.post(p.url("auth/login")).json(&ldap);
    p.login("LDAP login", ldap_login).await;
    let malformed = p
        .http
        .post(p.url("auth/login"))
        .header("Content-Type", "application/json")
        .body("{not json");
    p.send("malformed login body", malformed, 400).await;
    let odd_mode = p
        .http
        .post(p.url("auth/login"))
        .json(&json!({"loginMode": 999}));
    p.send("unknown login mode", odd_mode, 401).await;
    let wrong_method = p.http.get(p.url("auth/login"));
    p.send("GET auth/login", wrong_method, 405).await;

    // Identity tokens: checked without using them up; delegation with a broken body.
    let created = p
        .send(
            "identity token",
            p.with(Method::POST, "auth/identityToken", &login),
            201,
        )
        .await;
    let identity = created
        .and_then(|r| r.headers().get("x-mstr-identitytoken").cloned())
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .unwrap_or_default();
    let check = p
        .http
        .get(p.url("auth/identityToken"))
        .header("X-MSTR-IdentityToken", identity);
    p.send("check identity token", check, 200).await;
    let check_bad = p.http.get(p.url("auth/identityToken"));
    p.send("check no identity token", check_bad, 401).await;
    let bad_delegate = p
        .http
        .post(p.url("auth/delegate"))
        .header("Content-Type", "application/json")
        .body("[1, 2");
    p.send("malformed delegation body", bad_delegate, 400).await;

    // Session routes with and without a session.
    for (method, path, ok) in [
        (Method::GET, "sessions/lifetime", 200),
        (Method::GET, "projects/MicroStrategy%20Tutorial", 200),
        (Method::GET, "projects/No%20Such%20Project", 404),
    ] {
        let request = p.with(method.clone(), path, &login);
        p.send(&format!("{method} {path}"), request, ok).await;
    }
    let scoped = p
        .with(Method::GET, "sessions/projectId", &login)
        .header("X-MSTR-ProjectID", UNKNOWN_ID);
    p.send("sessions/projectId, unknown project", scoped, 404)
        .await;
    let unscoped = p.with(Method::GET, "sessions/projectId", &login);
    p.send("sessions/projectId, no project", unscoped, 400)
        .await;
    let bad_pattern = p
        .with(Method::GET, "searches/results", &login)
        .header("X-MSTR-ProjectID", TUTORIAL_ID)
        .query(&[("pattern", "contains")]);
    p.send("search with a non-integer pattern", bad_pattern, 400)
        .await;
    let wrong_method = p.with(Method::POST, "projects", &login);
    p.send("POST projects", wrong_method, 405).await;

    data_probes(&mut p, &login).await;
    family_probes(&mut p, &login).await;

    for (method, path) in [
        (Method::POST, "auth/identityToken"),
        (Method::GET, "sessions"),
        (Method::PUT, "sessions"),
        (Method::GET, "sessions/userInfo"),
        (Method::GET, "sessions/lifetime"),
        (Method::GET, "sessions/projectId"),
        (Method::GET, "projects/MicroStrategy%20Tutorial"),
        (Method::GET, "searches/results"),
        (Method::GET, "transmitters"),
        (Method::POST, "emails"),
        (Method::GET, "datasources"),
        (Method::POST, "model/changesets"),
        (Method::POST, "packages"),
    ] {
        let request = p.http.request(method.clone(), p.url(path));
        p.send(&format!("{method} {path} without a session"), request, 401)
            .await;
    }

    // Idle expiry by the emulator's clock, through the control route.
    control.advance_clock(31 * 60).await?;
    let expired = p.with(Method::GET, "sessions", &login);
    p.send("GET sessions after 31 idle minutes", expired, 401)
        .await;

    // The control routes' own error answers.
    control
        .refused("faults", json!({"respond": {"status": 7}}))
        .await?;
    control
        .refused("clock", json!({"advanceSeconds": "soon"}))
        .await?;
    let stats: Value = control.stats().await?;
    if stats["openSessions"] != 0 {
        p.problems
            .push(format!("after the clock moved 31 minutes: {stats}"));
    }
    Ok((p.sent, p.problems))
}

/// A percent-encoded path segment (package ids are base64, with `+`, `/` and `=`).
fn seg(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn json_of(response: Option<reqwest::Response>) -> Value {
    match response {
        Some(r) => r.json().await.unwrap_or_default(),
        None => Value::Null,
    }
}

/// The families that run jobs: dossier exports, cube status, changesets, datasources,
/// packages, emails, quotas and Library publishing — each operation once, with its errors.
async fn family_probes(p: &mut Prober, login: &Login) {
    const DOSSIER: &str = "27D332AC6D43352E0928B9A1FCAF4AB0";
    const CUBE: &str = "C0BE0000000000000000000000000001";
    const REPORT: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
    let scoped = |p: &Prober, method: Method, path: &str| {
        p.with(method, path, login)
            .header("X-MSTR-ProjectID", TUTORIAL_ID)
    };

    // Dossiers: definition, instance, status, the three exports (as base64 JSON), delete.
    let definition = scoped(p, Method::GET, &format!("dossiers/{DOSSIER}/definition"));
    let definition = json_of(p.send("dossier definition", definition, 200).await).await;
    let key = definition["chapters"][0]["pages"][0]["visualizations"][0]["key"]
        .as_str()
        .unwrap_or("W0")
        .to_owned();
    let unknown = scoped(p, Method::GET, &format!("dossiers/{UNKNOWN_ID}/definition"));
    p.send("unknown dossier definition", unknown, 404).await;
    let create = scoped(p, Method::POST, &format!("dossiers/{DOSSIER}/instances")).json(&json!({}));
    let mid = json_of(p.send("dossier instance", create, 201).await).await["mid"]
        .as_str()
        .unwrap_or(UNKNOWN_ID)
        .to_owned();
    let document =
        scoped(p, Method::POST, &format!("documents/{DOSSIER}/instances")).json(&json!({}));
    p.send("document instance", document, 201).await;
    let instance = format!("documents/{DOSSIER}/instances/{mid}");
    let status = scoped(p, Method::GET, &format!("{instance}/status"));
    p.send("document instance status", status, 200).await;
    let pdf =
        scoped(p, Method::POST, &format!("{instance}/pdf")).json(&json!({"pageOption": "ALL"}));
    p.send("PDF export as base64 JSON", pdf, 200).await;
    let bad_pdf = scoped(p, Method::POST, &format!("{instance}/pdf"))
        .header("Content-Type", "application/json")
        .body("[1]");
    p.send("PDF export, body not an object", bad_pdf, 400).await;
    let excel = scoped(p, Method::POST, &format!("{instance}/excel")).json(&json!({}));
    p.send("Excel export", excel, 200).await;
    let csv = scoped(
        p,
        Method::POST,
        &format!("{instance}/visualizations/{key}/csv"),
    )
    .json(&json!({}));
    p.send("visualization CSV export", csv, 200).await;
    let no_vis = scoped(
        p,
        Method::POST,
        &format!("{instance}/visualizations/W-none/csv"),
    )
    .json(&json!({}));
    p.send("unknown visualization", no_vis, 404).await;
    let delete = scoped(p, Method::DELETE, &instance);
    p.send("delete document instance", delete, 204).await;
    let gone = scoped(p, Method::GET, &format!("{instance}/status"));
    p.send("deleted instance status", gone, 404).await;

    // Cube status bits.
    let head = scoped(p, Method::HEAD, &format!("cubes/{CUBE}"));
    p.send("cube status", head, 200).await;
    let not_cube = scoped(p, Method::HEAD, &format!("cubes/{UNKNOWN_ID}"));
    p.send("status of no cube", not_cube, 404).await;

    // Changesets: open, create, read, update, commit, delete; the errors.
    let open = scoped(p, Method::POST, "model/changesets").query(&[("schemaEdit", "false")]);
    let cs = json_of(p.send("open changeset", open, 201).await).await["id"]
        .as_str()
        .unwrap_or(UNKNOWN_ID)
        .to_owned();
    let no_project = p.with(Method::POST, "model/changesets", login);
    p.send("open changeset without a project", no_project, 400)
        .await;
    let in_cs = |p: &Prober, method: Method, path: &str| {
        p.with(method, path, login)
            .header("X-MSTR-MS-Changeset", &cs)
    };
    let metric = json!({"information": {"name": "Probe metric", "subType": "metric"}, "expression": {"text": "Sum(Revenue)"}});
    let created = in_cs(p, Method::POST, "model/metrics").json(&metric);
    let object = json_of(p.send("create metric", created, 201).await).await;
    let oid = object["information"]["objectId"]
        .as_str()
        .unwrap_or(UNKNOWN_ID)
        .to_owned();
    let no_name = in_cs(p, Method::POST, "model/filters").json(&json!({"information": {}}));
    p.send("create filter without a name", no_name, 400).await;
    let odd_kind = in_cs(p, Method::POST, "model/tables").json(&metric);
    p.send("create an untyped model object", odd_kind, 404)
        .await;
    let read = in_cs(p, Method::GET, &format!("model/metrics/{oid}"));
    p.send("read metric in changeset", read, 200).await;
    let update = in_cs(p, Method::PUT, &format!("model/metrics/{oid}")).json(&metric);
    p.send("update metric", update, 200).await;
    let no_cs = p
        .with(Method::PUT, &format!("model/metrics/{oid}"), login)
        .json(&metric);
    p.send("update metric without a changeset", no_cs, 400)
        .await;
    let missing = in_cs(p, Method::GET, &format!("model/attributes/{UNKNOWN_ID}"));
    p.send("unknown attribute", missing, 404).await;
    let commit = in_cs(p, Method::POST, &format!("model/changesets/{cs}/commit"));
    p.send("commit changeset", commit, 201).await;
    let commit_none = in_cs(
        p,
        Method::POST,
        &format!("model/changesets/{UNKNOWN_ID}/commit"),
    );
    p.send("commit unknown changeset", commit_none, 404).await;
    let delete = in_cs(p, Method::DELETE, &format!("model/changesets/{cs}"));
    p.send("delete changeset", delete, 204).await;
    let again = in_cs(p, Method::DELETE, &format!("model/changesets/{cs}"));
    p.send("delete changeset twice", again, 404).await;

    // Datasources: every list, one of each, a create, a patch, the errors.
    for (path, key) in [
        ("datasources", "datasources"),
        ("datasources/connections", "connections"),
        ("datasources/logins", "logins"),
    ] {
        let listed = json_of(
            p.send(
                &format!("list {path}"),
                p.with(Method::GET, path, login),
                200,
            )
            .await,
        )
        .await;
        let id = listed[key][0]["id"]
            .as_str()
            .unwrap_or(UNKNOWN_ID)
            .to_owned();
        let one = p.with(Method::GET, &format!("{path}/{id}"), login);
        p.send(&format!("get one of {path}"), one, 200).await;
        let patch = p
            .with(Method::PATCH, &format!("{path}/{id}"), login)
            .json(&json!({"operationList": [{"op": "replace", "path": "/description", "value": "probed"}]}));
        p.send(&format!("patch one of {path}"), patch, 200).await;
        let bad = p
            .with(Method::PATCH, &format!("{path}/{id}"), login)
            .json(&json!({"operationList": [{"op": "remove", "path": "/name"}]}));
        p.send(&format!("unsupported patch of {path}"), bad, 400)
            .await;
        let none = p.with(Method::GET, &format!("{path}/{UNKNOWN_ID}"), login);
        p.send(&format!("unknown one of {path}"), none, 404).await;
        let create = p
            .with(Method::POST, path, login)
            .json(&json!({"name": format!("Probe {key}"), "username": "u", "password": "p"}));
        p.send(&format!("create in {path}"), create, 201).await;
        let nameless = p.with(Method::POST, path, login).json(&json!({}));
        p.send(&format!("create in {path} without a name"), nameless, 400)
            .await;
    }
    let patch_none = p
        .with(Method::PATCH, &format!("datasources/{UNKNOWN_ID}"), login)
        .json(&json!({"operationList": [{"op": "replace", "path": "/name", "value": "x"}]}));
    p.send("patch unknown datasource", patch_none, 404).await;

    // Packages: holder, build, poll, download, upload, import, poll, undo, deletes.
    let holder = json_of(
        p.send("package holder", scoped(p, Method::POST, "packages"), 201)
            .await,
    )
    .await;
    let pid = seg(holder["id"].as_str().unwrap_or(UNKNOWN_ID));
    let unknown_project = p
        .with(Method::POST, "packages", login)
        .header("X-MSTR-ProjectID", UNKNOWN_ID);
    p.send("package holder in an unknown project", unknown_project, 404)
        .await;
    let too_early = scoped(p, Method::GET, &format!("packages/{pid}/binary"));
    p.send("download an empty package", too_early, 400).await;
    let definition = json!({"type": "project", "settings": {"defaultAction": "replace"},
        "content": [{"id": REPORT, "type": 3, "action": "replace", "includeDependents": true}]});
    let build = scoped(p, Method::PUT, &format!("packages/{pid}"))
        .header("Prefer", "respond-async")
        .json(&definition);
    p.send("build package", build, 202).await;
    let empty = scoped(p, Method::PUT, &format!("packages/{pid}"))
        .json(&json!({"type": "project", "content": []}));
    p.send("build package with no content", empty, 400).await;
    for _ in 0..3 {
        let poll = scoped(p, Method::GET, &format!("packages/{pid}"));
        p.send("poll package", poll, 200).await;
    }
    let file = match p
        .send(
            "download package",
            scoped(p, Method::GET, &format!("packages/{pid}/binary")),
            200,
        )
        .await
    {
        Some(r) => r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
        None => Vec::new(),
    };
    let none = scoped(p, Method::GET, &format!("packages/{}", seg("bm9uZQ==")));
    p.send("unknown package", none, 404).await;
    let target = json_of(
        p.send(
            "second package holder",
            scoped(p, Method::POST, "packages"),
            201,
        )
        .await,
    )
    .await;
    let tid = seg(target["id"].as_str().unwrap_or(UNKNOWN_ID));
    let mut multipart =
        b"--probe\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.mmp\"\r\n\r\n"
            .to_vec();
    multipart.extend_from_slice(&file);
    multipart.extend_from_slice(b"\r\n--probe--\r\n");
    let upload = scoped(p, Method::PUT, &format!("packages/{tid}/binary"))
        .header("Content-Type", "multipart/form-data; boundary=probe")
        .body(multipart);
    p.send("upload package", upload, 200).await;
    let not_multipart = scoped(p, Method::PUT, &format!("packages/{tid}/binary")).body("raw");
    p.send("upload package, not multipart", not_multipart, 400)
        .await;
    let start = scoped(p, Method::POST, "packages/imports")
        .header("Prefer", "respond-async")
        .query(&[
            ("packageId", target["id"].as_str().unwrap_or("")),
            ("generateUndo", "true"),
        ]);
    let import = json_of(p.send("import package", start, 202).await).await;
    let iid = seg(import["id"].as_str().unwrap_or(UNKNOWN_ID));
    let no_package = scoped(p, Method::POST, "packages/imports");
    p.send("import without packageId", no_package, 400).await;
    let unknown_package =
        scoped(p, Method::POST, "packages/imports").query(&[("packageId", "bm9uZQ==")]);
    p.send("import unknown package", unknown_package, 404).await;
    for _ in 0..3 {
        let poll = scoped(p, Method::GET, &format!("packages/imports/{iid}"));
        p.send("poll import", poll, 200).await;
    }
    let undo = scoped(
        p,
        Method::GET,
        &format!("packages/imports/{iid}/undoPackage/binary"),
    );
    p.send("download undo package", undo, 200).await;
    let no_undo = scoped(
        p,
        Method::GET,
        &format!("packages/imports/{}/undoPackage/binary", seg("bm9uZQ==")),
    );
    p.send("undo package of no import", no_undo, 404).await;
    let forget = scoped(p, Method::DELETE, &format!("packages/imports/{iid}"));
    p.send("delete import", forget, 202).await;
    let forgotten = scoped(p, Method::GET, &format!("packages/imports/{iid}"));
    p.send("deleted import", forgotten, 404).await;
    for id in [&pid, &tid] {
        let delete =
            scoped(p, Method::DELETE, &format!("packages/{id}")).header("Prefer", "respond-async");
        p.send("delete package", delete, 202).await;
    }
    let deleted = scoped(p, Method::DELETE, &format!("packages/{pid}"));
    p.send("delete a deleted package", deleted, 404).await;

    // Emails and transmitters.
    let users = json_of(
        p.send(
            "GET users for email",
            p.with(Method::GET, "users", login),
            200,
        )
        .await,
    )
    .await;
    let user = users[0]["id"].as_str().unwrap_or(UNKNOWN_ID).to_owned();
    let email = |to: &str| json!({"notificationType": "USER_CREATION", "userIds": [to], "subject": "Probe", "content": "Hello", "isHTML": false});
    let sent = p.with(Method::POST, "emails", login).json(&email(&user));
    p.send("send email", sent, 204).await;
    let docs_spelling = p
        .with(Method::POST, "emails", login)
        .json(&json!({"notificationType": "USER_CREATION", "userids": [user], "subject": "Probe", "content": "Hello"}));
    p.send("send email, userids spelling", docs_spelling, 204)
        .await;
    let nobody = p
        .with(Method::POST, "emails", login)
        .json(&email(UNKNOWN_ID));
    p.send("email to an unknown user", nobody, 404).await;
    let empty = p
        .with(Method::POST, "emails", login)
        .json(&json!({"userIds": [user], "subject": ""}));
    p.send("email without a subject", empty, 400).await;
    p.send(
        "list transmitters",
        p.with(Method::GET, "transmitters", login),
        200,
    )
    .await;

    // Quotas.
    let quotas = format!("projects/{TUTORIAL_ID}/quotas");
    p.send("project quota", p.with(Method::GET, &quotas, login), 200)
        .await;
    let set = p
        .with(Method::PUT, &quotas, login)
        .json(&json!({"quota": 300}));
    p.send("set project quota", set, 204).await;
    let negative = p
        .with(Method::PUT, &quotas, login)
        .json(&json!({"quota": -1}));
    p.send("negative project quota", negative, 400).await;
    let nowhere = p.with(Method::GET, &format!("projects/{UNKNOWN_ID}/quotas"), login);
    p.send("quota of an unknown project", nowhere, 404).await;
    let set_user = p
        .with(
            Method::PUT,
            &format!("projects/{TUTORIAL_ID}/users/{user}/quotas"),
            login,
        )
        .json(&json!({"quota": 50}));
    p.send("set user quota", set_user, 204).await;
    let no_user = p
        .with(
            Method::PUT,
            &format!("projects/{TUTORIAL_ID}/users/{UNKNOWN_ID}/quotas"),
            login,
        )
        .json(&json!({"quota": 50}));
    p.send("quota of an unknown user", no_user, 404).await;
    let listed = p.with(
        Method::GET,
        &format!("projects/{TUTORIAL_ID}/users/quotas"),
        login,
    );
    p.send("user quotas", listed, 200).await;

    // Library publishing.
    let publish = scoped(p, Method::POST, "library")
        .json(&json!({"id": DOSSIER, "recipients": [{"id": user}]}));
    p.send("publish dossier", publish, 204).await;
    let nobody = scoped(p, Method::POST, "library").json(&json!({"id": DOSSIER, "recipients": []}));
    p.send("publish to nobody", nobody, 400).await;
    let no_dossier = scoped(p, Method::POST, "library")
        .json(&json!({"id": UNKNOWN_ID, "recipients": [{"id": user}]}));
    p.send("publish an unknown dossier", no_dossier, 404).await;
    let from = p.with(
        Method::DELETE,
        &format!("library/{DOSSIER}/recipients/{user}"),
        login,
    );
    p.send("unpublish from one user", from, 204).await;
    let again = p.with(
        Method::DELETE,
        &format!("library/{DOSSIER}/recipients/{user}"),
        login,
    );
    p.send("unpublish from one user twice", again, 404).await;
    let all = p.with(Method::DELETE, &format!("library/{DOSSIER}"), login);
    p.send("unpublish", all, 204).await;
    let twice = p.with(Method::DELETE, &format!("library/{DOSSIER}"), login);
    p.send("unpublish twice", twice, 404).await;
}
