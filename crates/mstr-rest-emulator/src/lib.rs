#![cfg_attr(docsrs, feature(doc_cfg))]
//! A faithful, stateful, in-process fake of the MicroStrategy (Strategy) REST API server.
//!
//! `mstr-rest`'s tests, examples and benchmarks run against it instead of a real Library server:
//! [`Emulator::start`] listens on 127.0.0.1 on a random port and keeps real sessions, cookies,
//! idle timeouts and identity tokens, so whole flows (login, expiry, re-login, logout) behave as
//! on a server. Tests steer it ([`Emulator::advance_clock`], [`Emulator::inject`] a [`Fault`])
//! and inspect it ([`Emulator::requests`], [`Emulator::count`], [`Emulator::open_sessions`]).
//! Wire facts come from the workspace's REST reference; where that reference marks a behaviour
//! unverified, the emulator's choice is listed under [Guesses](#guesses).
//!
//! It is built on axum: a tiny router on the same hyper and tokio stack the client already
//! compiles, so it adds little build time. Exact request expectations ("this header, once") are
//! wiremock's job and are tested with it separately; this crate is for stateful flows.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use mstr_rest_emulator::{Emulator, Fault};
//!
//! let emulator = Emulator::start().await;
//! let http = reqwest::Client::new();
//!
//! let login = http
//!     .post(format!("{}auth/login", emulator.base_url()))
//!     .json(&serde_json::json!({"username": "dave", "password": "hellodave", "loginMode": 1}))
//!     .send()
//!     .await?;
//! assert_eq!(login.status(), 204);
//! let token = login.headers()["x-mstr-authtoken"].to_str()?.to_owned();
//! // "JSESSIONID=…; Path=/MicroStrategyLibrary; HttpOnly" → "JSESSIONID=…"
//! let cookie = login.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or("").to_owned();
//!
//! let projects = |http: &reqwest::Client| {
//!     http.get(format!("{}projects", emulator.base_url()))
//!         .header("X-MSTR-AuthToken", &token)
//!         .header("Cookie", &cookie)
//!         .send()
//! };
//! let list: serde_json::Value = projects(&http).await?.json().await?;
//! assert_eq!(list[0]["name"], "MicroStrategy Tutorial");
//!
//! // The next listing fails as if the session had timed out on the server.
//! emulator.inject(Fault::path("projects").expire_session());
//! let expired = projects(&http).await?;
//! assert_eq!(expired.status(), 401);
//! assert_eq!(expired.json::<serde_json::Value>().await?["code"], "ERR009");
//!
//! assert_eq!(emulator.count("GET", "projects"), 2);
//! assert_eq!(emulator.open_sessions(), 0);
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//!
//! All under `/MicroStrategyLibrary/api/`. Every error body is `application/json`
//! `{"code", "message", "ticketId", "iServerCode"?}` with a fresh 32-hex `ticketId`.
//!
//! | Method | Path | Success | Notes |
//! |---|---|---|---|
//! | POST | `auth/login` | 204, `X-MSTR-AuthToken`, `Set-Cookie: JSESSIONID` | JSON or form body; `loginMode` 1 (default), 16, 4096, 8; bad credentials 401 `ERR003`; malformed JSON 400 `ERR006` |
//! | POST | `auth/logout` | 204 | |
//! | POST | `auth/identityToken` | 201, `X-MSTR-IdentityToken` | |
//! | GET | `auth/identityToken` | 200 `{"userId"}` | header `X-MSTR-IdentityToken`; else 401 `ERR003` |
//! | POST | `auth/delegate` | 204, new token and cookie | `{"loginMode": -1 or "-1", "identityToken"}`; else 401 `ERR003` |
//! | GET, PUT | `sessions` | 200 `SessionInfo`; PUT 204 | |
//! | GET | `sessions/userInfo`, `sessions/lifetime` | 200 `SessionInfo` (+ `lifetime`) | |
//! | GET | `sessions/projectId`, `searches/results` | 200 | need `X-MSTR-ProjectID` |
//! | GET | `projects`, `projects/{name}` | 200 | unknown name 404 `ERR004` |
//! | POST | `v2/reports/{id}/instances`, `v2/cubes/{id}/instances` | 200 v2 body; 202 `{id, status, instanceId}`; 200 `status: 2` when prompted | [`ReportSpec`] data; `offset`, `limit` (-1 = all), `fields` exclusions; body `requestedObjects` honoured; `Prefer: respond-async` |
//! | GET | `v2/reports/{id}/instances/{iid}`, `v2/cubes/{id}/instances/{iid}` | 200 v2 body / 202 while running | `current = min(limit, total - offset)`, then the spec's page cap |
//! | GET | `v2/cubes/{id}/instances/{iid}/status`, `reports/{id}/instances/{iid}/status` | 200 / 202, `X-MSTR-IStatus`, `Retry-After: 1` | counts as a poll |
//! | GET | `reports/{id}/prompts`, `reports/{id}/instances/{iid}/prompts` | 200 `[PromptDefinition]` | the instance lists its open prompts |
//! | PUT | `reports/{id}/instances/{iid}/prompts/answers` | 204 | wrong type, unknown prompt or empty required answer 400 `ERR006` |
//! | GET | `v2/reports/{id}`, `v2/cubes/{id}` | 200 definition (`grid`, `availableObjects`) | no data |
//! | GET | `v2/reports/{id}/instances/{iid}/pageBy/elements` | 200 `{pageBy: [], validPageByElements: {items: []}}` | generated reports have no page-by |
//! | GET | `status` | 200 `{webVersion, iServerVersion: "11.4.0300.0000", deploymentType}` | no session needed |
//!
//! `mstrio-py` 11.6.10.101 makes exactly these calls (recorded) for `Connection(base_url,
//! user, password, project_id=…)`, `Report(conn, id).to_dataframe()` and `conn.close()`, and
//! the emulator answers them all: `POST auth/login`, `GET sessions`, `GET status`, a second
//! `POST auth/login` and `GET sessions`, `GET objects/{id}?type=3&comments=True` (a configured
//! report or cube answers as a type-3 object), `GET v2/reports/{id}`,
//! `POST v2/reports/{id}/instances?offset=0&limit=L&fields=…`, `GET …/instances/{iid}/pageBy/elements`
//! (twice), `GET v2/reports/{id}/instances/{iid}?offset&limit&fields` per further page, and
//! `POST auth/logout`.
//! | POST | `datasets/models` | 200 `{id, name}` | `PushAPIDataset`; missing name, tables or columns 400 `ERR006` |
//! | GET | `datasets/{id}` | 200 `{id, name, tables[{name, columnHeaders}]}` | |
//! | POST | `datasets/{id}/uploadSessions` | 200 `{uploadSessionId}` | a second open session, an unknown table or policy 400 `ERR006` |
//! | PUT | `datasets/{id}/uploadSessions/{sid}` | 200, empty | `{tableName, index ≥ 1, data}`: base64 of a JSON array of arrays (`ROW` or `COLUMN`), each the table's width, else 400 `ERR006` |
//! | POST | `datasets/{id}/uploadSessions/{sid}/publish` | 200, empty | applies `updatePolicy` (chunks in `index` order) |
//! | GET | `datasets/{id}/uploadSessions/{sid}/publishStatus` | 200 `{uploadSessionId, status: "6", message}` twice, then `status: "1"`, "result ready" | the session then closes |
//! | DELETE | `datasets/{id}/uploadSessions/{sid}` | 200 | discards what was not published |
//! | GET | `folders`, `folders/{id}`, `folders/preDefined/{n}`, `folders/myPersonalObjects` | 200 `[ObjectInfo]` | project-scoped; `offset`, `limit`; unknown folder 404 `ERR004` |
//! | GET, DELETE | `objects/{id}?type=n` | 200 `ObjectInfo` / 204 | project-scoped; `type` required (400 `ERR006`); wrong type 404 `ERR004`; `type=3` also finds pushed datasets |
//! | GET | `library` | 200 `[{id, name, projectId, active, target: ObjectInfo}]` | no project header |
//! | GET, POST | `users` | 200 `[User]` / 201 `User` | `nameBegins`, `offset`, `limit`; a taken username 400 `ERR006` |
//! | GET, PATCH | `users/{id}` | 200 `User` | PATCH `operationList` replaces `/fullName`, `/description`, `/username`, `/enabled` |
//! | GET, POST | `usergroups` | 200 `[UserGroup]` / 201 `UserGroup` | |
//! | GET, PATCH | `usergroups/{id}` | 200 `UserGroup` | PATCH replaces `/name`, `/description`; `add`/`remove` `/members` (user ids) |
//! | GET | `securityRoles` | 200 `[{id, name, description, type: 44}]` | |
//! | GET | `securityFilters` | 200 `{securityFilters: […], total}` | project-scoped |
//! | GET | `dossiers/{id}/definition` | 200 `{id, name, chapters: [{key, name, pages: [{key, name, visualizations: [{key, name, visualizationType}]}]}]}` | project-scoped; a [`DossierSpec`]; unknown 404 `ERR004` |
//! | POST | `dossiers/{id}/instances`, `documents/{id}/instances` | 201 `{mid, status}` | status 1 ready, 6 running ([`DossierSpec::instance_polls`]) |
//! | GET | `documents/{id}/instances/{mid}/status` | 200 `{status}` | counts as a poll |
//! | DELETE | `documents/{id}/instances/{mid}` | 204 | unknown 404 `ERR004` |
//! | POST | `documents/{id}/instances/{mid}/pdf`, `…/excel`, `…/visualizations/{key}/csv` | 200 the file (`Accept: application/octet-stream`, streamed) or `{data: base64}`; 202 while running | [`DossierSpec::pdf`], [`DossierSpec::export_polls`]; an instance still executing 400 `ERR006`; unknown visualization 404 `ERR004` |
//! | POST | `v2/cubes/{id}` | 202 `{id}` (the job) | publishes a cube: [`EmulatorBuilder::job_polls`] status reads report processing |
//! | HEAD | `cubes/{id}` | 200, `X-MSTR-CubeStatus` | `EnumDSSCubeStates` bits: 7 while publishing, 102 published; not a cube 404 |
//! | POST | `model/changesets` | 201 changeset `{id, status: "Ready", schemaEdit, mstrProjectId, …}` | project-scoped; `schemaEdit=true` |
//! | POST | `model/changesets/{id}/commit` | 201 changeset | applies its staged objects; unknown 404 `ERR004` |
//! | DELETE | `model/changesets/{id}` | 204 | abandons what was not committed |
//! | POST | `model/{kind}` | 201 object `{information: {objectId, versionId, name, …}, …}` | `attributes facts metrics filters prompts customGroups consolidations derivedElements`; needs `X-MSTR-MS-Changeset` (400 `ERR006`); `information.name` required |
//! | GET, PUT | `model/{kind}/{id}` | 200 object | GET in a changeset (staged first) or with a project (committed); PUT needs the changeset; unknown 404 `ERR004` |
//! | GET, POST | `datasources`, `datasources/connections`, `datasources/logins` | 200 `{datasources\|connections\|logins: […]}` / 201 object | a taken or missing name 400 `ERR006`; a login's `password` is kept, never answered |
//! | GET, PATCH | `datasources/{id}`, `datasources/connections/{id}`, `datasources/logins/{id}` | 200 object | PATCH `operationList` of `replace` ops; `/password` sets a login's password |
//! | POST | `packages` | 201 `{id, status: "EMPTY"}` | project header optional (configuration packages) |
//! | GET, PUT, DELETE | `packages/{id}` | 200 package / 202 `{id, status: "PROCESSING"}` / 202 `DELETING` | PUT builds from `{type, settings, content: [{id, type, action, includeDependents}]}`; objects must exist |
//! | GET, PUT | `packages/{id}/binary` | 200 the file / 200 `{id, status: "READY"}` | PUT as `multipart/form-data`, part `file` |
//! | POST | `packages/imports?packageId=…&generateUndo=…` | 202 `{id, status, progress, undoPackageCreated}` | |
//! | GET, DELETE | `packages/imports/{id}` | 200 import / 202 | `PROCESSING` for [`EmulatorBuilder::job_polls`] reads, then `IMPORTED` |
//! | GET | `packages/imports/{id}/undoPackage/binary` | 200 the file | only with `generateUndo=true` |
//! | POST | `emails` | 204 | `{notificationType, userIds, subject, content, isHTML}`; unknown user 404 `ERR004`; empty subject, content or recipients 400 `ERR006` |
//! | GET | `transmitters` | 200 `{transmitters: [{id, name, deliveryType: "email", …}]}` | |
//! | GET, PUT | `projects/{id}/quotas` | 200 `{quota}` / 204 | MB; default 100 |
//! | GET | `projects/{id}/users/quotas` | 200 `{users: [{id, quota}]}` | |
//! | PUT | `projects/{id}/users/{userId}/quotas` | 204 | `{quota}` |
//! | POST | `library` | 204 | project-scoped; `{id, recipients: [{id}]}` of a type-55 object and known users or groups |
//! | DELETE | `library/{id}`, `library/{id}/recipients/{recipient}` | 204 | not published 404 `ERR004` |
//!
//! Every call except login, delegation and `GET auth/identityToken` needs a live
//! `X-MSTR-AuthToken` and (unless [`EmulatorBuilder::strict_cookies`] is off) that session's
//! `JSESSIONID` cookie, or it answers 401 `ERR009`; each such call resets the session's idle
//! timer. An unknown path answers 404 `ERR004` "HTTP 404 Not Found", a known path with the
//! wrong method 405 `ERR001` "HTTP 405 Method Not Allowed". All `auth/*` answers carry
//! `cache-control: no-cache, no-store, max-age=0, must-revalidate`, `pragma: no-cache` and
//! `expires: 0`.
//!
//! # Default data
//!
//! [`Emulator::start`] and [`Emulator::builder`] begin with:
//!
//! | Kind | Name | Secret | Notes |
//! |---|---|---|---|
//! | standard user (`loginMode` 1) | `dave` | `hellodave` | full name "Dave Bowman" |
//! | standard user (`loginMode` 1) | `administrator` | `""` (empty) | full name "Administrator" |
//! | LDAP user (`loginMode` 16) | `ldapdave` | `ldappass` | `metadataUser: false` |
//! | API key (`loginMode` 4096) | key `supersecretapikey` | | logs in as `dave` |
//! | anonymous (`loginMode` 8) | `Guest` | | allowed |
//! | project | `B19DEDCC11D4E0EFC000EB9495D0F44F` | | "MicroStrategy Tutorial" |
//! | project | `B7CA92F04B9FAE8D941C3E9B7E0CD754` | | "Consolidated Education Project" |
//! | project | `4BAE16A340B995CAD24193AA2B6F1A4C` | | "My Project" |
//! | report | `F3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8` | | "Unit Sales": 1,000 rows, default grid of [`ReportSpec::new`] |
//! | cube | `C0BE0000000000000000000000000001` | | "Sales Cube": 1,000 rows, default grid |
//! | report | `D5A1E0F7C3B24E6F9A8D7C6B5A4F3E2D` | | "Prompted Sales": 100 rows; prompts `Year` (VALUE, required) and `Region` (ELEMENTS, optional) |
//! | report | `FA055E5B408A9A7ABA47C6A001E8D72C` | | "Unit Sales Paged": page-by `Category` (4) × `Quarter` (3), each slice 20 rows of `Subcategory` (6) and `Day` (a `date` form, `M/D/YYYY`) plus a grand total; metrics `Unit Cost`, `Units Sold` |
//! | report | `C2055E5B408A9A7ABA47C6A001E8D72C` | | "Sales by Year": a cross-tab, `Region` on rows, `Year` (3) and the metrics `Revenue`, `Units` on columns; 12 grid rows |
//! | folder | `98FE182C2A10427EACE0CD30B6768258` | | "Public Objects" (root, Tutorial) |
//! | folder | `D3C7D461F69C4610AA6BAA5EF51F4125` | | "Reports", in Public Objects |
//! | folder | `8D67909B11D3E4981000E787EC6DE8A4` | | "My Reports" (root; `folders/myPersonalObjects`), empty |
//! | object | `A1B2C3D4E5F60718293A4B5C6D7E8F90` | | report (3/768) "Revenue by Region", in Reports |
//! | object | `0F1E2D3C4B5A69788796A5B4C3D2E1F0` | | report (3/768) "Customer List", in Reports |
//! | object | `27D332AC6D43352E0928B9A1FCAF4AB0` | | dossier (55/14081) "Executive Overview", in Reports; the one Library item |
//! | users | every standard, API-key and guest user above | | `users` lists them (LDAP users apart) |
//! | user group | `C82C6B1011D2894CC0009D9F29718E4F` | | "Everyone": every listed user |
//! | user group | `E96685CD4E60068559F7DFAC7C2AA851` | | "System Administrators": `administrator` |
//! | user group | derived id | | "Analysts": `dave` |
//! | security roles | derived ids | | "Normal Users", "Power Users" |
//! | security filters | derived ids | | "Northeast only" (`Region = Northeast`), "Books only" (`Category = Books`), in Tutorial |
//! | dossier definition | `27D332AC6D43352E0928B9A1FCAF4AB0` | | "Executive Overview": chapter "Overview" (page "Summary": "Revenue by Region", "Revenue Trend"), chapter "Details" (page "Customers": "Customer List"); a 2-page PDF, 10-row CSVs |
//! | modeling objects | derived ids | | metric "Revenue", attribute "Region", in Tutorial |
//! | database instance, connection, login | derived ids | | "Tutorial Data", "Warehouse" (PostgreSQL), "Warehouse login" (user `etl`) |
//! | transmitter | derived id | | "Email" (`deliveryType: "email"`) |
//!
//! Sessions idle out after 30 minutes (`timeout: 1800`); `SessionInfo` reports `locale` 1033,
//! `maxSearch` 3 and `workingSet` 10 unless the login body chose others.
//!
//! # Guesses
//!
//! The reference does not state these; the emulator picks a behaviour and keeps it stable.
//!
//! - A disabled anonymous login, or a `loginMode` other than 1, 8, 16 and 4096, answers
//!   401 `ERR001`.
//! - A missing `X-MSTR-ProjectID` on a project-scoped call answers 400 `ERR005`
//!   "X-MSTR-ProjectID header is required". Project ids match ignoring case. An unknown project
//!   answers 404 `ERR004` with iServerCode -2147209151 whatever the route.
//! - A missing token answers exactly like an expired one: 401 `ERR009` "The user's session has
//!   expired, please reauthenticate." (the real message text is not documented). So does a
//!   token without its own `JSESSIONID` cookie, when cookies are strict. The session is checked
//!   before the project header. `GET sessions` on a dead session answers 401 `ERR009`, not the
//!   spec's 404.
//! - Logout closes every session delegated from the same login (they share one IServer session)
//!   and voids that login's unused identity tokens.
//! - Identity tokens never time out; they are used up by `auth/delegate`, not by
//!   `GET auth/identityToken`, and stop working once no session of their login is alive. A
//!   delegation body with no `loginMode` counts as -1; any other mode answers 401 `ERR003`.
//! - Each login and delegation opens a new HTTP session with a new cookie, even when the
//!   request carried a live `JSESSIONID`; `Set-Cookie` is sent only then, and without `Secure`
//!   because the emulator speaks plain HTTP.
//! - There is one idle timeout (no separate HTTP and IServer timeouts); a session idle strictly
//!   longer than it is expired. `sessions/lifetime` reports the idle seconds that were left when
//!   the call arrived, before the call itself reset the timer.
//! - An absent `password` is the empty password. `maxSearch` and `workingSet` from the login
//!   body are echoed in `SessionInfo` (`workingSet` at least 3, `maxSearch` at least 1); a
//!   non-integer `loginMode`, `maxSearch` or `workingSet` answers 400 `ERR006`, as does a JSON
//!   body that is not an object.
//! - User ids are 32-hex GUIDs derived from the username (LDAP users apart), not real ids.
//! - `projects/{name}` also accepts a project id; with duplicate names it returns the first.
//!   Projects report `alias: ""`, `description: ""`, `status: 0`.
//! - `searches/results` searches the seeded objects of the caller's project: `pattern` 2 is an
//!   exact name, any other pattern (4 = contains, the default) a part of it, ignoring case;
//!   `type` may repeat; `root` keeps objects below that folder; `totalItems` counts before
//!   `offset`/`limit`.
//! - Reports and cubes are visible in every project. A report id on `v2/cubes` answers 404
//!   `ERR004`, as does an unknown report; an unknown or evicted instance answers 404 `ERR004`.
//!   Instances belong to the IServer session (delegated sessions share them); beyond the
//!   session's `workingSet` the least recently used one is evicted.
//! - `offset >= total` gives an empty page; `limit=0` or a negative offset answers 400 `ERR006`.
//!   `viewFilter` and sorting are accepted and ignored.
//! - A running instance reports `status` 6. Without `Prefer: respond-async` the instance is
//!   ready at once (no blocking). A prompted instance answers 200
//!   `{id, name, instanceId, status: 2}` without `definition` or `data`; answers are not
//!   applied to the data. Answering a prompt opens its nested prompts after the others.
//!   `useDefault: true` is accepted for any prompt.
//! - Each page's attribute `elements` list only the elements its rows use, in order of first
//!   use; `headers.rows` index into them.
//!
//! - `folders/preDefined/1` is Public Objects; any other number answers 404 `ERR004`.
//! - Dossier and document instances are not tied to a session; a running instance reports
//!   status 6, and an export on it answers 400 `ERR006`. Binary exports and package files
//!   are `application/octet-stream` whatever they hold; without that `Accept` an export
//!   answers `{"data": base64}` (the documented JSON form). The PDF is a minimal PDF padded to
//!   the spec's page size; the Excel workbook is the zip magic and the dossier's name.
//! - A cube publish answers 202 `{id}`; `HEAD cubes/{id}` reports 7 (processing, active,
//!   persisted) for the configured number of reads, then 102 (active, persisted, loaded,
//!   ready).
//! - Changesets are not tied to a session; a commit answers 201 with the changeset (status
//!   `Ready`) and leaves it open until deleted. Updating needs the object to exist; creating
//!   derives the id from the project, kind and name.
//! - Datasource objects answer with a list key of their own (`datasources`, `connections`,
//!   `logins`); ids are derived from the name; names must be unique per kind.
//! - Package and import ids are base64 with `+` and `/` in them; a package file is the
//!   emulator's own format (a magic line, then the definition as JSON). An import brings the
//!   package's objects into the target's catalog under Public Objects.
//! - `POST emails` also accepts the documentation's `userids` spelling; quotas are whole
//!   numbers of MB as sent; Library publishing needs recipients and records them per
//!   dossier; `DELETE library/{id}` takes the dossier's id.
//! - Pushed data: a dataset's row key for `UPDATE`/`UPSERT` is the columns its attribute forms
//!   read (the first column when none); the publish applies the rows at once and
//!   `publishStatus` reports running (6) for two polls anyway; the same chunk `index` sent
//!   twice replaces the first. Datasets belong to the project they were created in.
//! - Users and groups need no privilege to list, create or update; created ids are derived
//!   from the name. Security filters are listed per project, roles server-wide.
//! - A refused login carries iServerCode -2147216959 (the code the Python library's table
//!   names `AUTHEN_E_LOGIN_FAIL`). `GET auth/identityToken` with a missing, unknown or used-up
//!   token answers 401 `ERR003`, like a refused delegation.
//! - Error messages other than "Login failed", "Invalid JSON", "HTTP 404 Not Found" and
//!   "HTTP 405 Method Not Allowed" are the emulator's own wording.
//! - A path with a trailing slash (`projects/`) is another, unknown path: 404 `ERR004`. `HEAD`
//!   on a `GET` route answers as the `GET` would, without the body.
//! - Report shapes taken from recorded real payloads, with these choices of our own: a page-by
//!   report's every combination is valid, `pageBy/elements` lists every element whatever its
//!   paging and pages only the combinations, and an instance starts on slice 0; a grand total
//!   is one row at the end of each slice, its elements `Total` (`j1;{attribute}`) with one form
//!   value; `date` forms print `M/D/YYYY` (a US locale); a cross-tab shows one attribute on the
//!   columns before the metrics; every report names a `source` of its own; `iSession` is set
//!   beside `JSESSIONID` with a value derived from it; an evicted instance answers ERR004 with
//!   iServerCode -2147468986, as real servers do.
//!
//! `openapi.yaml` beside this crate's manifest describes the auth, session, project, search,
//! report data (`v2/reports/…`), users and Library list, dossier export, cube publishing,
//! modeling, datasource, package, email, quota and Library publishing answers, the error
//! answers (and the control routes below) as OpenAPI 3.1, marks each guess above with `x-emulator-guess`, and
//! `cargo xtask conformance` checks every answer of its run against it.
//!
//! # Control routes
//!
//! With [`EmulatorBuilder::admin_routes`] (`mstr-emulator --admin`), a driver in another
//! process or language steers the emulator over HTTP, beside the API mount (never under it).
//! These calls are not recorded; every API exchange is, with its response.
//!
//! | Method | Path | Answer |
//! |---|---|---|
//! | GET | `/__emulator/requests` | 200, every API exchange since the last reset, oldest first: `{seq, method, path, query, headers, body, response: {status, headers, body, bodyError, injectedFault}}` (headers as `[name, value]` pairs, names lower case; bodies as UTF-8 text) |
//! | DELETE | `/__emulator/requests` | 204; forgets the exchanges and [`Emulator::requests`], keeps the sessions |
//! | POST | `/__emulator/reset` | 204; back to the state at start: no sessions (so no report instances), identity tokens, counters, recorded requests or queued faults; objects, users, groups and datasets as seeded; the clock's offset undone |
//! | POST | `/__emulator/faults` | 204; queues a [`Fault`]: `{path?, method?, times?, delayMs?, expireSession?, respond?: {status, code?, message?, iServerCode?, contentType?, body?, resetMidBody?}}`; a bad spec 400 `ERR006` |
//! | POST | `/__emulator/clock` | 204; `{"advanceSeconds": n}` as [`Emulator::advance_clock`] |
//! | GET | `/__emulator/stats` | 200 `{openSessions, logins, logouts}` |
//! | GET | `/__emulator/dataset-rows?dataset=ID&table=NAME` | 200, the rows the table holds after its last publish (as [`Emulator::dataset_rows`]); an unknown one 400 `ERR006` |
//! | GET | `/__emulator/openapi.yaml` | 200, this emulator's contract |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use mstr_rest_emulator::Emulator;
//!
//! let emulator = Emulator::builder().admin_routes(true).start().await;
//! let http = reqwest::Client::new();
//! let control = |route: &str| format!("{}/__emulator/{route}", emulator.origin());
//!
//! http.post(control("faults"))
//!     .json(&serde_json::json!({"path": "projects", "respond": {"status": 503}}))
//!     .send()
//!     .await?;
//! let answer = http.get(format!("{}projects", emulator.base_url())).send().await?;
//! assert_eq!(answer.status(), 503);
//!
//! let seen: serde_json::Value = http.get(control("requests")).send().await?.json().await?;
//! assert_eq!(seen[0]["path"], "projects");
//! assert_eq!(seen[0]["response"]["injectedFault"], true);
//! http.post(control("reset")).send().await?;
//! # Ok(())
//! # }
//! ```

mod body;
mod builder;
mod catalog;
mod clock;
mod directory;
mod emulator;
mod error_body;
mod fault;
mod ids;
mod intercept;
mod record;
mod reports;
mod routes;
mod state;

pub use builder::EmulatorBuilder;
pub use catalog::{ChapterSpec, DossierSpec};
pub use emulator::Emulator;
pub use fault::Fault;
pub use record::RecordedRequest;
pub use reports::{PromptSpec, ReportSpec};

/// Where the API lives on the server; recorded paths and faults are relative to it.
const API_PREFIX: &str = "/MicroStrategyLibrary/api/";
