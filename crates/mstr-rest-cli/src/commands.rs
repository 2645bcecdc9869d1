//! One function per command.

use std::io::Read;
use std::time::Duration;

use clap::CommandFactory;
use mstr_rest::objects::ObjectType;
use mstr_rest::prelude::*;
use serde_json::{Value, json};

use crate::cli::{Cli, Command, LsArgs, ObjectKind, PublishArgs, Raw, SearchArgs};
use crate::connect::{Connected, Sources, project_id};
use crate::failure::Failure;
use crate::output;

pub(crate) async fn run(cli: Cli) -> Result<(), Failure> {
    let quiet = cli.quiet;
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "mstr", &mut std::io::stdout());
        return Ok(());
    }
    let sources = Sources::new(&cli.connection, quiet)?;
    match &cli.command {
        Command::Login => return login(&sources, quiet).await,
        Command::Logout => return logout(&sources, quiet).await,
        _ => {}
    }
    let connected = sources.connect().await?;
    let outcome = with_session(&connected, &cli.command, quiet).await;
    connected.finish().await;
    outcome
}

async fn with_session(c: &Connected, command: &Command, quiet: bool) -> Result<(), Failure> {
    let session = &c.session;
    match command {
        Command::Whoami => {
            output::json(&serde_json::to_value(session.user_info().await?).unwrap_or_default())
        }
        Command::Session => output::json(&session.session_info().await?),
        Command::Get(raw) => call(session, Method::GET, raw).await,
        Command::Post(raw) => call(session, Method::POST, raw).await,
        Command::Put(raw) => call(session, Method::PUT, raw).await,
        Command::Patch(raw) => call(session, Method::PATCH, raw).await,
        Command::Delete(raw) => call(session, Method::DELETE, raw).await,
        Command::Projects(listing) => {
            let projects = serde_json::to_value(session.projects().await?).unwrap_or_default();
            output::table(
                listing.json,
                &projects,
                &[("ID", "id"), ("NAME", "name"), ("STATUS", "status")],
            )
        }
        Command::Search(args) => search(session, args).await,
        Command::Ls(args) => ls(session, args).await,
        Command::Report(args) => extract(session, false, args, quiet).await,
        Command::Cube(args) => extract(session, true, args, quiet).await,
        Command::Push(args) => {
            let id = crate::push::run(session, args, quiet).await?;
            output::json(&Value::String(id))
        }
        Command::Publish(args) => publish(session, args, quiet).await,
        Command::Login | Command::Logout | Command::Completions { .. } => Ok(()),
    }
}

async fn login(sources: &Sources, quiet: bool) -> Result<(), Failure> {
    let (session, path) = sources.login_and_save().await?;
    if !quiet {
        let me = session.user_info().await?;
        eprintln!(
            "logged in as {} (profile {}); the session is saved in {path}",
            me.full_name, sources.profile
        );
    }
    Ok(())
}

async fn logout(sources: &Sources, quiet: bool) -> Result<(), Failure> {
    let Some(session) = sources.saved()? else {
        if !quiet {
            eprintln!("no saved session for profile {}", sources.profile);
        }
        return Ok(());
    };
    match session.logout().await {
        Ok(()) => {}
        // Already gone on the server: forgetting the file is all that is left.
        Err(e) if e.is_session_expired() => {}
        Err(e) => return Err(e.into()),
    }
    sources.forget()?;
    if !quiet {
        eprintln!("logged out (profile {})", sources.profile);
    }
    Ok(())
}

