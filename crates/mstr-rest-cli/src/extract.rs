//! `mstr report` and `mstr cube`: the rows streamed page by page into CSV, Parquet, Arrow
//! IPC or JSON lines, with a progress bar on a terminal.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use futures_util::TryStreamExt;
use mstr_rest::prelude::*;
use mstr_rest::prompts::PromptAnswer;
use mstr_rest::reports::ReportQuery;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as ParquetCompression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::cli::{Compression, Extract, Format};
use crate::connect::project_id;
use crate::failure::Failure;
use crate::progress::Progress;

/// Output buffering: a megabyte per write.
const WRITE_BUFFER: usize = 1 << 20;

/// The format the user asked for, else the output's extension, else CSV.
pub(crate) fn format_of(args: &Extract) -> Result<Format, Failure> {
    if let Some(f) = args.format {
        return Ok(f);
    }
    if args.output == Path::new("-") {
        return Ok(Format::Csv);
    }
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") | None => Ok(Format::Csv),
        Some("parquet" | "pq") => Ok(Format::Parquet),
        Some("arrow" | "arrows" | "ipc") => Ok(Format::Arrow),
        Some("jsonl" | "ndjson") => Ok(Format::Jsonl),
        Some(other) => Err(Failure::usage(format!(
            "cannot tell the format from `.{other}`: pass --format csv|parquet|arrow|jsonl"
        ))),
    }
}

fn answers(raw: &[String]) -> Result<Vec<PromptAnswer>, Failure> {
    raw.iter()
        .map(|a| {
            let (prompt, value) = a.split_once('=').ok_or_else(|| {
                Failure::usage(format!(
                    "--answer {a}: write PROMPT=VALUE (the prompt's key, id or name)"
                ))
            })?;
            // Element ids (`h1;GUID`, comma-separated) answer an ELEMENTS prompt; numbers and
            // booleans stay typed for a VALUE prompt.
            if value.contains(';') {
                return Ok(PromptAnswer::elements(prompt, value.split(',')));
            }
            let typed = serde_json::from_str::<serde_json::Value>(value)
                .ok()
                .filter(|v| v.is_number() || v.is_boolean())
                .unwrap_or_else(|| serde_json::Value::String(value.to_owned()));
            Ok(PromptAnswer::value(prompt, [typed]))
        })
        .collect()
}

fn configure(query: ReportQuery, args: &Extract, project: &str) -> Result<ReportQuery, Failure> {
    let mut query = query.project(project);
    if !args.attributes.is_empty() {
        query = query.attributes(args.attributes.iter());
    }
    if !args.metrics.is_empty() {
        query = query.metrics(args.metrics.iter());
    }
    if let Some(filter) = &args.filter {
        let value = serde_json::from_str(filter)
            .map_err(|e| Failure::usage(format!("--filter is not JSON: {e}")))?;
        query = query.view_filter(value);
    }
    if let Some(rows) = args.page_size {
        query = query.page_size(rows);
    }
    if let Some(n) = args.concurrency {
        query = query.concurrency(usize::from(n));
    }
    for answer in answers(&args.answers)? {
        query = query.answer(answer);
    }
    Ok(query)
}

/// Runs the extract; returns the rows written.
pub(crate) async fn run(
    session: &Session,
    cube: bool,
    args: &Extract,
    quiet: bool,
) -> Result<u64, Failure> {
    let format = format_of(args)?;
    let project = project_id(session, &args.project).await?;
    let query = if cube {
        session.cube(&args.id)
    } else {
        session.report(&args.id)
    };
    let instance = configure(query, args, &project)?.open().await?;
    let progress = Arc::new(Progress::rows(instance.total(), quiet));
    let counter = Arc::clone(&progress);
    let query = instance.resume().on_rows(move |n| counter.add(n));
    let to_stdout = args.output == Path::new("-");
    let written: Result<u64, Failure> = async {
        Ok(match format {
            Format::Csv => {
                // Large buffers: each write to a tokio file or stdout is a trip to the blocking pool.
                if to_stdout {
                    query
                        .write_csv(tokio::io::BufWriter::with_capacity(
                            WRITE_BUFFER,
                            tokio::io::stdout(),
                        ))
                        .await?
                } else {
                    let file = tokio::fs::File::create(&args.output)
                        .await
                        .map_err(|e| create_failed(&args.output, e))?;
                    query
                        .write_csv(tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file))
                        .await?
                }
            }
            Format::Parquet => batches(query, args, open_sync(args)?, parquet_sink(args)).await?,
            Format::Arrow => batches(query, args, open_sync(args)?, ipc_sink()).await?,
            Format::Jsonl => jsonl(query, args, open_sync(args)?).await?,
        })
    }
    .await;
    if written.is_err() && !to_stdout {
        // No half file left behind to be taken for the whole result.
        let _ = std::fs::remove_file(&args.output);
    }
    let written = written?;
    progress.finish();
    Ok(written)
}

fn create_failed(path: &Path, e: std::io::Error) -> Failure {
    Failure::local(format!("creating {}", path.display()), e)
}

fn open_sync(args: &Extract) -> Result<Box<dyn Write + Send>, Failure> {
    if args.output == Path::new("-") {
        return Ok(Box::new(std::io::BufWriter::with_capacity(
            WRITE_BUFFER,
            std::io::stdout(),
        )));
    }
    let file = std::fs::File::create(&args.output).map_err(|e| create_failed(&args.output, e))?;
    Ok(Box::new(std::io::BufWriter::with_capacity(
        WRITE_BUFFER,
        file,
    )))
}

