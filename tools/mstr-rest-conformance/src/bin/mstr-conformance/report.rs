//! The results table, and `docs/conformance.md` (the same content, with the lists that
//! explain it). Everything here is deterministic, so the document only changes when behaviour
//! does.

use std::fmt::Write as _;

use serde_json::Value;

use crate::compare::{ALL_RULES, NOT_COMPARED, Verdict};
use crate::scenarios::Scenario;

/// One scenario's line of the table.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) scenario: Scenario,
    pub(crate) python_requests: usize,
    pub(crate) rust_requests: usize,
    pub(crate) verdict: Verdict,
    /// The requests and verdict of the same scenario through the Python package
    /// (`mstr_rest.requests`) against the seed; `None` for hand-offs, or when not run.
    pub(crate) package: Option<(usize, Verdict)>,
}

impl Row {
    /// Both comparisons hold: the Rust library's and the Python package's.
    pub(crate) fn matches(&self) -> bool {
        self.verdict.matches() && self.package.as_ref().is_none_or(|(_, v)| v.matches())
    }

    fn package_cell(&self) -> String {
        match &self.package {
            Some((n, v)) if v.matches() => format!("{n}, yes"),
            Some((n, _)) => format!("{n}, **NO**"),
            None => "–".to_owned(),
        }
    }

    fn differences(&self) -> String {
        let labels: Vec<String> = self.verdict.fired.iter().map(|r| r.label()).collect();
        if labels.is_empty() {
            "–".to_owned()
        } else {
            labels.join(", ")
        }
    }

    fn mark(&self) -> &'static str {
        if self.verdict.matches() {
            "yes"
        } else {
            "**NO**"
        }
    }
}

