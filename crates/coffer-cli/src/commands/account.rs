//! signup, login, logout, whoami.

use super::{print_json, print_lines, say};
use crate::context::Context;
use crate::output::format_time;
use anyhow::{Result, anyhow};
use serde::Serialize;

pub async fn signup(ctx: &Context, email: &str) -> Result<()> {
    let server = ctx.server(None)?;
    let password = ctx.password(true)?;
    let session = coffer_client::signup(&server, email, password.as_bytes(), &ctx.store).await?;
    say(
        ctx,
        &format!("signed up and logged in as {} on {server}", session.email()),
    );
    Ok(())
}

pub async fn login(ctx: &Context, email: Option<String>, totp: Option<String>) -> Result<()> {
    let saved = ctx.saved_session()?;
    let server = ctx.server(saved.as_ref())?;
    let email = match email {
        Some(email) => email,
        None => ctx
            .last_email(saved.as_ref())?
            .ok_or_else(|| anyhow!("no email: pass --email"))?,
    };
    let password = ctx.password(false)?;
    let session = super::sessions::login(ctx, &server, &email, password.as_bytes(), totp).await?;
    say(
        ctx,
        &format!("logged in as {} on {server}", session.email()),
    );
    Ok(())
}

pub async fn logout(ctx: &Context) -> Result<()> {
    match ctx.saved_session()? {
        Some(session) => {
            coffer_client::logout(&session, &ctx.store).await?;
            say(ctx, "logged out");
        }
        None => say(ctx, "not logged in"),
    }
    Ok(())
}

#[derive(Serialize)]
struct WhoamiJson {
    email: String,
    server: String,
    account_id: String,
    root_id: String,
    key_generation: u64,
    fingerprint: String,
    session_expires_at: i64,
}

pub async fn whoami(ctx: &Context, json: bool) -> Result<()> {
    let session = ctx.session()?;
    let status = coffer_client::whoami(&session, &ctx.store).await?;
    if json {
        return print_json(&WhoamiJson {
            email: status.email,
            server: status.server_url,
            account_id: status.account_id.to_string(),
            root_id: status.root_id.to_string(),
            key_generation: status.generation,
            fingerprint: status.fingerprint,
            session_expires_at: status.session_expires_at,
        });
    }
    print_lines([
        status.email,
        format!("server:      {}", status.server_url),
        format!("account:     {}", status.account_id),
        format!("fingerprint: {}", status.fingerprint),
        format!(
            "session expires {} UTC",
            format_time(Some(status.session_expires_at))
        ),
    ])
}
