//! One function per command: parse → SDK → print.

mod account;
mod browse;
mod edit;
mod link;
mod public_link;
mod sessions;
mod sharing;
mod transfer;

use crate::cli::{Cli, Command, ContactsCommand, LinkCommand, SessionsCommand, TwoFaCommand};
use crate::context::Context;
use anyhow::Result;
use clap::CommandFactory;
use coffer_client::LinkUrl;
use std::io::Write;

pub async fn run(cli: Cli) -> Result<()> {
    // Completions need no config directory or session.
    let command = match cli.command {
        Command::Completions { shell } => return completions(shell),
        other => other,
    };
    let ctx = Context::new(cli.global)?;
    match command {
        Command::Signup { email } => account::signup(&ctx, &email).await,
        Command::Login { email, totp } => account::login(&ctx, email, totp).await,
        Command::Logout => account::logout(&ctx).await,
        Command::Whoami { json } => account::whoami(&ctx, json).await,
        Command::Put { recursive, paths } => transfer::put(&ctx, recursive, paths).await,
        Command::Get { src, dest, .. } if LinkUrl::is_link(&src) => {
            public_link::get(&ctx, &src, &dest).await
        }
        Command::Get {
            recursive,
            src,
            dest,
        } => transfer::get(&ctx, recursive, &src, &dest).await,
        Command::Report {
            url,
            reason,
            contact,
            include_key,
        } => public_link::report(&ctx, &url, reason, contact, include_key).await,
        Command::Import { url, dest, json } => public_link::import(&ctx, &url, &dest, json).await,
        Command::Ls { long, json, path } if LinkUrl::is_link(&path) => {
            public_link::ls(&ctx, &path, long, json).await
        }
        Command::Ls { long, json, path } => browse::ls(&ctx, &path, long, json).await,
        Command::Tree { json, path } => browse::tree(&ctx, &path, json).await,
        Command::Df { json } => browse::df(&ctx, json).await,
        Command::Mkdir { parents, paths } => edit::mkdir(&ctx, parents, &paths).await,
        Command::Mv { src, dest } => edit::mv(&ctx, &src, &dest).await,
        Command::Rm { recursive, paths } => edit::rm(&ctx, recursive, &paths).await,
        Command::Link { command } => match command {
            LinkCommand::Create {
                path,
                expires,
                max_downloads,
                password,
                json,
            } => link::create(&ctx, &path, expires, max_downloads, password, json).await,
            LinkCommand::List { json } => link::list(&ctx, json).await,
            LinkCommand::Revoke { id } => link::revoke(&ctx, &id).await,
        },
        Command::Contacts { command } => match command {
            ContactsCommand::Add { email, json } => sharing::contact_add(&ctx, &email, json).await,
            ContactsCommand::List { json } => sharing::contacts(&ctx, json).await,
            ContactsCommand::Verify {
                email,
                fingerprint,
                yes,
            } => sharing::contact_verify(&ctx, &email, fingerprint, yes).await,
        },
        Command::Fingerprint { json } => sharing::fingerprint(&ctx, json).await,
        Command::Share {
            path,
            email,
            write,
            strict,
        } => sharing::share(&ctx, &path, &email, write, strict).await,
        Command::Shares { json } => sharing::shares(&ctx, json).await,
        Command::Unshare { path, email } => sharing::unshare(&ctx, &path, email).await,
        Command::Sessions { command, json } => match command {
            None => sessions::list(&ctx, json).await,
            Some(SessionsCommand::Revoke { id, all_others }) => {
                sessions::revoke(&ctx, id, all_others).await
            }
        },
        Command::TwoFa { command } => match command {
            TwoFaCommand::Enable { code } => sessions::enable_2fa(&ctx, code).await,
            TwoFaCommand::Disable { code } => sessions::disable_2fa(&ctx, code).await,
        },
        Command::Completions { shell } => completions(shell),
    }
}

/// Prints the completion script for `shell`; into a buffer first, because clap_complete
/// panics on a write error such as a closed pipe.
fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "coffer", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}

/// Writes lines to standard output, surfacing a closed pipe as an error (never a panic).
pub fn print_lines(lines: impl IntoIterator<Item = String>) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// Pretty JSON on standard output.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// An informational message on standard error, unless `--quiet`.
pub fn say(ctx: &Context, message: &str) {
    if ctx.chatty() {
        eprintln!("{message}");
    }
}
