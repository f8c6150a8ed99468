//! sessions (list, revoke), 2fa (enable, disable), and login's second factor.

use super::{print_json, print_lines, say};
use crate::context::Context;
use crate::output::sessions::{session_json, session_table};
use anyhow::{Context as _, Result, anyhow, bail};
use coffer_api::Id;
use coffer_client::{ClientError, Session, sessions};
use std::io::IsTerminal;

/// Logs in; when the account needs its second-factor code and none was given, asks for it in a
/// terminal and logs in again (the server answers that only after the password proved right).
pub async fn login(
    ctx: &Context,
    server: &str,
    email: &str,
    password: &[u8],
    totp: Option<String>,
) -> Result<Session> {
    let store = &ctx.store;
    let first = coffer_client::login_with_code(server, email, password, totp.as_deref(), store);
    match first.await {
        Err(ClientError::SecondFactorRequired) if totp.is_none() && interactive() => {
            let code = prompt_code()?;
            let session =
                coffer_client::login_with_code(server, email, password, Some(&code), store);
            Ok(session.await?)
        }
        other => Ok(other?),
    }
}

pub async fn list(ctx: &Context, json: bool) -> Result<()> {
    let found = sessions::list(&ctx.session()?).await?;
    if json {
        return print_json(&session_json(&found));
    }
    print_lines(session_table(&found))
}

pub async fn revoke(ctx: &Context, id: Option<String>, all_others: bool) -> Result<()> {
    let session = ctx.session()?;
    if all_others {
        let revoked = sessions::revoke_others(&session).await?;
        say(ctx, &format!("revoked {revoked} other session(s)"));
        return Ok(());
    }
    let text = id.ok_or_else(|| anyhow!("give a session id or --all-others"))?;
    let id: Id = (text.trim().parse()).map_err(|_| anyhow!("{text}: not a session id"))?;
    // Exit code 5 when the account has no such live session.
    sessions::revoke(&session, id).await?;
    say(ctx, &format!("revoked session {id}"));
    Ok(())
}

/// Without a code: sets up a new secret, prints it and its URI, and asks for the code in a
/// terminal. With a code: confirms the secret set up before.
pub async fn enable_2fa(ctx: &Context, code: Option<String>) -> Result<()> {
    let session = ctx.session()?;
    let code = match code {
        Some(code) => code,
        None => {
            let setup = sessions::set_up_second_factor(&session).await?;
            print_lines([
                format!("secret: {}", setup.secret),
                format!("uri: {}", setup.uri),
            ])?;
            say(
                ctx,
                "add this secret to your authenticator app (or scan the URI as a QR code)",
            );
            if !interactive() {
                say(
                    ctx,
                    "then turn it on with `coffer 2fa enable --code CODE` (the code it shows)",
                );
                return Ok(());
            }
            prompt_code()?
        }
    };
    sessions::enable_second_factor(&session, &code).await?;
    say(
        ctx,
        "second factor on: `coffer login` now needs the authenticator's code",
    );
    Ok(())
}

pub async fn disable_2fa(ctx: &Context, code: Option<String>) -> Result<()> {
    let session = ctx.session()?;
    let code = match code {
        Some(code) => code,
        None if interactive() => prompt_code()?,
        None => bail!("pass --code CODE (the authenticator's current code)"),
    };
    sessions::disable_second_factor(&session, &code).await?;
    say(ctx, "second factor off");
    Ok(())
}

fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

fn prompt_code() -> Result<String> {
    let code = rpassword::prompt_password("Second-factor code: ")
        .context("cannot read the second-factor code")?;
    Ok(code.trim().to_owned())
}
