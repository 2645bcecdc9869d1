//! `mstr report` and `mstr cube`: the rows streamed page by page into CSV, Parquet, Arrow
//! IPC or JSON lines, with a progress bar on a terminal.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

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
    let written = match format {
        Format::Csv => {
            if to_stdout {
                query.write_csv(tokio::io::stdout()).await?
            } else {
                let file = tokio::fs::File::create(&args.output)
                    .await
                    .map_err(|e| create_failed(&args.output, e))?;
                query.write_csv(tokio::io::BufWriter::new(file)).await?
            }
        }
        Format::Parquet => parquet(query, args, open_sync(args)?).await?,
        Format::Arrow => arrow_ipc(query, args, open_sync(args)?).await?,
        Format::Jsonl => jsonl(query, args, open_sync(args)?).await?,
    };
    progress.finish();
    Ok(written)
}

fn create_failed(path: &Path, e: std::io::Error) -> Failure {
    Failure::local(format!("creating {}", path.display()), e)
}

fn open_sync(args: &Extract) -> Result<Box<dyn Write + Send>, Failure> {
    if args.output == Path::new("-") {
        return Ok(Box::new(std::io::BufWriter::new(std::io::stdout())));
    }
    let file = std::fs::File::create(&args.output).map_err(|e| create_failed(&args.output, e))?;
    Ok(Box::new(std::io::BufWriter::with_capacity(1 << 20, file)))
}

fn write_failed(args: &Extract, e: impl std::fmt::Display) -> Failure {
    Failure::local(
        format!("writing {}", args.output.display()),
        std::io::Error::other(e.to_string()),
    )
}

fn rows_of(batch: &arrow_array::RecordBatch) -> u64 {
    u64::try_from(batch.num_rows()).unwrap_or(u64::MAX)
}

async fn parquet(
    query: ReportQuery,
    args: &Extract,
    out: Box<dyn Write + Send>,
) -> Result<u64, Failure> {
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
    let mut batches = query.record_batches();
    let mut writer: Option<ArrowWriter<Box<dyn Write + Send>>> = None;
    let mut out = Some(out);
    let mut rows = 0u64;
    while let Some(batch) = batches.try_next().await? {
        let w = match &mut writer {
            Some(w) => w,
            None => writer.insert(
                ArrowWriter::try_new(
                    out.take().expect("the output, once"),
                    batch.schema(),
                    Some(props.clone()),
                )
                .map_err(|e| write_failed(args, e))?,
            ),
        };
        w.write(&batch).map_err(|e| write_failed(args, e))?;
        rows = rows.saturating_add(rows_of(&batch));
    }
    if let Some(w) = writer {
        w.close().map_err(|e| write_failed(args, e))?;
    }
    Ok(rows)
}

async fn arrow_ipc(
    query: ReportQuery,
    args: &Extract,
    out: Box<dyn Write + Send>,
) -> Result<u64, Failure> {
    let mut batches = query.record_batches();
    let mut writer: Option<arrow_ipc::writer::StreamWriter<Box<dyn Write + Send>>> = None;
    let mut out = Some(out);
    let mut rows = 0u64;
    while let Some(batch) = batches.try_next().await? {
        let w = match &mut writer {
            Some(w) => w,
            None => writer.insert(
                arrow_ipc::writer::StreamWriter::try_new(
                    out.take().expect("the output, once"),
                    &batch.schema(),
                )
                .map_err(|e| write_failed(args, e))?,
            ),
        };
        w.write(&batch).map_err(|e| write_failed(args, e))?;
        rows = rows.saturating_add(rows_of(&batch));
    }
    if let Some(mut w) = writer {
        w.finish().map_err(|e| write_failed(args, e))?;
        w.get_mut().flush().map_err(|e| write_failed(args, e))?;
    }
    Ok(rows)
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
            Some((cols, names)) if Arc::ptr_eq(cols, &row.columns) => names,
            _ => {
                &headers
                    .insert((Arc::clone(&row.columns), row.columns.headers()))
                    .1
            }
        };
        let mut object = serde_json::Map::with_capacity(names.len());
        let mut names_iter = names.iter();
        for value in &row.attributes {
            if let Some(name) = names_iter.next() {
                object.insert(
                    name.clone(),
                    value
                        .as_deref()
                        .map_or(serde_json::Value::Null, |v| v.into()),
                );
            }
        }
        for value in &row.metrics {
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