/// The table as Markdown, columns padded so it also reads well in a terminal.
pub(crate) fn table(rows: &[Row]) -> String {
    let header = [
        "scenario",
        "Python requests",
        "Rust requests",
        "match",
        "mstr_rest (Python) requests, match",
        "expected differences",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                format!("`{}`", r.scenario.name),
                r.python_requests.to_string(),
                r.rust_requests.to_string(),
                r.mark().to_owned(),
                r.package_cell(),
                r.differences(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String]| {
        let padded: Vec<String> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(&header.map(str::to_owned));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(&rule));
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}

/// Python exception → `ApiErrorKind`, as the drivers compare outcomes.
const KIND_MAP: &[(&str, &str)] = &[
    ("`LoginFailureException` (ERR003)", "`LoginFailure`"),
    ("`IServerException` (ERR002, ERR0013)", "`IServer`"),
    ("`ResourceNotFoundException` (ERR004)", "`ResourceNotFound`"),
    ("`InvalidRequestException` (ERR005–7)", "`InvalidRequest`"),
    ("`SessionException` from a response (ERR009)", "`Session`"),
    (
        "`SessionException` raised before sending (\"no valid session\")",
        "`Error::NotLoggedIn`",
    ),
    (
        "`InsufficientPrivilegesException` (ERR0014, ERR0017)",
        "`InsufficientPrivileges`",
    ),
    (
        "`ObjectAlreadyExistsException` (ERR0015)",
        "`ObjectAlreadyExists`",
    ),
    ("`MSTRUnknownException` (no code)", "`Unknown`"),
    ("`MSTRException` (any other code)", "`Other`"),
];

/// The whole of `docs/conformance.md`.
pub(crate) fn document(rows: &[Row], greeting: &Value, contract: &Value) -> String {
    let mut doc = String::new();
    let version = |key: &str| greeting[key].as_str().unwrap_or("?").to_owned();
    let _ = write!(
        doc,
        "# Wire conformance\n\n\
         <!-- Written by `cargo xtask conformance --bless`; edit `tools/mstr-rest-conformance`, not this file. -->\n\n\
         `cargo xtask conformance` (also run by CI) checks two claims:\n\n\
         1. **mstr-rest is a drop-in for users of the Python `mstr-rest-requests`.** Every scenario below \
         (each operation of PARITY.md that both libraries have) is run once by a Python driver with \
         `mstr-rest-requests` {mrr} (httpx {httpx}, Python {py}) and once by a Rust driver with mstr-rest, \
         each against a freshly reset standalone emulator (`mstr-emulator --admin`) that records every \
         request. The requests are compared field by field (method, path, query, `X-MSTR-*` headers, \
         cookies, body type and JSON body), and so are the outcomes (the value each step returned, or the \
         error kind the Python exception maps to). Only the differences listed under *Expected \
         differences* may remain, and only in the scenarios that list them; anything else fails the run \
         with a diff. The same Python scenarios also run through this project's Python package \
         (`mstr_rest.requests`, the Rust core under the seed's API, built by `bash .ci/python.sh`); \
         compared with `mstr-rest-requests` it must show exactly the differences the Rust library \
         shows (the *mstr_rest (Python)* column). The two hand-off scenarios pass a saved session from one language to the other, \
         which must make an authenticated call with the same token and cookie.\n\
         2. **The emulator behaves like the server.** Every response the emulator gave during the run \
         (the scenarios, contract probes for the answers no scenario reaches, and the runner's own \
         control calls) is checked against `crates/mstr-rest-emulator/openapi.yaml`, our OpenAPI 3.1 \
         description of the documented contract: status, required headers, content type and body \
         schema. Every documented operation must be exercised, and mutated copies of real responses \
         must each be rejected, so the check cannot pass vacuously.\n\n",
        mrr = version("mstr-rest-requests"),
        httpx = version("httpx"),
        py = version("python"),
    );

    doc.push_str("## Scenarios\n\n");
    doc.push_str(&table(rows));
    doc.push_str("\n| scenario | what it does |\n|---|---|\n");
    for row in rows {
        let _ = writeln!(doc, "| `{}` | {} |", row.scenario.name, row.scenario.what);
    }
    doc.push_str(
        "\nThe error scenarios queue a fault on `GET projects` and send a plain `GET projects`; \
         statuses marked *unverified* are not stated by the reference, so the choice is ours.\n\n",
    );

    doc.push_str("## Expected differences\n\nEach is intended; the reason says why.\n\n");
    doc.push_str("| | difference | why |\n|---|---|---|\n");
    for rule in ALL_RULES {
        let _ = writeln!(
            doc,
            "| {} | {} | {} |",
            rule.label(),
            rule.title(),
            rule.why()
        );
    }
    doc.push_str("\n### Not compared\n\n| what | why |\n|---|---|\n");
    for (what, why) in NOT_COMPARED {
        let _ = writeln!(doc, "| {what} | {why} |");
    }
    doc.push_str("\n### Error kinds\n\n| Python exception | mstr-rest |\n|---|---|\n");
    for (python, rust) in KIND_MAP {
        let _ = writeln!(doc, "| {python} | {rust} |");
    }

    let n = |key: &str| contract[key].as_u64().unwrap_or(0);
    let _ = write!(
        doc,
        "\n## Emulator contract\n\n\
         | check | result |\n|---|---|\n\
         | responses checked | {responses} ({faults} of them answers of injected faults, whose JSON bodies are checked against `FaultError`) |\n\
         | documented operations exercised | {ops_seen} of {ops} |\n\
         | documented responses (operation × status) produced | {resp_seen} of {resp} |\n\
         | mutated responses rejected | {caught} of {mutants} |\n\
         | behaviours marked `x-emulator-guess` | {guesses} (each also listed under *Guesses* in the emulator's crate docs) |\n\
         | failures | {failures} |\n",
        responses = n("responses"),
        faults = n("fault_answers"),
        ops_seen = n("operations_exercised"),
        ops = n("operations"),
        resp_seen = n("responses_exercised"),
        resp = n("responses_documented"),
        caught = n("mutants_caught"),
        mutants = n("mutants"),
        guesses = n("guesses_marked"),
        failures = contract["failures"].as_array().map_or(0, Vec::len),
    );
    if let Some(missing) = contract["unexercised_responses"].as_array()
        && !missing.is_empty()
    {
        doc.push_str("\nDocumented responses no scenario or probe produced:\n\n");
        for m in missing {
            let _ = writeln!(doc, "- `{}`", m.as_str().unwrap_or("?"));
        }
    }
    doc.push_str(
        "\nThe contract covers authentication, sessions, projects, quick search, the error body and \
         the emulator's control routes; report and cube data, push data and object routes are \
         documented by their own sections of `openapi.yaml` when they land.\n",
    );
    doc
}
