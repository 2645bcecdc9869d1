//! The command line, as clap derives it: every flag, its environment variable, and the help
//! with an example for every command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// What `--help` ends with: the exit codes scripts branch on.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a local failure (writing a file, reading input)
  2  usage: a bad flag, argument or value
  3  login refused, or no session to use (run `mstr login`)
  4  not found (report, cube, project, object)
  5  the server refused the call, or answered something unusable
  6  network failure or timeout
  7  a credential source failed (env:, file:, aws-sm:, azure-kv:, gcp-sm: …)

Credentials may be secret references, resolved only when a login is needed:
  env:VAR  file:PATH  aws-sm:SECRET_ID[#field]  aws-ssm:NAME
  azure-kv:VAULT_URL/NAME[#field]  gcp-sm:PROJECT/NAME[@VERSION][#field]";

/// mstr: the MicroStrategy (Strategy) REST API from the shell — extracts, pushes and raw calls.
#[derive(Debug, Parser)]
#[command(name = "mstr", version, after_help = EXIT_CODES, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) connection: Connection,

    /// Error causes and tracing on stderr (-v info, -vv debug, -vvv trace; RUST_LOG wins).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// No progress bars and no warnings on stderr.
    #[arg(long, global = true)]
    pub(crate) quiet: bool,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Where and how to log in. Each flag also reads its environment variable; a profile fills
/// what neither gives.
#[derive(Debug, Args)]
pub(crate) struct Connection {
    /// The REST API base URL (…/MicroStrategyLibrary/api/).
    #[arg(long, env = "MSTR_BASE_URL", global = true)]
    pub(crate) base_url: Option<String>,

    /// The user name, or a secret reference.
    #[arg(long, env = "MSTR_USERNAME", global = true)]
    pub(crate) username: Option<String>,

    /// The password, or a secret reference. A plain password shows in `ps`: prefer
    /// --password-stdin, MSTR_PASSWORD or a reference.
    #[arg(long, env = "MSTR_PASSWORD", global = true, hide_env_values = true)]
    pub(crate) password: Option<String>,

    /// Read the password from the first line of standard input.
    #[arg(long, global = true, conflicts_with = "password")]
    pub(crate) password_stdin: bool,

    /// An API key, or a secret reference (mode api-key).
    #[arg(long, env = "MSTR_API_KEY", global = true, hide_env_values = true)]
    pub(crate) api_key: Option<String>,

    /// An identity token, or a secret reference (mode identity-token).
    #[arg(
        long,
        env = "MSTR_IDENTITY_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub(crate) identity_token: Option<String>,

    /// How to log in; by default from what is given (API key, identity token, else standard).
    #[arg(long, value_enum, env = "MSTR_MODE", global = true)]
    pub(crate) mode: Option<Mode>,

    /// The profile in $XDG_CONFIG_HOME/mstr/config.toml (and its saved session).
    #[arg(long, env = "MSTR_PROFILE", global = true, default_value = "default")]
    pub(crate) profile: String,
}

/// A login mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Mode {
    /// A metadata user and password.
    Standard,
    /// An LDAP user and password.
    Ldap,
    /// An API key.
    ApiKey,
    /// The guest user.
    Anonymous,
    /// An identity token from another session.
    IdentityToken,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Log in and keep the session for later commands (0600 file in the user's cache).
    #[command(
        after_help = "Example:\n  MSTR_PASSWORD=aws-sm:prod/mstr#password mstr login --base-url https://env/MicroStrategyLibrary/api/ --username etl"
    )]
    Login,
    /// End the saved session and delete its file.
    #[command(after_help = "Example:\n  mstr logout --profile prod")]
    Logout,
    /// Who the session belongs to (`GET sessions/userInfo`).
    #[command(after_help = "Example:\n  mstr whoami --json")]
    Whoami,
    /// The session's information (`GET sessions`).
    #[command(after_help = "Example:\n  mstr session")]
    Session,
    /// A raw GET.
    #[command(
        after_help = "Example:\n  mstr get reports/F3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8 --project 'MicroStrategy Tutorial'"
    )]
    Get(Raw),
    /// A raw POST.
    #[command(
        after_help = "Example:\n  mstr post 'model/changesets' --project 'MicroStrategy Tutorial' -i"
    )]
    Post(Raw),
    /// A raw PUT.
    #[command(after_help = "Example:\n  mstr put sessions")]
    Put(Raw),
    /// A raw PATCH.
    #[command(
        after_help = "Example:\n  mstr patch users/ID --data '{\"operationList\":[{\"op\":\"replace\",\"path\":\"/description\",\"value\":\"x\"}]}'"
    )]
    Patch(Raw),
    /// A raw DELETE.
    #[command(after_help = "Example:\n  mstr delete 'objects/ID' -q type=3 --project P")]
    Delete(Raw),
    /// The projects the user can open.
    #[command(after_help = "Example:\n  mstr projects --json | jq -r '.[].name'")]
    Projects(Listing),
    /// Quick search of a project's objects.
    #[command(
        after_help = "Example:\n  mstr search Revenue --type report --project 'MicroStrategy Tutorial'"
    )]
    Search(SearchArgs),
    /// A folder's contents (the project's root folders without an id).
    #[command(
        after_help = "Example:\n  mstr ls 98FE182C2A10427EACE0CD30B6768258 --project 'MicroStrategy Tutorial'"
    )]
    Ls(LsArgs),
    /// Extract a report's rows to CSV, Parquet, Arrow IPC or JSON lines.
    #[command(
        after_help = "Examples:\n  mstr report F3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8 --project 'MicroStrategy Tutorial' -o sales.parquet\n  mstr report ID --project P --format csv -o - | gzip > sales.csv.gz"
    )]
    Report(Extract),
    /// Extract a cube's rows, as `report` does.
    #[command(
        after_help = "Example:\n  mstr cube C0BE0000000000000000000000000001 --project P -o cube.arrow"
    )]
    Cube(Extract),
    /// Push a CSV or Parquet file into a dataset (creates it unless --dataset-id names one).
    #[command(
        after_help = "Example:\n  mstr push sales.csv --dataset Sales --table SALES --project P --policy upsert"
    )]
    Push(PushArgs),
    /// Publish (refresh) a cube, and wait until it is published.
    #[command(
        after_help = "Example:\n  mstr publish C0BE0000000000000000000000000001 --project P --wait --timeout 900"
    )]
    Publish(PublishArgs),
    /// Shell completions, to stdout.
    #[command(after_help = "Example:\n  mstr completions bash > /etc/bash_completion.d/mstr")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// A raw call.
