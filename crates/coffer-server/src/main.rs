//! `coffer-server`: the command-line shell around [`coffer_server::serve`].
//!
//! Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a startup or runtime failure,
//! 2 on a usage error (from clap).
#![forbid(unsafe_code)]

use anyhow::Context;
use clap::{Parser, Subcommand};
use coffer_server::config::{CliOverrides, FileConfig, LogFormat, ServerConfig};
use coffer_server::{AppState, serve};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// The coffer server: an end-to-end encrypted drive's storage and API.
#[derive(Debug, Parser)]
#[command(name = "coffer-server", version)]
struct Cli {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "COFFER_LISTEN", global = true)]
    listen: Option<String>,
    /// Data directory: database and blobs [default: ./coffer-data]
    #[arg(long, env = "COFFER_DATA", global = true)]
    data: Option<PathBuf>,
    /// TOML config file (keys: listen, data, session_ttl_days, upload_ttl_hours, log_format)
    #[arg(long, env = "COFFER_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Log format on stderr [default: text]
    #[arg(long, env = "COFFER_LOG_FORMAT", value_enum, global = true)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Openapi) => print_openapi(),
        Some(Command::Serve) | None => run(cli),
    };
    if let Err(e) = result {
        eprintln!("coffer-server: error: {e:#}");
        std::process::exit(1);
    }
}

fn print_openapi() -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out
        .write_all(coffer_server::openapi::document_json().as_bytes())
        .and_then(|()| out.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let file = match &cli.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            FileConfig::parse(&text).with_context(|| format!("parsing {}", path.display()))?
        }
        None => FileConfig::default(),
    };
    let overrides = CliOverrides {
        listen: cli.listen,
        data: cli.data,
        log_format: cli.log_format,
    };
    let config = ServerConfig::resolve(overrides, file)?;
    init_logging(config.log_format);
    tokio::runtime::Runtime::new()
        .context("starting the async runtime")?
        .block_on(serve_until_signal(config))
}

async fn serve_until_signal(config: ServerConfig) -> anyhow::Result<()> {
    let state = AppState::open(&config.data, config.settings.clone())
        .await
        .with_context(|| format!("opening the data directory {}", config.data.display()))?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let address = listener.local_addr().context("reading the bound address")?;
    tracing::info!(%address, data = %config.data.display(), "coffer-server started");
    // Exactly one line on stdout, for scripts and tests waiting for the server.
    let mut out = std::io::stdout().lock();
    writeln!(out, "coffer-server listening on http://{address}")?;
    out.flush()?;
    drop(out);

    let meta = state.meta.clone();
    serve(listener, state, shutdown_signal()).await?;
    meta.close().await;
    tracing::info!("coffer-server stopped");
    Ok(())
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("COFFER_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().with_current_span(true).init(),
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
