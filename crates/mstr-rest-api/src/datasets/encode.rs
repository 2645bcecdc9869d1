//! Encoding rows into upload-session chunks.

use std::{fmt, io};

use base64::Engine as _;
use mstr_rest_session::{Error, Result};

use serde::Serialize;

/// Builds one chunk: the JSON array of row arrays, written row by row, then base64-encoded.
///
/// Each row must serialize to a JSON array (`[2, "2017-12-05", "Books"]`, a tuple, a
/// `Vec`); when the column count is known, each row must have exactly that many values.
///
/// ```
/// use mstr_rest_api::datasets::ChunkEncoder;
/// let mut chunk = ChunkEncoder::new(Some(2));
/// chunk.push(&("Books", 200))?;
/// chunk.push(&serde_json::json!(["Music", 10]))?;
/// assert_eq!(chunk.rows(), 2);
/// assert_eq!(chunk.finish(), "W1siQm9va3MiLDIwMF0sWyJNdXNpYyIsMTBdXQ==");
/// # Ok::<(), mstr_rest_session::Error>(())
/// ```
pub struct ChunkEncoder {
    json: Vec<u8>,
    rows: usize,
    columns: Option<usize>,
}

impl ChunkEncoder {
    /// An empty chunk; `columns` is the width every row must have, when known.
    pub fn new(columns: Option<usize>) -> ChunkEncoder {
        ChunkEncoder {
            json: Vec::new(),
            rows: 0,
            columns,
        }
    }

    /// Appends one row.
    ///
    /// # Errors
    /// [`Error::Config`] when the row does not serialize to a JSON array, or has the wrong
    /// number of values; the chunk is then unchanged.
    pub fn push<R: Serialize + ?Sized>(&mut self, row: &R) -> Result<()> {
        let before = self.json.len();
        let written = self.write(row);
        if written.is_err() {
            self.json.truncate(before);
        }
        written
    }

    /// Writes the row straight into the chunk, counting its values as they are written: no
    /// tree of values per row, and nothing read back.
    fn write<R: Serialize + ?Sized>(&mut self, row: &R) -> Result<()> {
        self.json.push(if self.rows == 0 { b'[' } else { b',' });
        let mut shape = Shape::default();
        let mut writer =
            serde_json::Serializer::with_formatter(&mut self.json, Counting(&mut shape));
        row.serialize(&mut writer)
            .map_err(|e| Error::config(format!("a row could not be serialized: {e}")))?;
        let Some(values) = shape.values else {
            return Err(Error::config(
                "a pushed row must serialize to a JSON array of values, one per column",
            ));
        };
        if let Some(columns) = self.columns
            && u64::try_from(columns).ok() != Some(values)
        {
            return Err(Error::config(format!(
                "a pushed row has {values} values but the table has {columns} columns"
            )));
        }
        self.rows = self.rows.saturating_add(1);
        Ok(())
    }

    /// Rows in the chunk so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// True when no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The chunk's `data`: base64 of the JSON array (`[]` when empty). Leaves the encoder
    /// empty, ready for the next chunk.
    pub fn finish(&mut self) -> String {
        let mut data = String::new();
        base64::engine::general_purpose::STANDARD.encode_string(self.close(), &mut data);
        self.clear();
        data
    }

    /// The upload's `PUT` body, `{"tableName":…,"index":…,"data":"…"}`, with the chunk's
    /// base64 written straight into it (no string of megabytes escaped and copied). Leaves
    /// the encoder empty.
    pub(crate) fn finish_body(&mut self, table: &str, index: u32) -> Vec<u8> {
        let json = self.close();
        let engine = &base64::engine::general_purpose::STANDARD;
        let data_len = base64::encoded_len(json.len(), true).unwrap_or(0);
        let mut body = Vec::with_capacity(data_len.saturating_add(table.len()).saturating_add(64));
        body.extend_from_slice(b"{\"tableName\":");
        // A string always serializes.
        let _ = serde_json::to_writer(&mut body, table);
        body.extend_from_slice(format!(",\"index\":{index},\"data\":\"").as_bytes());
        let start = body.len();
        body.resize(start.saturating_add(data_len), 0);
        let written = engine.encode_slice(json, &mut body[start..]).unwrap_or(0);
        body.truncate(start.saturating_add(written));
        body.extend_from_slice(b"\"}");
        self.clear();
        body
    }

    /// Closes the JSON array and gives it.
    fn close(&mut self) -> &[u8] {
        if self.rows == 0 {
            self.json.push(b'[');
        }
        self.json.push(b']');
        &self.json
    }

    fn clear(&mut self) {
        self.json.clear();
        self.rows = 0;
    }
}

/// What [`Counting`] saw of one value: the number of items when it is an array.
#[derive(Default)]
struct Shape {
    depth: usize,
    values: Option<u64>,
}

/// serde_json's compact output, counting the items of the outermost array as they are
/// written.
struct Counting<'a>(&'a mut Shape);

impl serde_json::ser::Formatter for Counting<'_> {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.depth == 0 {
            self.0.values = Some(0);
        }
        self.0.depth = self.0.depth.saturating_add(1);
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.depth = self.0.depth.saturating_sub(1);
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if self.0.depth == 1
            && let Some(n) = &mut self.0.values
        {
            *n = n.saturating_add(1);
        }
        if first { Ok(()) } else { w.write_all(b",") }
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.depth = self.0.depth.saturating_add(1);
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.depth = self.0.depth.saturating_sub(1);
        w.write_all(b"}")
    }
}

impl fmt::Debug for ChunkEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Row values may be anything a user pushes: only sizes are shown.
        f.debug_struct("ChunkEncoder")
            .field("rows", &self.rows)
            .field("bytes", &self.json.len())
            .field("columns", &self.columns)
            .finish()
    }
}