#[derive(Debug, Args)]
pub(crate) struct Raw {
    /// The path, relative to the base URL (`projects`, `v2/reports/ID`).
    pub(crate) path: String,
    /// The project, by name or id (sent as X-MSTR-ProjectID).
    #[arg(long)]
    pub(crate) project: Option<String>,
    /// A query parameter, `key=value`; repeat for more.
    #[arg(short = 'q', long = "query", value_name = "KEY=VALUE")]
    pub(crate) query: Vec<String>,
    /// The JSON body: text, @FILE, or - for standard input.
    #[arg(long, short = 'd', value_name = "JSON|@FILE|-")]
    pub(crate) data: Option<String>,
    /// A header, `Name: value`; repeat for more.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) header: Vec<String>,
    /// Print the status line and headers before the body.
    #[arg(short = 'i', long)]
    pub(crate) include: bool,
}

/// A list command's output choice.
#[derive(Debug, Args)]
pub(crate) struct Listing {
    /// JSON, even on a terminal (JSON is always what a pipe gets).
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Text the names contain.
    pub(crate) text: String,
    /// The kind of object.
    #[arg(long = "type", value_enum)]
    pub(crate) object_type: Option<ObjectKind>,
    /// The project, by name or id.
    #[arg(long)]
    pub(crate) project: String,
    #[command(flatten)]
    pub(crate) listing: Listing,
}

