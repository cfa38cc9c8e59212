//! `custseg serve` and `custseg user ...`: glue to custseg-server.

use std::time::Duration;

use anyhow::{Context, Result};
use custseg_server::{AppState, Options, Role};

use crate::args::{RoleArg, ServeArgs, UserCommand};
use crate::term::Out;

/// Serves until SIGTERM or Ctrl-C.
pub fn serve(a: ServeArgs, quiet: bool) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("custseg-serve")
        .build()
        .context("cannot start the server's runtime")?;
    let options = Options {
        addr: a.addr,
        store: a.store.store.clone(),
        data: a.data.clone(),
        max_upload: a.max_upload,
        threads: a.threads,
    };
    let state = AppState::open(options)?;
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(a.addr)
            .await
            .with_context(|| format!("cannot listen on {}\nhint: another program uses the port? try --addr 127.0.0.1:8081", a.addr))?;
        let bound = listener.local_addr().unwrap_or(a.addr);
        if !bound.ip().is_loopback() {
            eprintln!(
                "warning: serving plain HTTP on {bound}, which other machines can reach; tokens and personal data cross the network unencrypted\nhint: keep --addr on 127.0.0.1 and put a TLS reverse proxy in front (README, \"Serving a team\")"
            );
        }
        if !quiet {
            eprintln!(
                "custseg serve: http://{bound}/ (store {}, data {}); Ctrl-C stops",
                a.store.store.display(),
                a.data.display()
            );
        }
        custseg_server::serve(state, listener, custseg_server::shutdown_signal()).await.map_err(anyhow::Error::from)
    });
    // a run cancelled by the shutdown stops at its next stage; the process does not wait for it
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

/// `custseg user add|list|revoke`.
pub fn user(c: UserCommand) -> Result<()> {
    let actor = "cli";
    match c {
        UserCommand::Add(a) => {
            let role = match a.role {
                RoleArg::Viewer => Role::Viewer,
                RoleArg::Analyst => Role::Analyst,
                RoleArg::Admin => Role::Admin,
            };
            let mut store = custseg_server::accounts::open(&a.store.store)?;
            let token = custseg_server::accounts::add(&mut store, &a.name, role, actor)?;
            eprintln!("added {} ({role}); the token is shown once, the store keeps only its hash:", a.name);
            Out::new().line(token)?;
        }
        UserCommand::List(s) => {
            let store = custseg_server::accounts::open(&s.store)?;
            let mut out = Out::new();
            for u in custseg_server::accounts::list(&store)? {
                let state = u.revoked_at.as_deref().map_or_else(|| "active".to_string(), |r| format!("revoked {r}"));
                out.line(format!("{}\t{}\t{}\t{state}", u.name, u.role, u.created_at))?;
            }
        }
        UserCommand::Revoke(a) => {
            let mut store = custseg_server::accounts::open(&a.store.store)?;
            custseg_server::accounts::revoke(&mut store, &a.name, actor)?;
            eprintln!("revoked {}: its token no longer works and its sessions ended", a.name);
        }
    }
    Ok(())
}
