//! The standalone emulator (`mstr-emulator --port 0 --admin`) as a child process, and a client
//! for its control routes. The runner's own control calls are kept as exchanges too, so the
//! contract check covers the control routes as well.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

use crate::scenarios::Setup;
use crate::wire::Exchange;

/// The announcement the binary prints once it listens.
const LISTENING: &str = "mstr-emulator listening on ";

/// The running emulator process; killed when dropped.
pub(crate) struct Standalone {
    child: Child,
    /// Kept open so the process never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    pub(crate) base_url: String,
    pub(crate) origin: String,
}

impl Standalone {
    pub(crate) fn spawn(binary: &Path) -> Result<Standalone, String> {
        println!("$ {} --port 0 --admin", binary.display());
        let mut child = Command::new(binary)
            .args(["--port", "0", "--admin"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {}: {e} (build it with `cargo build -p mstr-rest-emulator`)",
                    binary.display()
                )
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or("the emulator's stdout is not captured")?;
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let base_url = match (read, line.trim().strip_prefix(LISTENING)) {
            (Ok(_), Some(url)) => url.to_owned(),
            (result, _) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the emulator did not announce its address (read {result:?}: {line:?})"
                ));
            }
        };
        let origin = base_url
            .strip_suffix("/MicroStrategyLibrary/api/")
            .ok_or_else(|| format!("unexpected base URL {base_url}"))?
            .to_owned();
        Ok(Standalone {
            child,
            _stdout: stdout,
            base_url,
            origin,
        })
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Calls the control routes, and remembers each call as an exchange for the contract check.
pub(crate) struct Control {
    http: reqwest::Client,
    origin: String,
    pub(crate) log: Vec<Value>,
}

impl Control {
    pub(crate) fn new(origin: &str) -> Result<Control, String> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(Control {
            http,
            origin: origin.to_owned(),
            log: Vec::new(),
        })
    }

    async fn call(
        &mut self,
        method: reqwest::Method,
        route: &str,
        body: Option<Value>,
    ) -> Result<(u16, String), String> {
        let path = format!("/__emulator/{route}");
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.origin));
        let sent = body.as_ref().map(Value::to_string).unwrap_or_default();
        let mut headers = Vec::new();
        if let Some(body) = &body {
            request = request.json(body);
            headers.push(json!(["content-type", "application/json"]));
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status().as_u16();
        let response_headers: Vec<Value> = response
            .headers()
            .iter()
            .map(|(n, v)| json!([n.as_str(), String::from_utf8_lossy(v.as_bytes())]))
            .collect();
        let text = response
            .text()
            .await
            .map_err(|e| format!("{method} {path}: reading the body: {e}"))?;
        self.log.push(json!({
            "scenario": "(runner)",
            "seq": 0,
            "method": method.as_str(),
            "path": path,
            "query": null,
            "headers": headers,
            "body": sent,
            "response": {
                "status": status,
                "headers": response_headers,
                "body": text,
                "bodyError": null,
                "injectedFault": false,
            },
        }));
        Ok((status, text))
    }

    async fn expect(
        &mut self,
        method: reqwest::Method,
        route: &str,
        body: Option<Value>,
        want: u16,
    ) -> Result<String, String> {
        let (status, text) = self.call(method.clone(), route, body).await?;
        if status == want {
            Ok(text)
        } else {
            Err(format!("{method} /__emulator/{route}: {status} {text}"))
        }
    }

    pub(crate) async fn reset(&mut self) -> Result<(), String> {
        self.expect(reqwest::Method::POST, "reset", None, 204)
            .await
            .map(drop)
    }

    /// Forgets the exchanges so far (sessions stay): between the halves of a hand-off.
    pub(crate) async fn clear(&mut self) -> Result<(), String> {
        self.expect(reqwest::Method::DELETE, "requests", None, 204)
            .await
            .map(drop)
    }

    pub(crate) async fn exchanges(&mut self) -> Result<Vec<Exchange>, String> {
        let text = self
            .expect(reqwest::Method::GET, "requests", None, 200)
            .await?;
        let list: Vec<Value> = serde_json::from_str(&text)
            .map_err(|e| format!("the exchange log is not JSON: {e}"))?;
        list.iter().map(Exchange::from_json).collect()
    }

    pub(crate) async fn stats(&mut self) -> Result<Value, String> {
        let text = self
            .expect(reqwest::Method::GET, "stats", None, 200)
            .await?;
        serde_json::from_str(&text).map_err(|e| format!("stats are not JSON: {e}"))
    }

    /// Reads the contract the emulator serves (it must be the file the validator reads).
    pub(crate) async fn openapi(&mut self) -> Result<String, String> {
        self.expect(reqwest::Method::GET, "openapi.yaml", None, 200)
            .await
    }

    /// Queues a scenario's fault: enough uses for a retrying client (1 + 2 retries).
    pub(crate) async fn setup(&mut self, setup: Setup) -> Result<(), String> {
        let respond = match setup {
            Setup::None => return Ok(()),
            Setup::ApiError {
                status,
                code,
                iserver_code,
            } => json!({
                "status": status,
                "code": code,
                "message": format!("Injected {code} for the conformance run"),
                "iServerCode": iserver_code,
            }),
            Setup::Raw {
                status,
                content_type,
                body,
            } => json!({"status": status, "contentType": content_type, "body": body}),
        };
        let fault = json!({"path": "projects", "method": "GET", "times": 3, "respond": respond});
        self.expect(reqwest::Method::POST, "faults", Some(fault), 204)
            .await
            .map(drop)
    }

    /// Moves the emulator's clock (used by the probes).
    pub(crate) async fn advance_clock(&mut self, seconds: u64) -> Result<(), String> {
        self.expect(
            reqwest::Method::POST,
            "clock",
            Some(json!({"advanceSeconds": seconds})),
            204,
        )
        .await
        .map(drop)
    }

    /// A deliberately malformed control call; the emulator must refuse it with 400.
    pub(crate) async fn refused(&mut self, route: &str, body: Value) -> Result<(), String> {
        self.expect(reqwest::Method::POST, route, Some(body), 400)
            .await
            .map(drop)
    }
}
