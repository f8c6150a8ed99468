//! `coffer-bench`: the benchmark harness of coffer (see docs/BENCHMARKS.md).
//!
//! It starts a real `coffer-server` on loopback with a fresh data directory per benchmark,
//! times the real `coffer` CLI (or the SDK driver) as separate processes under
//! `/usr/bin/time -v`, measures the machine's limits and the peers (rclone crypt over WebDAV,
//! restic over REST) in the same run, and writes `bench/results.json` and
//! `docs/BENCHMARKS.md`. Benchmarks never run in `cargo test`; the unit tests here cover the
//! parsing and statistics only.
#![forbid(unsafe_code)]

mod analysis;
mod bigfile;
mod coffer;
mod context;
mod data;
mod driver;
mod limits;
mod listing;
mod machine;
mod measure;
mod metadata;
mod metadata_load;
mod peers;
mod report;
mod results;
mod service;
mod small_files;
mod stats;
mod suite;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use context::{Bench, ClientKind, Sizes, progress};
use results::Results;
use std::path::PathBuf;
use std::time::Instant;

/// Benchmarks coffer against the machine's limits and its peers, on loopback.
#[derive(Debug, Parser)]
#[command(name = "coffer-bench", version, max_term_width = 100)]
struct Cli {
    /// Runs of each figure (the 10 GiB transfer and rclone's small files run once).
    #[arg(long, global = true, default_value_t = 3)]
    runs: usize,
    /// Tiny sizes: a smoke test of the harness, not a result.
    #[arg(long, global = true)]
    quick: bool,
    /// Which coffer client to time.
    #[arg(long, global = true, value_enum, default_value_t = ClientKind::Cli)]
    client: ClientKind,
    /// Work directory for inputs, servers and downloads [default: target/bench-work].
    #[arg(long, global = true)]
    work: Option<PathBuf>,
    /// Keep the 10 GiB input file for the next run.
    #[arg(long, global = true)]
    keep_data: bool,
    /// Write the results here (`all`: default bench/results.json; others: not written).
    #[arg(long, global = true)]
    json: Option<PathBuf>,
    /// Write the report here (`all`: default docs/BENCHMARKS.md; others: not written).
    #[arg(long, global = true)]
    doc: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Everything, peers alternating with coffer; writes bench/results.json and docs/BENCHMARKS.md.
    All,
    /// 1 GiB upload and download.
    Upload,
    /// 10,000 × 4 KiB folder upload and download.
    SmallFiles,
    /// Listing a 100,000-entry folder.
    Listing,
    /// 200 concurrent clients doing ls, mkdir, mv.
    Metadata,
    /// 10 GiB upload and download (memory stays flat).
    Huge,
    /// The machine's limits.
    Limits,
    /// rclone crypt/WebDAV and restic/REST on the same files.
    Peers,
    /// Regenerate the report from a results file.
    Report {
        #[arg(default_value = "bench/results.json")]
        results: PathBuf,
    },
    /// The SDK client the harness runs as a separate process.
    #[command(hide = true, subcommand)]
    Driver(driver::DriverCommand),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Driver(command) => driver::run(command),
        _ => run(cli),
    };
    if let Err(e) = result {
        eprintln!("coffer-bench: error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let repo = Bench::find_repo()?;
    if let Command::Report { results } = &cli.command {
        let text = std::fs::read_to_string(repo.join(results))?;
        let r: Results = serde_json::from_str(&text).context("reading the results")?;
        return write_doc(
            &r,
            &repo.join(cli.doc.unwrap_or("docs/BENCHMARKS.md".into())),
        );
    }
    machine::ensure_tools()?;
    let b = Bench {
        bins: Bench::find_binaries()?,
        work: cli
            .work
            .clone()
            .unwrap_or_else(|| repo.join("target/bench-work")),
        runs: cli.runs.max(1),
        sizes: if cli.quick {
            Sizes::quick()
        } else {
            Sizes::full()
        },
        client: cli.client,
        keep_data: cli.keep_data,
        repo,
    };
    std::fs::create_dir_all(&b.work)?;
    let mut r = Results {
        run: machine::describe(&b.repo),
        ..Results::default()
    };
    r.run.client = match b.client {
        ClientKind::Cli => "`coffer` CLI".into(),
        ClientKind::Sdk => "SDK (`coffer-bench driver`)".into(),
    };
    record_settings(&b, &mut r, cli.quick);
    let start = Instant::now();
    let all = matches!(cli.command, Command::All);
    match cli.command {
        Command::All => suite::run_all(&b, &mut r)?,
        Command::Upload => bigfile::run(&b, &mut r)?,
        Command::SmallFiles => small_files::run(&b, &mut r)?,
        Command::Listing => listing::run(&b, &mut r)?,
        Command::Metadata => metadata::run(&b, &mut r)?,
        Command::Huge => bigfile::run_huge(&b, &mut r)?,
        Command::Limits => limits::run(&b, &mut r)?,
        Command::Peers => peers::run(&b, &mut r)?,
        Command::Report { .. } | Command::Driver(_) => unreachable!("handled above"),
    }
    r.run.wall_secs = start.elapsed().as_secs_f64();
    r.run.load_after = machine::load_average();
    print_summary(&r);
    let default = |path: &str| all.then(|| b.repo.join(path));
    if let Some(json) = cli
        .json
        .map(|p| b.repo.join(p))
        .or_else(|| default("bench/results.json"))
    {
        std::fs::write(&json, serde_json::to_string_pretty(&r)? + "\n")?;
        progress(format!("wrote {}", json.display()));
    }
    if let Some(doc) = cli
        .doc
        .map(|p| b.repo.join(p))
        .or_else(|| default("docs/BENCHMARKS.md"))
    {
        write_doc(&r, &doc)?;
    }
    Ok(())
}

fn record_settings(b: &Bench, r: &mut Results, quick: bool) {
    let s = &b.sizes;
    let mut set = |k: &str, v: String| r.run.settings.insert(k.to_owned(), v);
    set("runs per figure", b.runs.to_string());
    set("big file", bigfile::size_label(s.big_bytes));
    set("huge file (one run)", bigfile::size_label(s.huge_bytes));
    set(
        "small files",
        format!("{} × {} B", s.small_count, s.small_bytes),
    );
    set(
        "rclone small-file subset (one run)",
        s.rclone_small_count.to_string(),
    );
    set("listing entries", s.listing_entries.to_string());
    set(
        "metadata clients × rounds",
        format!("{} × {}", s.clients, s.metadata_rounds),
    );
    if quick {
        set("QUICK", "smoke-test sizes: not a result".into());
    }
}

fn write_doc(r: &Results, path: &std::path::Path) -> Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let text = report::render(r, report::kept_analysis(&existing));
    std::fs::write(path, text)?;
    progress(format!("wrote {}", path.display()));
    Ok(())
}

fn print_summary(r: &Results) {
    for (key, f) in &r.figures {
        println!(
            "{key:45} {:>12.2} {:8} ({})",
            f.summary.median,
            f.unit.symbol(),
            f.label
        );
    }
    for t in analysis::targets(r) {
        println!(
            "{:60} {:>10.2}  {}",
            t.target,
            t.measured,
            if t.met { "met" } else { "MISSED" }
        );
    }
}