/// Object kinds `search` can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ObjectKind {
    /// Reports, cubes and datasets (type 3).
    Report,
    /// Intelligent Cubes (type 3, subtype 776).
    Cube,
    /// Dossiers (type 55).
    Dossier,
    /// Documents (type 55).
    Document,
    /// Folders (type 8).
    Folder,
    /// Metrics (type 4).
    Metric,
    /// Attributes (type 12).
    Attribute,
    /// Filters (type 1).
    Filter,
}

#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    /// The folder's id; without it, the project's root folders.
    pub(crate) folder: Option<String>,
    /// The project, by name or id.
    #[arg(long)]
    pub(crate) project: String,
    #[command(flatten)]
    pub(crate) listing: Listing,
}

/// An extract's target file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// RFC 4180 CSV, a header line first.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// The Arrow IPC stream format.
    Arrow,
    /// One JSON object per row.
    Jsonl,
}

/// Parquet compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Compression {
    /// zstd (level 3).
    Zstd,
    /// Snappy.
    Snappy,
    /// None.
    None,
}

#[derive(Debug, Args)]
pub(crate) struct Extract {
    /// The report's or cube's id.
    pub(crate) id: String,
    /// The project, by name or id.
    #[arg(long)]
    pub(crate) project: String,
    /// The file to write (- for standard output, the default).
    #[arg(short, long, default_value = "-")]
    pub(crate) output: PathBuf,
    /// The format; by default from the output's extension, else CSV.
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Only these attributes (ids, comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub(crate) attributes: Vec<String>,
    /// Only these metrics (ids, comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub(crate) metrics: Vec<String>,
    /// A view filter, as the JSON the API takes.
    #[arg(long, value_name = "JSON")]
    pub(crate) filter: Option<String>,
    /// A prompt answer, PROMPT=VALUE (the prompt's key, id or name); repeat for more.
    #[arg(long = "answer", value_name = "PROMPT=VALUE")]
    pub(crate) answers: Vec<String>,
    /// Rows per page.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) page_size: Option<u32>,
    /// Pages fetched at once.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) concurrency: Option<u16>,
    /// Parquet compression.
    #[arg(long, value_enum, default_value = "zstd")]
    pub(crate) compression: Compression,
    /// The largest Parquet row group, in rows.
    #[arg(long, default_value_t = 65_536, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) row_group_rows: u32,
}

/// How pushed rows combine with the table's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Policy {
    /// Replace every row.
    Replace,
    /// Append.
    Add,
    /// Replace rows whose key exists; drop the others.
    Update,
    /// Replace rows whose key exists; append the others.
    Upsert,
}

#[derive(Debug, Args)]
pub(crate) struct PushArgs {
    /// A .csv or .parquet file (- for CSV on standard input).
    pub(crate) file: PathBuf,
    /// The new dataset's name.
    #[arg(long, required_unless_present = "dataset_id")]
    pub(crate) dataset: Option<String>,
    /// An existing dataset's id, instead of creating one.
    #[arg(long, conflicts_with = "dataset")]
    pub(crate) dataset_id: Option<String>,
    /// The table.
    #[arg(long)]
    pub(crate) table: String,
    /// The project, by name or id.
    #[arg(long)]
    pub(crate) project: String,
    /// How the rows combine with the table's.
    #[arg(long, value_enum, default_value = "replace")]
    pub(crate) policy: Policy,
    /// Rows per upload chunk.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) chunk_rows: u32,
    /// The columns that form the row key (attributes; every text column by default).
    #[arg(long, value_delimiter = ',')]
    pub(crate) key: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PublishArgs {
    /// The cube's id.
    pub(crate) cube: String,
    /// The project, by name or id.
    #[arg(long)]
    pub(crate) project: String,
    /// Wait until the cube is published.
    #[arg(long)]
    pub(crate) wait: bool,
    /// How long to wait, in seconds.
    #[arg(long, default_value_t = 600)]
    pub(crate) timeout: u64,
}
