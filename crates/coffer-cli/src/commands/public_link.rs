//! get and ls of a public link URL: no login, the password asked only if the link has one;
//! import of one into the drive (logged in).

use super::browse::print_entries;
use super::transfer::{cancellable, options};
use super::{print_json, print_lines, say};
use crate::context::Context;
use crate::output::{JsonEntry, human_size};
use anyhow::Result;
use coffer_client::{AbuseReport, ClientError, LinkError, LinkUrl, PublicLink, report_link};
use std::path::Path;

/// Opens the link at `text`; a password link takes `--password-stdin`, `COFFER_LINK_PASSWORD`
/// or a prompt, only once the server said it has one.
async fn open(ctx: &Context, text: &str) -> Result<(PublicLink, LinkUrl)> {
    let url = LinkUrl::parse(text).map_err(ClientError::from)?;
    let link = match PublicLink::open(&url, None).await {
        Err(ClientError::Link(LinkError::PasswordRequired)) => {
            let password = ctx.link_password(false)?;
            PublicLink::open(&url, Some(&password)).await?
        }
        other => other?,
    };
    Ok((link, url))
}

pub async fn get(ctx: &Context, text: &str, dest: &Path) -> Result<()> {
    let (link, url) = open(ctx, text).await?;
    let opts = options(ctx);
    cancellable(&opts.cancel, link.get(url.path(), dest, &opts)).await?;
    Ok(())
}

pub async fn ls(ctx: &Context, text: &str, long: bool, json: bool) -> Result<()> {
    let (link, url) = open(ctx, text).await?;
    print_entries(&link.ls(url.path()).await?, long, json)
}

/// What `import --json` prints.
#[derive(serde::Serialize)]
struct Imported {
    files: Vec<JsonEntry>,
    paths: Vec<String>,
    folders: u64,
    bytes: u64,
}

/// Imports the link (or the path after its key) into the drive folder `dest`: one line per
/// imported file, then a summary on standard error.
pub async fn import(ctx: &Context, text: &str, dest: &str, json: bool) -> Result<()> {
    let drive = ctx.drive()?;
    let (link, url) = open(ctx, text).await?;
    let summary = link.import(&drive, url.path(), dest).await?;
    if json {
        return print_json(&Imported {
            files: summary.files.iter().map(JsonEntry::of).collect(),
            paths: summary.files.iter().map(|f| f.path.to_string()).collect(),
            folders: summary.folders,
            bytes: summary.bytes,
        });
    }
    print_lines(summary.files.iter().map(|f| f.path.to_string()))?;
    say(
        ctx,
        &format!(
            "imported {} file(s), {} folder(s), {}",
            summary.files.len(),
            summary.folders,
            human_size(summary.bytes)
        ),
    );
    Ok(())
}

/// Files an abuse report for the link at `text`; prints the report id.
pub async fn report(
    ctx: &Context,
    text: &str,
    reason: String,
    contact: Option<String>,
    include_key: bool,
) -> Result<()> {
    let url = LinkUrl::parse(text).map_err(ClientError::from)?;
    let report = AbuseReport {
        reason,
        contact,
        include_key,
    };
    let id = match report_link(&url, &report, None).await {
        Err(ClientError::Link(LinkError::PasswordRequired)) => {
            let password = ctx.link_password(false)?;
            report_link(&url, &report, Some(&password)).await?
        }
        other => other?,
    };
    print_lines([id.to_string()])?;
    say(ctx, "reported; the operator has the report");
    Ok(())
}
