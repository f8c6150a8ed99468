//! The coffer server: an HTTP API over the metadata and blob stores.
//!
//! The server stores ciphertext, a tree shape and sizes; it authenticates accounts with OPAQUE
//! and scopes every object to its account. It never holds a key, a password or a name.
//!
//! [`serve`] runs the API on a bound listener until a shutdown future completes, with the
//! background cleanup task beside it; tests bind port 0 and run many servers in parallel:
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use coffer_server::{AppState, config::Settings, serve};
//! let state = AppState::open(std::path::Path::new("coffer-data"), Settings::default()).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! serve(listener, state, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod access;
pub mod admin;
mod auth;
mod background;
mod bandwidth;
pub mod cleanup;
pub mod config;
mod error;
mod extract;
mod incoming;
mod link_access;
mod link_attempts;
mod login_limits;
pub mod openapi;
mod outgoing;
mod quota;
mod routes;
mod session_cache;
pub mod sizes;
mod state;
pub mod store_check;
pub mod totp;

pub use background::BackgroundServer;
pub use error::ApiError;
pub use routes::router;
pub use state::{AppState, StartupError};

use std::future::Future;
use tokio::net::TcpListener;

/// Serves the API on `listener` until `shutdown` completes, then lets requests in flight
/// finish. The cleanup task runs alongside and stops with the server.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_cleanup, stopped) = tokio::sync::watch::channel(false);
    let cleanup = tokio::spawn(cleanup::run(state.clone(), stopped));
    // Connection info gives handlers the client address (rate limits of public links).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_cleanup.send(true);
    if let Err(e) = cleanup.await {
        tracing::error!(error = %e, "cleanup task failed");
    }
    served
}
