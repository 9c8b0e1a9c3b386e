//! `patron serve`: the HTTP API on the project's store.

use crate::cli::Global;
use anyhow::{Context, Result};
use patron_server::{AppState, ServerOptions};
use std::net::SocketAddr;
use std::sync::Arc;

/// `patron serve` flags. Each also comes from a `PATRON_*` variable, and else from the
/// `[server]` section of patron.toml.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]. Behind a reverse proxy with TLS, keep
    /// it on loopback.
    #[arg(long, env = "PATRON_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Requests per second per API key (bursts of as many); 0 for no limit [default: 0].
    #[arg(long, env = "PATRON_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Largest request body in bytes [default: 16777216].
    #[arg(long, env = "PATRON_BODY_LIMIT")]
    pub body_limit: Option<usize>,
    /// Score live cards as of this date or time instead of now (reproducible answers; a
    /// demo whose data lies in the past).
    #[arg(long, env = "PATRON_LIVE_AS_OF")]
    pub live_as_of: Option<String>,
    /// Logs as JSON lines (for a log collector) instead of text.
    #[arg(long, env = "PATRON_LOG_JSON")]
    pub log_json: bool,
}

/// `patron serve`.
pub async fn run(global: &Global, args: &ServeArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let config = project.config.server.clone();
    init_logs(args.log_json || config.log_json.unwrap_or(false));
    let listen = match (args.listen, &config.listen) {
        (Some(flag), _) => flag,
        (None, Some(text)) => text.parse().map_err(|e| {
            crate::error::Usage(format!(
                "[server] listen = {text:?} in patron.toml: {e}; expected an address like 127.0.0.1:8080"
            ))
        })?,
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let defaults = ServerOptions::default();
    let live_as_of = args.live_as_of.as_deref().or(config.live_as_of.as_deref());
    let options = ServerOptions {
        body_limit: args
            .body_limit
            .or(config.body_limit)
            .unwrap_or(defaults.body_limit),
        rate_limit: args
            .rate_limit
            .or(config.rate_limit)
            .unwrap_or(defaults.rate_limit),
        live_as_of: crate::flags::as_of(live_as_of)?,
        ..defaults
    };
    let store: Arc<dyn patron_store::Store> = Arc::from(project.create_store().await?);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let state = AppState::new(project, store, options);
    // The address on stdout (a script starting the server on port 0 reads it), the rest in the
    // logs.
    println!("listening on http://{address}");
    tracing::info!(%address, "patron serve: listening");
    patron_server::serve(state, listener, patron_server::shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("PATRON_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
