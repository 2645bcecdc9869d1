//! Encoding rows into upload-session chunks.

use std::fmt;

use base64::Engine as _;
use mstr_rest_session::{Error, Result};

use crate::array_len::ArrayLen;
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

    /// Writes the row straight into the chunk, then reads back what it wrote to check its
    /// shape: no tree of values per row.
    fn write<R: Serialize + ?Sized>(&mut self, row: &R) -> Result<()> {
        self.json.push(if self.rows == 0 { b'[' } else { b',' });
        let start = self.json.len();
        serde_json::to_writer(&mut self.json, row)
            .map_err(|e| Error::config(format!("a row could not be serialized: {e}")))?;
        let Ok(ArrayLen(Some(values))) = serde_json::from_slice::<ArrayLen>(&self.json[start..])
        else {
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
        if self.rows == 0 {
            self.json.push(b'[');
        }
        self.json.push(b']');
        let data = base64::engine::general_purpose::STANDARD.encode(&self.json);
        self.json.clear();
        self.rows = 0;
        data
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
