//! Printing: pretty JSON and tables on a terminal, compact JSON in pipes.

use std::io::{IsTerminal, Write};

use serde_json::Value;

use crate::failure::Failure;

pub(crate) fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal()
}

fn write_out(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // `mstr projects | head -1`: a closed pipe is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::local("writing to standard output", e)),
    }
}

/// JSON: indented on a terminal, one line otherwise.
pub(crate) fn json(value: &Value) -> Result<(), Failure> {
    let text = if stdout_is_tty() {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .unwrap_or_default();
    write_out(&format!("{text}\n"))
}

/// A response body: JSON formatted as [`json`], anything else as it came.
pub(crate) fn body(bytes: &[u8]) -> Result<(), Failure> {
    if bytes.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => json(&v),
        Err(_) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Failure::local("writing to standard output", e)),
            }
        }
    }
}

/// Rows as a table on a terminal (columns padded to their widest cell), as JSON otherwise
/// or when `--json` asks.
pub(crate) fn table(as_json: bool, value: &Value, columns: &[(&str, &str)]) -> Result<(), Failure> {
    if as_json || !stdout_is_tty() {
        return json(value);
    }
    let rows: Vec<Vec<String>> = value
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            columns
                .iter()
                .map(|(_, key)| match &item[*key] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|(h, _)| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut text = line(columns.iter().map(|(h, _)| *h).collect());
    for row in &rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    write_out(&text)
}
