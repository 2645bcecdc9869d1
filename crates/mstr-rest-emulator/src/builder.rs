//! [`EmulatorBuilder`]: users, projects and switches, fixed before the server starts.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::catalog::DossierSpec;
use crate::directory::{Directory, Project, User, UserKind};
use crate::emulator::Emulator;
use crate::reports::ReportSpec;
use crate::state::{Settings, Shared};

/// The default projects: `(id, name)`.
const DEFAULT_PROJECTS: [(&str, &str); 3] = [
    ("B19DEDCC11D4E0EFC000EB9495D0F44F", "MicroStrategy Tutorial"),
    (
        "B7CA92F04B9FAE8D941C3E9B7E0CD754",
        "Consolidated Education Project",
    ),
    ("4BAE16A340B995CAD24193AA2B6F1A4C", "My Project"),
];

/// Configures an [`Emulator`] before it starts. Get one from [`Emulator::builder`]; it begins
/// with the default data listed in the [crate docs](crate#default-data).
///
/// Its `Debug` output names users but never shows a password or an API key.
#[must_use = "a builder does nothing until .start() is called"]
pub struct EmulatorBuilder {
    users: Vec<UserSpec>,
    api_keys: Vec<(String, String)>,
    anonymous: bool,
    projects: Vec<(String, String)>,
    default_projects: bool,
    idle_timeout: Duration,
    strict_cookies: bool,
    secure_cookies: bool,
    record_requests: bool,
    admin_routes: bool,
    port: u16,
    reports: Vec<ReportSpec>,
    dossiers: Vec<DossierSpec>,
    job_polls: u32,
}

/// Status polls a cube publish, a package build and a package import report running.
pub(crate) const DEFAULT_JOB_POLLS: u32 = 2;

struct UserSpec {
    kind: UserKind,
    username: String,
    password: String,
    full_name: String,
}

impl EmulatorBuilder {
    pub(crate) fn new() -> Self {
        let user = |kind, username: &str, password: &str, full_name: &str| UserSpec {
            kind,
            username: username.to_owned(),
            password: password.to_owned(),
            full_name: full_name.to_owned(),
        };
        Self {
            users: vec![
                user(UserKind::Standard, "dave", "hellodave", "Dave Bowman"),
                user(UserKind::Standard, "administrator", "", "Administrator"),
                user(UserKind::Ldap, "ldapdave", "ldappass", "ldapdave"),
            ],
            api_keys: vec![("supersecretapikey".to_owned(), "dave".to_owned())],
            anonymous: true,
            projects: Vec::new(),
            default_projects: true,
            idle_timeout: Duration::from_secs(30 * 60),
            strict_cookies: true,
            secure_cookies: false,
            record_requests: true,
            admin_routes: false,
            port: 0,
            reports: crate::reports::default_specs(),
            dossiers: crate::catalog::default_dossiers(),
            job_polls: DEFAULT_JOB_POLLS,
        }
    }

    fn add_user(mut self, kind: UserKind, username: &str, password: &str) -> Self {
        // Re-adding a user changes the password and keeps the full name.
        match self
            .users
            .iter_mut()
            .find(|u| u.kind == kind && u.username == username)
        {
            Some(existing) => existing.password = password.to_owned(),
            None => self.users.push(UserSpec {
                kind,
                username: username.to_owned(),
                password: password.to_owned(),
                full_name: username.to_owned(),
            }),
        }
        self
    }

    /// Serves a dossier (replacing a seeded one with the same id): its definition, instances
    /// and exports.
    pub fn dossier(mut self, spec: DossierSpec) -> Self {
        self.dossiers
            .retain(|d| !d.id.eq_ignore_ascii_case(&spec.id));
        self.dossiers.push(spec);
        self
    }

    /// How many status polls a cube publish (`HEAD cubes/{id}`), a package build
    /// (`GET packages/{id}`) and a package import (`GET packages/imports/{id}`) report
    /// running before they are done (default 2; 0: done at once).
    pub fn job_polls(mut self, polls: u32) -> Self {
        self.job_polls = polls;
        self
    }

    /// Adds a standard (`loginMode` 1) user, or changes the password of an existing one. Its full
    /// name is the username. An empty password is allowed.
    pub fn user(self, username: &str, password: &str) -> Self {
        self.add_user(UserKind::Standard, username, password)
    }

    /// Adds an LDAP (`loginMode` 16) user, or changes the password of an existing one. LDAP
    /// users cannot log in with mode 1, nor standard users with mode 16.
    pub fn ldap_user(self, username: &str, password: &str) -> Self {
        self.add_user(UserKind::Ldap, username, password)
    }

    /// Adds an API key (`loginMode` 4096; the key travels in `username`) that logs in as
    /// `username`. An unknown username becomes a user reachable only through the key.
    pub fn api_key(mut self, key: &str, username: &str) -> Self {
        self.api_keys.retain(|(known, _)| known != key);
        self.api_keys.push((key.to_owned(), username.to_owned()));
        self
    }

    /// Allows or refuses anonymous (`loginMode` 8) login as user "Guest". Allowed by default;
    /// refused logins answer 401 `ERR001`.
    pub fn anonymous(mut self, allowed: bool) -> Self {
        self.anonymous = allowed;
        self
    }

    /// Adds a project after the defaults (or alone, with [`no_default_projects`](Self::no_default_projects)).
    /// Two projects may share a name; `projects/{name}` then finds the first.
    pub fn project(mut self, id: &str, name: &str) -> Self {
        self.projects.push((id.to_owned(), name.to_owned()));
        self
    }

