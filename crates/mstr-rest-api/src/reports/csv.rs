//! A small RFC 4180 writer: fields with a comma, quote, CR or LF are quoted, quotes doubled,
//! lines end in CRLF.

use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use mstr_rest_error::IoError;
use mstr_rest_session::{Error, Result};

use super::decode::{Columns, Decoded, Flat};
use super::values::{self, Cell, ValueType};

/// Appends one field, quoted when it must be.
pub(crate) fn field(out: &mut Vec<u8>, value: &str) {
    if value.contains([',', '"', '\r', '\n']) {
        out.push(b'"');
        for part in value.split('"').enumerate() {
            if part.0 > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(part.1.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(value.as_bytes());
    }
}

pub(crate) fn header(out: &mut Vec<u8>, columns: &Columns) {
    for (i, name) in columns.headers().iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        field(out, name);
    }
    out.extend_from_slice(b"\r\n");
}

/// A value as its CSV field: dates and times as ISO 8601, whatever locale the server
/// printed them in; only those are parsed, the rest are written as they came.
fn cell_field(out: &mut Vec<u8>, kind: ValueType, value: Option<&str>) {
    let temporal = matches!(
        kind,
        ValueType::Date | ValueType::Time | ValueType::Timestamp
    );
    let text = value.unwrap_or("");
    match temporal.then(|| values::parse(kind, text)).flatten() {
        Some(cell) if !matches!(cell, Cell::Text(_)) => field(out, &cell.to_text()),
        _ => field(out, text),
    }
}

/// The rows of one page: each element's fields written once, then copied per row.
fn part(out: &mut Vec<u8>, columns: &Columns, part: &Flat) {
    // Per attribute unit: every element's form fields, comma-separated, in one buffer (an
    // element's are `text[bounds[e]..bounds[e + 1]]`): one allocation per unit, not per
    // element.
    let mut kinds = columns.attributes.iter().map(|c| c.value_type);
    let units: Vec<(Vec<u8>, Vec<usize>)> = part
        .forms()
        .enumerate()
        .map(|(u, forms)| {
            let unit_kinds: Vec<ValueType> = kinds.by_ref().take(forms).collect();
            let mut text = Vec::new();
            let mut bounds = Vec::with_capacity(part.elements(u).saturating_add(1));
            bounds.push(0);
            for e in 0..part.elements(u) {
                for (f, &kind) in unit_kinds.iter().enumerate() {
                    if f > 0 {
                        text.push(b',');
                    }
                    cell_field(&mut text, kind, part.element_value(u, e, f));
                }
                bounds.push(text.len());
            }
            (text, bounds)
        })
        .collect();
    for r in 0..part.len() {
        let mut first = true;
        for (u, (text, bounds)) in units.iter().enumerate() {
            if !first {
                out.push(b',');
            }
            first = false;
            let e = part.element(r, u);
            let fields = match (bounds.get(e), bounds.get(e.saturating_add(1))) {
                (Some(&start), Some(&end)) => text.get(start..end),
                _ => None,
            };
            out.extend_from_slice(fields.unwrap_or_default());
        }
        for value in part.metric_row(r) {
            if !first {
                out.push(b',');
            }
            first = false;
            if let Some(v) = value {
                // Shortest text that reads back as the same f64; never needs quoting. Written
                // in place: no string per value.
                let _ = std::io::Write::write_fmt(out, format_args!("{v}"));
            }
        }
        out.extend_from_slice(b"\r\n");
    }
}

pub(crate) fn io_error(e: std::io::Error) -> Error {
    Error::Io(IoError::new("the CSV writer", e))
}

/// One page as CSV: its header line (written once, from the first page) and its rows.
#[derive(Debug)]
pub(crate) struct Chunk {
    pub(crate) header: Vec<u8>,
    pub(crate) body: Vec<u8>,
    pub(crate) rows: usize,
}

/// Formats a decoded page (on the task that fetched it).
pub(crate) fn chunk(page: Decoded) -> Result<Chunk> {
    let mut head = Vec::new();
    header(&mut head, &page.columns);
    // ~40 bytes a row is what the default grid prints; a guess, not a bound.
    let rows = page.len();
    let mut body = Vec::with_capacity(rows.saturating_mul(40));
    for p in &page.parts {
        part(&mut body, &page.columns, p);
    }
    Ok(Chunk {
        header: head,
        body,
        rows,
    })
}

/// Writes the header once, then each page's rows as one buffered write.
pub(crate) async fn write<S, W>(pages: S, mut writer: W) -> Result<u64>
where
    S: Stream<Item = Result<Chunk>>,
    W: AsyncWrite + Unpin,
{
    let mut pages = std::pin::pin!(pages);
    let mut rows = 0u64;
    let mut wrote_header = false;
    while let Some(page) = pages.next().await {
        let page = page?;
        if !wrote_header {
            writer.write_all(&page.header).await.map_err(io_error)?;
            wrote_header = true;
        }
        rows = rows.saturating_add(u64::try_from(page.rows).unwrap_or(u64::MAX));
        writer.write_all(&page.body).await.map_err(io_error)?;
    }
    writer.flush().await.map_err(io_error)?;
    Ok(rows)
}
