//! Binary answers (PDF, Excel, CSV exports; migration packages) streamed to a writer in
//! bounded memory: one chunk at a time, whatever the file's size.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use mstr_rest_core::Response;
use mstr_rest_error::IoError;
use mstr_rest_session::{Error, Result};
use serde::Deserialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// `Accept` for binary downloads: the REST server answers exports as raw bytes when asked,
/// base64 inside JSON otherwise.
pub(crate) const OCTET_STREAM: &str = "application/octet-stream";

/// The largest base64 JSON answer decoded in memory, for servers that ignore `Accept` and
/// wrap the file as `{"data": "<base64>"}` (the documented JSON form of PDF exports).
pub(crate) const MAX_JSON_EXPORT_BYTES: usize = 256 * 1024 * 1024;

/// The file in `response`, as chunks: the body itself, or the decoded `data` of a JSON answer.
pub(crate) fn file_chunks(
    response: Response,
) -> futures_util::stream::BoxStream<'static, Result<Bytes>> {
    let json = response
        .header("content-type")
        .is_some_and(|t| t.trim_start().starts_with("application/json"));
    if json {
        futures_util::stream::once(async move {
            #[derive(Deserialize)]
            struct Wrapped {
                data: String,
            }
            let body = response
                .bytes_limited(
                    MAX_JSON_EXPORT_BYTES,
                    "a binary Accept (the server ignored it)",
                )
                .await?;
            let wrapped: Wrapped = serde_json::from_slice(&body).map_err(|e| {
                Error::decode(format!(
                    "the export answered JSON without a base64 `data` field: {e}"
                ))
            })?;
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(wrapped.data.trim())
                .map(Bytes::from)
                .map_err(|e| Error::decode(format!("the export's `data` is not base64: {e}")))
        })
        .boxed()
    } else {
        response.bytes_stream().boxed()
    }
}

/// Writes every chunk of `chunks` to `writer`, then flushes it; returns the bytes written.
pub(crate) async fn write_chunks<S, W>(chunks: S, writer: &mut W) -> Result<u64>
where
    S: Stream<Item = Result<Bytes>>,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut chunks = std::pin::pin!(chunks);
    let mut written = 0u64;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        writer.write_all(&chunk).await.map_err(io_error)?;
        written = written.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
    }
    writer.flush().await.map_err(io_error)?;
    Ok(written)
}

/// Writes every chunk of a blocking iterator to `writer`, then flushes it.
#[cfg(feature = "blocking")]
pub(crate) fn write_chunks_blocking<I, W>(chunks: I, writer: &mut W) -> Result<u64>
where
    I: Iterator<Item = Result<Bytes>>,
    W: std::io::Write + ?Sized,
{
    let mut written = 0u64;
    for chunk in chunks {
        let chunk = chunk?;
        writer.write_all(&chunk).map_err(io_error)?;
        written = written.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
    }
    writer.flush().map_err(io_error)?;
    Ok(written)
}

/// Chunks handed from a blocking session's thread to the caller ahead of the writer.
#[cfg(feature = "blocking")]
pub(crate) const CHUNKS_AHEAD: usize = 4;

pub(crate) fn io_error(e: std::io::Error) -> Error {
    Error::Io(IoError::new("writing the downloaded file", e))
}