    /// Leaves out the three default projects; projects added with [`project`](Self::project)
    /// stay.
    pub fn no_default_projects(mut self) -> Self {
        self.default_projects = false;
        self
    }

    /// How long a session may sit idle before it is expired (default 30 minutes). `GET sessions`
    /// reports it as `timeout`, in seconds.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }

    /// Whether an auth token is accepted only together with its own `JSESSIONID` cookie
    /// (default `true`, as observed on real tenants behind Tomcat).
    pub fn strict_cookies(mut self, on: bool) -> Self {
        self.strict_cookies = on;
        self
    }

    /// Whether the session cookies carry `Secure`, as real servers send them
    /// (`JSESSIONID=…; Path=/MicroStrategyLibrary; Secure; HttpOnly`, beside `iSession`).
    /// Default `false`: the emulator speaks plain HTTP, over which clients (browsers, httpx,
    /// mstr-rest) rightly never send a `Secure` cookie back — turn it on behind a TLS front,
    /// or with [`strict_cookies(false)`](Self::strict_cookies) to see a client keep them home.
    pub fn secure_cookies(mut self, on: bool) -> Self {
        self.secure_cookies = on;
        self
    }

    /// Whether requests are recorded for [`Emulator::requests`] and [`Emulator::count`]
    /// (default `true`). Switch it off for long benchmarks.
    pub fn record_requests(mut self, on: bool) -> Self {
        self.record_requests = on;
        self
    }

    /// Serves the control routes under `/__emulator/` (beside the API, not under it) and keeps
    /// every API exchange with its response; off by default. For drivers that run the
    /// emulator as a separate process (`mstr-emulator --admin`), such as another language's
    /// test suite: they reset it, queue faults, move its clock and read what it saw over
    /// HTTP. The routes are listed in the [crate docs](crate#control-routes).
    pub fn admin_routes(mut self, on: bool) -> Self {
        self.admin_routes = on;
        self
    }

    /// The port to listen on, on 127.0.0.1 (default 0: a free port chosen by the OS).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Adds a report or cube with a generated data set (see [`ReportSpec`]). A spec with the
    /// id of an earlier one (a default included) replaces it.
    pub fn report(mut self, spec: ReportSpec) -> Self {
        self.reports.retain(|r| r.id != spec.id);
        self.reports.push(spec);
        self
    }

    /// Leaves out the default reports and cubes listed in the [crate docs](crate#default-data).
    pub fn no_default_reports(mut self) -> Self {
        self.reports.clear();
        self
    }

    /// Starts the server on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// If 127.0.0.1 cannot be bound on the chosen port; use [`try_start`](Self::try_start) to
    /// get the error instead. Also panics outside a tokio runtime.
    pub async fn start(self) -> Emulator {
        match self.try_start().await {
            Ok(emulator) => emulator,
            Err(error) => panic!("mstr-rest-emulator: cannot listen on 127.0.0.1: {error}"),
        }
    }

    /// Starts the server on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// The I/O error from binding 127.0.0.1 on the chosen port (for instance, the port is taken).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn try_start(self) -> std::io::Result<Emulator> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
                .await?;
        let addr = listener.local_addr()?;
        Ok(Emulator::serve(
            listener,
            addr,
            Arc::new(self.into_shared()),
        ))
    }

    fn into_shared(self) -> Shared {
        let users = self
            .users
            .iter()
            .map(|u| User::new(u.kind, &u.username, Some(&u.password), &u.full_name))
            .collect();
        let defaults = DEFAULT_PROJECTS
            .iter()
            .filter(|_| self.default_projects)
            .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()));
        let projects = defaults
            .chain(self.projects)
            .map(|(id, name)| Project { id, name })
            .collect();
        let directory = Directory::new(users, self.api_keys, self.anonymous, projects);
        let mut shared = Shared::new(
            directory,
            Settings {
                idle_timeout: self.idle_timeout,
                strict_cookies: self.strict_cookies,
                secure_cookies: self.secure_cookies,
                record_requests: self.record_requests,
                admin_routes: self.admin_routes,
            },
        );
        shared.reports = crate::reports::Reports::new(self.reports);
        shared.catalog =
            crate::catalog::Catalog::new(&shared.directory, self.dossiers, self.job_polls);
        shared
    }
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |kind| {
            self.users
                .iter()
                .filter(|u| u.kind == kind)
                .map(|u| u.username.as_str())
                .collect::<Vec<_>>()
        };
        let api_key_users: Vec<&str> = self
            .api_keys
            .iter()
            .map(|(_, user)| user.as_str())
            .collect();
        f.debug_struct("EmulatorBuilder")
            .field("users", &names(UserKind::Standard))
            .field("ldap_users", &names(UserKind::Ldap))
            .field("passwords", &"** redacted **")
            .field("api_keys_for", &api_key_users)
            .field("anonymous", &self.anonymous)
            .field("projects", &self.projects)
            .field("default_projects", &self.default_projects)
            .field("idle_timeout", &self.idle_timeout)
            .field("strict_cookies", &self.strict_cookies)
            .field("secure_cookies", &self.secure_cookies)
            .field("record_requests", &self.record_requests)
            .field("admin_routes", &self.admin_routes)
            .field("port", &self.port)
            .field(
                "dossiers",
                &self
                    .dossiers
                    .iter()
                    .map(|d| d.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("job_polls", &self.job_polls)
            .field(
                "reports",
                &self
                    .reports
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}
