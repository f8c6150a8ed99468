//! contacts, fingerprint, share, shares, unshare: sharing folders with other accounts.

use super::{print_json, print_lines, say};
use crate::context::Context;
use crate::output::shares::{
    JsonContact, JsonShares, contact_table, permission_name, shares_text, status_name,
};
use crate::progress;
use anyhow::{Result, bail};
use coffer_client::{ContactStatus, ShareOptions, SharePermission};
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};

pub async fn contact_add(ctx: &Context, email: &str, json: bool) -> Result<()> {
    let contact = ctx.drive()?.contact_add(email).await?;
    if json {
        return print_json(&JsonContact::of(&contact));
    }
    let mut lines = contact_table(std::slice::from_ref(&contact));
    lines.remove(0);
    if matches!(contact.status, ContactStatus::Unverified) {
        lines.push(format!(
            "pinned; compare fingerprints with `coffer contacts verify {}`",
            contact.email
        ));
    }
    print_lines(lines)
}

pub async fn contacts(ctx: &Context, json: bool) -> Result<()> {
    let contacts = ctx.drive()?.contacts().await?;
    if json {
        let list: Vec<JsonContact> = contacts.iter().map(JsonContact::of).collect();
        return print_json(&list);
    }
    print_lines(contact_table(&contacts))
}

/// Shows both fingerprints, then confirms: on matching `--fingerprint` digits, on `--yes`, or
/// on an explicit "yes" typed at the prompt. Anything else changes nothing.
pub async fn contact_verify(
    ctx: &Context,
    email: &str,
    fingerprint: Option<String>,
    yes: bool,
) -> Result<()> {
    let drive = ctx.drive()?;
    let view = drive.contact_verify(email).await?;
    let mut lines = Vec::new();
    if view.key_changed {
        lines.push(format!(
            "WARNING: the server now shows OTHER KEYS for {} than the ones you pinned.",
            view.email
        ));
        lines
            .push("Confirm only if the new fingerprint below is what they read to you.".to_owned());
    }
    lines.push(format!("{:<12} {}", view.email, view.theirs));
    lines.push(format!("{:<12} {}", "you", view.mine));
    print_lines(lines)?;
    let expected = fingerprint.as_deref();
    if expected.is_none()
        && !yes
        && !ask_yes(&format!(
            "Do the digits for {} match? [yes/no] ",
            view.email
        ))?
    {
        bail!("not confirmed: {} stays as it was", view.email);
    }
    let contact = drive.contact_confirm(email, expected).await?;
    say(
        ctx,
        &format!("{} is {}", contact.email, status_name(&contact.status)),
    );
    Ok(())
}

/// Reads an answer from the terminal; without one, refuses (a script passes --yes or
/// --fingerprint).
fn ask_yes(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("not a terminal: pass --fingerprint \"DIGITS\" or --yes to confirm");
    }
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

#[derive(Serialize)]
struct JsonFingerprint<'a> {
    email: &'a str,
    fingerprint: String,
}

pub async fn fingerprint(ctx: &Context, json: bool) -> Result<()> {
    let drive = ctx.drive()?;
    let fingerprint = drive.fingerprint().to_string();
    let email = drive.session().email();
    if json {
        return print_json(&JsonFingerprint { email, fingerprint });
    }
    print_lines([format!("{email}  {fingerprint}")])
}

pub async fn share(
    ctx: &Context,
    path: &str,
    email: &str,
    write: bool,
    strict: bool,
) -> Result<()> {
    let permission = if write {
        SharePermission::Write
    } else {
        SharePermission::Read
    };
    let shared = ctx
        .drive()?
        .share(path, email, permission, ShareOptions { strict })
        .await?;
    say(
        ctx,
        &format!(
            "{} shared with {} ({}); they see it under /shared/",
            shared.path,
            shared.email,
            permission_name(shared.permission)
        ),
    );
    Ok(())
}

pub async fn shares(ctx: &Context, json: bool) -> Result<()> {
    let view = ctx.drive()?.shares().await?;
    if json {
        return print_json(&JsonShares::of(&view));
    }
    print_lines(shares_text(&view))
}

pub async fn unshare(ctx: &Context, path: &str, email: Option<String>) -> Result<()> {
    let drive = ctx.drive()?;
    let sink = progress::sink(ctx.chatty());
    let report = drive.unshare(path, email.as_deref(), sink.as_ref()).await?;
    drop(sink);
    if report.folders_rotated > 0 {
        say(
            ctx,
            &format!(
                "access removed; {} folder key(s) replaced",
                report.folders_rotated
            ),
        );
    } else {
        say(ctx, "done");
    }
    if !report.links_revoked.is_empty() {
        let ids: Vec<String> = report
            .links_revoked
            .iter()
            .map(|id| id.to_string())
            .collect();
        say(
            ctx,
            &format!(
                "public links to folders inside were revoked (they carried the old key): {}",
                ids.join(", ")
            ),
        );
    }
    Ok(())
}
