//! `coffer-server`: the command-line shell around [`coffer_server::serve`].
//!
//! Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a startup or runtime failure,
//! 2 on a usage error (from clap). `check`: 0 when the store is consistent (garbage is fine), 1
//! when it found errors or could not read the store. `admin`: 0 on success, 1 on an error or
//! when `admin abuse verify` finds that a report does not verify.
#![forbid(unsafe_code)]

mod admin_cli;

use anyhow::Context;
use clap::{Parser, Subcommand};
use coffer_server::config::{CliOverrides, FileConfig, LogFormat, ServerConfig};
use coffer_server::store_check::{check_data_dir, render_json, render_text};
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
    /// TOML config file (keys: listen, data, session_ttl_days, upload_ttl_hours, log_format,
    /// link_failures_per_link, link_failures_per_address, link_failure_window_minutes,
    /// repeat_infringer_threshold, abuse_reports_per_address, default_storage_quota,
    /// default_transfer_quota, default_bandwidth_limit)
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
    /// Check the database and the blobs against each other, changing nothing (safe while the
    /// server runs). Exit code 1 when it finds errors.
    Check {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Operator commands on the same data directory (safe while the server runs): takedowns,
    /// reinstatements, abuse reports, the transparency report.
    Admin {
        #[command(subcommand)]
        command: admin_cli::AdminCommand,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Openapi) => print_openapi().map(|()| true),
        Some(Command::Check { json }) => check(&cli, *json),
        Some(Command::Admin { command }) => admin(&cli, command),
        Some(Command::Serve) | None => run(cli).map(|()| true),
    };
    match result {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("coffer-server: error: {e:#}");
            std::process::exit(1);
        }
    }
}

fn print_openapi() -> anyhow::Result<()> {
    print_stdout(coffer_server::openapi::document_json())
}

/// Writes `text` to standard output; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Runs the consistency check and prints its report; returns whether the store is consistent.
fn check(cli: &Cli, json: bool) -> anyhow::Result<bool> {
    let config = load_config(cli)?;
    let report = tokio::runtime::Runtime::new()
        .context("starting the async runtime")?
        .block_on(check_data_dir(&config.data))
        .with_context(|| format!("checking {}", config.data.display()))?;
    let text = match json {
        true => format!("{:#}\n", render_json(&report)),
        false => render_text(&report),
    };
    print_stdout(&text)?;
    Ok(report.is_consistent())
}

/// Runs an admin command on the configured data directory and prints its output.
fn admin(cli: &Cli, command: &admin_cli::AdminCommand) -> anyhow::Result<bool> {
    let config = load_config(cli)?;
    let (text, ok) = tokio::runtime::Runtime::new()
        .context("starting the async runtime")?
        .block_on(async {
            let admin = coffer_server::admin::Admin::open(&config.data, &config.settings).await?;
            let done = admin_cli::run(&admin, command).await;
            admin.meta.close().await;
            done
        })?;
    print_stdout(&text)?;
    Ok(ok)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(&cli)?;
    init_logging(config.log_format);
    tokio::runtime::Runtime::new()
        .context("starting the async runtime")?
        .block_on(serve_until_signal(config))
}

/// The configuration from the command line, the environment and the config file.
fn load_config(cli: &Cli) -> anyhow::Result<ServerConfig> {
    let file = match &cli.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            FileConfig::parse(&text).with_context(|| format!("parsing {}", path.display()))?
        }
        None => FileConfig::default(),
    };
    let overrides = CliOverrides {
        listen: cli.listen.clone(),
        data: cli.data.clone(),
        log_format: cli.log_format,
    };
    Ok(ServerConfig::resolve(overrides, file)?)
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
