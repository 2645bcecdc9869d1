//! The Datasets API: dataset models created from a column schema, and rows pushed into
//! them through upload sessions (the Push Data API).
//!
//! Create a dataset model from a column schema, then push rows into one of its tables: the
//! rows are encoded as base64 of a JSON array of row arrays and sent in chunks of
//! [`DEFAULT_CHUNK_ROWS`] rows (configurable) through an upload session, which is then
//! published and polled until the server reports status 1. If a chunk, the publish or the
//! poll fails, the upload session is deleted so the dataset stays as it was.
//!
//! [`Upload::push`] takes an async [`Stream`](futures_util::Stream) of rows and holds at most
//! two encoded chunks — the one being uploaded and the one being filled — so a million rows
//! never sit in memory.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use futures_util::stream;
//! use mstr_rest_api::datasets::{DataType, DatasetModel, DatasetsApi, TableSchema, UpdatePolicy};
//! use mstr_rest_session::{Credentials, Session};
//! use serde_json::json;
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! let project = session.project_id("MicroStrategy Tutorial").await?.expect("a project");
//!
//! let model = DatasetModel::new("Sales")
//!     .table(TableSchema::new("SALES").column("Region", DataType::String).column("Revenue", DataType::Double))
//!     .attribute_column("Region", "SALES", "Region")
//!     .metric_column("Revenue", "SALES", "Revenue");
//! let dataset = session.datasets(&project).create(&model).await?;
//!
//! let rows = stream::iter((0..1_000).map(|i| json!([format!("R{}", i % 7), f64::from(i)])));
//! let summary = dataset.upload("SALES").policy(UpdatePolicy::Replace).push(rows).await?;
//! assert_eq!(summary.rows, 1_000);
//! # assert_eq!(emulator.dataset_rows(dataset.id(), "SALES").unwrap().len(), 1_000);
//! # Ok(()) }
//! ```

#[cfg(feature = "arrow")]
#[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
pub mod arrow;
mod encode;
mod model;
mod upload;

pub use encode::ChunkEncoder;
pub use model::{Attribute, AttributeForm, DataType, DatasetModel, Metric, TableSchema};
pub use upload::{
    DEFAULT_CHUNK_ROWS, Dataset, Datasets, DatasetsApi, PushSummary, UpdatePolicy, Upload,
};

#[cfg(test)]
mod tests;