fn pairs<'a>(
    values: &'a [String],
    sep: char,
    flag: &str,
) -> Result<Vec<(&'a str, &'a str)>, Failure> {
    values
        .iter()
        .map(|v| {
            v.split_once(sep)
                .map(|(k, v)| (k.trim(), v.trim_start()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| Failure::usage(format!("{flag} {v:?}: write it as NAME{sep}VALUE")))
        })
        .collect()
}

fn data(raw: &str) -> Result<Vec<u8>, Failure> {
    if raw == "-" {
        let mut body = Vec::new();
        std::io::stdin()
            .read_to_end(&mut body)
            .map_err(|e| Failure::local("reading the body from standard input", e))?;
        return Ok(body);
    }
    if let Some(path) = raw.strip_prefix('@') {
        return std::fs::read(path).map_err(|e| Failure::local(format!("reading {path}"), e));
    }
    Ok(raw.as_bytes().to_vec())
}

async fn call(session: &Session, method: Method, raw: &Raw) -> Result<(), Failure> {
    let mut request = session.request(method, &raw.path);
    if let Some(p) = &raw.project {
        request = request.project(project_id(session, p).await?);
    }
    let query = pairs(&raw.query, '=', "-q")?;
    if !query.is_empty() {
        request = request.query(&query);
    }
    for (name, value) in pairs(&raw.header, ':', "-H")? {
        request = request.header(name, value);
    }
    if let Some(d) = &raw.data {
        let body = data(d)?;
        if serde_json::from_slice::<Value>(&body).is_err() {
            return Err(Failure::usage(
                "--data is not JSON: the REST API takes JSON bodies",
            ));
        }
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await?;
    if raw.include {
        let mut head = format!("{}\n", response.status());
        for (name, value) in response.headers() {
            head.push_str(&format!(
                "{name}: {}\n",
                value.to_str().unwrap_or("<binary>")
            ));
        }
        eprint!("{head}");
    }
    output::body(&response.bytes().await?)
}

fn kind(k: ObjectKind) -> ObjectType {
    match k {
        ObjectKind::Report | ObjectKind::Cube => ObjectType::REPORT,
        ObjectKind::Dossier | ObjectKind::Document => ObjectType::DOCUMENT,
        ObjectKind::Folder => ObjectType::FOLDER,
        ObjectKind::Metric => ObjectType::METRIC,
        ObjectKind::Attribute => ObjectType::ATTRIBUTE,
        ObjectKind::Filter => ObjectType::FILTER,
    }
}

const OBJECT_COLUMNS: [(&str, &str); 4] = [
    ("ID", "id"),
    ("NAME", "name"),
    ("TYPE", "type"),
    ("SUBTYPE", "subtype"),
];

async fn search(session: &Session, args: &SearchArgs) -> Result<(), Failure> {
    let project = project_id(session, &args.project).await?;
    let mut search = session.search(&project).name(args.text.clone());
    if let Some(k) = args.object_type {
        search = search.object_type(kind(k));
    }
    let found = search.send().await?;
    let mut items = serde_json::to_value(&found.result).unwrap_or_default();
    // Cubes are reports of subtype 776, dossiers documents of subtype 14081.
    let keep = |subtype: i64| match args.object_type {
        Some(ObjectKind::Cube) => subtype == 776,
        Some(ObjectKind::Dossier) => subtype == 14081,
        Some(ObjectKind::Document) => subtype != 14081,
        _ => true,
    };
    if let Value::Array(list) = &mut items {
        list.retain(|o| keep(o["subtype"].as_i64().unwrap_or_default()));
    }
    output::table(args.listing.json, &items, &OBJECT_COLUMNS)
}

async fn ls(session: &Session, args: &LsArgs) -> Result<(), Failure> {
    let project = project_id(session, &args.project).await?;
    let folders = session.folders(&project);
    let items = match &args.folder {
        Some(id) => folders.contents(id).await?,
        None => folders.root().await?,
    };
    output::table(
        args.listing.json,
        &serde_json::to_value(items).unwrap_or_default(),
        &OBJECT_COLUMNS,
    )
}

async fn extract(
    session: &Session,
    cube: bool,
    args: &crate::cli::Extract,
    quiet: bool,
) -> Result<(), Failure> {
    let rows = crate::extract::run(session, cube, args, quiet).await?;
    if !quiet && args.output != std::path::Path::new("-") {
        eprintln!("wrote {rows} rows to {}", args.output.display());
    }
    Ok(())
}

async fn publish(session: &Session, args: &PublishArgs, quiet: bool) -> Result<(), Failure> {
    let project = project_id(session, &args.project).await?;
    let cubes = session.cubes(&project);
    let job = cubes.publish(&args.cube).await?;
    if !args.wait {
        return output::json(&json!({"cube": args.cube, "job": job.id}));
    }
    if !quiet {
        eprintln!("publishing {}; waiting up to {} s", args.cube, args.timeout);
    }
    let status = cubes
        .wait_published(&args.cube, Duration::from_secs(args.timeout))
        .await?;
    output::json(
        &json!({"cube": args.cube, "job": job.id, "status": status.0, "states": status.states()}),
    )
}
