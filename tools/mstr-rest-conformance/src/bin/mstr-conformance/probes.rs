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

    for (method, path) in [
        (Method::POST, "auth/identityToken"),
        (Method::GET, "sessions"),
        (Method::PUT, "sessions"),
        (Method::GET, "sessions/userInfo"),
        (Method::GET, "sessions/lifetime"),
        (Method::GET, "sessions/projectId"),
        (Method::GET, "projects/MicroStrategy%20Tutorial"),
        (Method::GET, "searches/results"),
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
