//! A small RFC 4180 writer: fields with a comma, quote, CR or LF are quoted, quotes doubled,
//! lines end in CRLF.

use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use mstr_rest_error::IoError;
use mstr_rest_session::{Error, Result};

use super::decode::{Columns, Decoded, Row};
use super::values::{Cell, ValueType};

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

pub(crate) fn row(out: &mut Vec<u8>, row: &Row) {
    let mut first = true;
    let mut sep = |out: &mut Vec<u8>| {
        if !first {
            out.push(b',');
        }
        first = false;
    };
    for (i, value) in row.attributes.iter().enumerate() {
        sep(out);
        let temporal = row.columns.attributes.get(i).is_some_and(|c| {
            matches!(
                c.value_type,
                ValueType::Date | ValueType::Time | ValueType::Timestamp
            )
        });
        match row.cell(i) {
            // Dates and times as ISO 8601, whatever locale the server printed them in.
            Some(cell) if temporal && !matches!(cell, Cell::Text(_)) => field(out, &cell.to_text()),
            _ => field(out, value.as_deref().unwrap_or("")),
        }
    }
    for value in &row.metrics {
        sep(out);
        if let Some(v) = value {
            // Shortest text that reads back as the same f64; never needs quoting.
            out.extend_from_slice(v.to_string().as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

pub(crate) fn io_error(e: std::io::Error) -> Error {
    Error::Io(IoError::new("the CSV writer", e))
}

/// Writes the header once, then each page's rows as one buffered write.
pub(crate) async fn write<S, W>(pages: S, mut writer: W) -> Result<u64>
where
    S: Stream<Item = Result<Decoded>>,
    W: AsyncWrite + Unpin,
{
    let mut pages = std::pin::pin!(pages);
    let mut rows = 0u64;
    let mut wrote_header = false;
    let mut buf = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page?;
        buf.clear();
        if !wrote_header {
            header(&mut buf, &page.columns);
            wrote_header = true;
        }
        for r in &page.rows {
            row(&mut buf, r);
        }
        rows = rows.saturating_add(u64::try_from(page.rows.len()).unwrap_or(u64::MAX));
        writer.write_all(&buf).await.map_err(io_error)?;
    }
    writer.flush().await.map_err(io_error)?;
    Ok(rows)
}