fn write_failed(args: &Extract, e: impl std::fmt::Display) -> Failure {
    Failure::local(
        format!("writing {}", args.output.display()),
        std::io::Error::other(e.to_string()),
    )
}

/// A file format written from Arrow batches, on a thread of its own.
trait BatchSink: Send {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), String>;
    fn finish(self: Box<Self>) -> Result<(), String>;
}

type MakeSink =
    Box<dyn FnOnce(SchemaRef, Box<dyn Write + Send>) -> Result<Box<dyn BatchSink>, String> + Send>;

struct ParquetSink(ArrowWriter<Box<dyn Write + Send>>);

impl BatchSink for ParquetSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        self.0.write(batch).map_err(|e| e.to_string())
    }
    fn finish(self: Box<Self>) -> Result<(), String> {
        self.0.close().map(drop).map_err(|e| e.to_string())
    }
}

struct IpcSink(arrow_ipc::writer::StreamWriter<Box<dyn Write + Send>>);

impl BatchSink for IpcSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        self.0.write(batch).map_err(|e| e.to_string())
    }
    fn finish(mut self: Box<Self>) -> Result<(), String> {
        self.0.finish().map_err(|e| e.to_string())?;
        self.0.get_mut().flush().map_err(|e| e.to_string())
    }
}

fn parquet_sink(args: &Extract) -> MakeSink {
    let compression = match args.compression {
        Compression::Zstd => ParquetCompression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()),
        Compression::Snappy => ParquetCompression::SNAPPY,
        Compression::None => ParquetCompression::UNCOMPRESSED,
    };
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(
            usize::try_from(args.row_group_rows).unwrap_or(usize::MAX),
        ))
        .build();
    Box::new(move |schema, out| {
        let writer = ArrowWriter::try_new(out, schema, Some(props)).map_err(|e| e.to_string())?;
        Ok(Box::new(ParquetSink(writer)) as Box<dyn BatchSink>)
    })
}

fn ipc_sink() -> MakeSink {
    Box::new(|schema, out| {
        let writer =
            arrow_ipc::writer::StreamWriter::try_new(out, &schema).map_err(|e| e.to_string())?;
        Ok(Box::new(IpcSink(writer)) as Box<dyn BatchSink>)
    })
}

enum Msg {
    Batch(RecordBatch),
    /// The stream failed: stop without finishing the file.
    Abort,
}

/// Decoding and fetching run on the runtime while a thread encodes and writes the batches:
/// two batches in flight at most.
async fn batches(
    query: ReportQuery,
    args: &Extract,
    out: Box<dyn Write + Send>,
    make: MakeSink,
) -> Result<u64, Failure> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(2);
    let writer = std::thread::spawn(move || -> Result<u64, String> {
        let mut make = Some((make, out));
        let mut sink: Option<Box<dyn BatchSink>> = None;
        let mut rows = 0u64;
        while let Some(msg) = rx.blocking_recv() {
            let batch = match msg {
                Msg::Batch(b) => b,
                Msg::Abort => return Ok(rows),
            };
            let s = match &mut sink {
                Some(s) => s,
                None => {
                    let (make, out) = make.take().ok_or("the sink is made once")?;
                    sink.insert(make(batch.schema(), out)?)
                }
            };
            s.write(&batch)?;
            rows = rows.saturating_add(u64::try_from(batch.num_rows()).unwrap_or(u64::MAX));
        }
        if let Some(s) = sink {
            s.finish()?;
        }
        Ok(rows)
    });
    let mut stream = query.record_batches();
    let mut failed = None;
    loop {
        match stream.try_next().await {
            Ok(Some(batch)) => {
                if tx.send(Msg::Batch(batch)).await.is_err() {
                    break; // the writer stopped: its error says why
                }
            }
            Ok(None) => break,
            Err(e) => {
                let _ = tx.send(Msg::Abort).await;
                failed = Some(e);
                break;
            }
        }
    }
    drop(tx);
    let written = tokio::task::spawn_blocking(move || writer.join())
        .await
        .map_err(|e| write_failed(args, e))?
        .map_err(|_| write_failed(args, "the writer thread panicked"))?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    written.map_err(|e| write_failed(args, e))
}

async fn jsonl(
    query: ReportQuery,
    args: &Extract,
    mut out: Box<dyn Write + Send>,
) -> Result<u64, Failure> {
    let mut rows = query.rows();
    let mut n = 0u64;
    let mut headers: Option<(Arc<mstr_rest::reports::Columns>, Vec<String>)> = None;
    let mut line = Vec::new();
    while let Some(row) = rows.try_next().await? {
        let names = match &headers {
            Some((cols, names)) if Arc::ptr_eq(cols, row.columns()) => names,
            _ => {
                &headers
                    .insert((Arc::clone(row.columns()), row.columns().headers()))
                    .1
            }
        };
        let mut object = serde_json::Map::with_capacity(names.len());
        let mut names_iter = names.iter();
        for value in row.attributes() {
            if let Some(name) = names_iter.next() {
                object.insert(
                    name.clone(),
                    value.map_or(serde_json::Value::Null, |v| v.into()),
                );
            }
        }
        for value in row.metrics() {
            if let Some(name) = names_iter.next() {
                object.insert(
                    name.clone(),
                    value.map_or(serde_json::Value::Null, |v| v.into()),
                );
            }
        }
        line.clear();
        serde_json::to_writer(&mut line, &object).map_err(|e| write_failed(args, e))?;
        line.push(b'\n');
        out.write_all(&line).map_err(|e| write_failed(args, e))?;
        n = n.saturating_add(1);
    }
    out.flush().map_err(|e| write_failed(args, e))?;
    Ok(n)
}
