//! Patron's HTTP API: what a CRM, a shop, a ticket system and a phone system talk to.
//!
//! Every route calls the application layer (`patron_app`), the same use cases as the CLI.
//! Reads go straight to the store; facts go through one writer task that commits the requests
//! waiting together in one transaction (group commit), and each accepted fact's customer then
//! gets a live card scored alone against the latest run's snapshot.
//!
//! * [`error`] — errors as JSON `{"code", "message", "details"}` with the stable codes.
//! * [`auth`] — API keys (Bearer), scopes, the per-key rate limit.
//! * [`writer`] — the single writer task with group commit.
//! * [`live`] — the task that recomputes live cards after their facts are committed.
//! * [`metrics`] — Prometheus counters and histograms.
//! * [`routes`] — one module per route group; [`openapi`] the document built from them.
//! * [`web`] — the dashboard's pages.

pub mod auth;
pub mod delivery;
pub mod error;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod web;
pub mod writer;

pub use state::{AppState, ServerOptions};

use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The whole API as a router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    routes::router(state)
}

/// Serves the API on `listener` until `shutdown` completes; then stops accepting, lets the
/// requests in flight finish (their writes included), and returns.
pub async fn serve(
    state: Arc<AppState>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let worker = tokio::spawn(delivery::run(state.clone()));
    // Cards a crash left behind their facts are recomputed first.
    match state.store.live_pending().await {
        Ok(pending) if !pending.is_empty() => {
            tracing::info!(
                customers = pending.len(),
                "recomputing live cards left behind"
            );
            state.live.later(pending.into_iter().collect());
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "live cards left behind were not read"),
    }
    let refresher = tokio::spawn(live::run(state.clone()));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    // Cards queued by bulk loads are recomputed before the writer stops.
    state.live.close();
    let _ = refresher.await;
    state.writer.close().await;
    // A delivery cut off here is sent again after a restart (same webhook-id).
    worker.abort();
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: no new connections, finishing the requests in flight");
}
