//! Quickstart: starts the embedded emulator, logs in, lists projects, handles an error,
//! logs out. Run it with `cargo run --example quickstart`.
//!
//! Against a real server, replace the emulator's URL with yours, e.g.
//! `https://env.example.com/MicroStrategyLibrary/api/`, and the credentials with your own
//! (better: `mstr_rest::env("MSTR_PASSWORD")` with an `AuthenticatedSession`).

use mstr_rest::prelude::*;
use mstr_rest_emulator::Emulator;

#[tokio::main(flavor = "current_thread")]
async fn main() -> mstr_rest::Result<()> {
    let emulator = Emulator::start().await;
    println!("emulator listening on {}", emulator.base_url());

    // 1. a session: the base URL is checked here, nothing is sent yet
    let session = Session::builder(emulator.base_url()).build()?;

    // 2. log in (also: Credentials::api_key, ::ldap, ::anonymous, ::identity_token)
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await?;
    let me = session.user_info().await?;
    println!(
        "logged in as {} (has_session = {})",
        me.full_name,
        session.has_session()
    );

    // 3. projects, cached after the first call
    println!("projects:");
    for project in session.projects().await? {
        println!("  {}  {}", project.id, project.name);
    }

    // 4. any endpoint, with the project header where it is needed
    let id = session
        .project_id("MicroStrategy Tutorial")
        .await?
        .expect("the emulator has this project");
    let found: serde_json::Value = session
        .get("searches/results")
        .project(&id)
        .query(&[("name", "Revenue"), ("pattern", "4")])
        .send()
        .await?
        .json()
        .await?;
    println!("search in {id}: {} items", found["totalItems"]);

    // 5. errors are typed: match on the kind, print the server's words
    match session.get("reports/NO_SUCH_REPORT").send().await {
        Err(Error::Api(e)) if e.kind() == ApiErrorKind::ResourceNotFound => {
            println!("handled a missing resource: {e} (HTTP {})", e.status)
        }
        Err(other) => return Err(other),
        Ok(resp) => println!("unexpectedly found it: {}", resp.status()),
    }

    // 6. log out; later calls that need a session fail without sending anything
    session.logout().await?;
    match session.projects().await {
        Err(Error::NotLoggedIn) => println!("logged out: {}", Error::NotLoggedIn),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
