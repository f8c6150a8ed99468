//! `coffer`: the command-line client of the coffer end-to-end encrypted drive.
//!
//! A thin shell over `coffer-client`: parse ([`cli`]), call the SDK ([`commands`]), print
//! ([`output`], [`progress`]). Errors become one line on standard error and an exit code
//! ([`exit`]); a closed standard output (`coffer ls | head`) ends the program quietly.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod exit;
mod output;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("coffer: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if exit::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coffer: {}", exit::message(&e));
            ExitCode::from(exit::code(&e))
        }
    }
}
