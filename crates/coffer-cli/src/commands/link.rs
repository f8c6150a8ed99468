//! link create, link list, link revoke: the owner's side of public links.

use super::{print_json, print_lines, say};
use crate::context::Context;
use crate::output::links::link_table;
use anyhow::{Context as _, Result};
use coffer_client::{Link, LinkOptions};
use serde::Serialize;
use std::time::Duration;

/// What `link create --json` prints.
#[derive(Serialize)]
struct Created<'a> {
    url: &'a str,
    link: &'a Link,
}

pub async fn create(
    ctx: &Context,
    path: &str,
    expires: Option<Duration>,
    max_downloads: Option<u64>,
    password: bool,
    json: bool,
) -> Result<()> {
    let drive = ctx.drive()?;
    let password = if password {
        Some(ctx.link_password(true)?)
    } else {
        None
    };
    let options = LinkOptions {
        expires_in: expires,
        max_downloads,
        password,
    };
    let created = drive.create_link(path, options).await?;
    if json {
        return print_json(&Created {
            url: &created.url,
            link: &created.link,
        });
    }
    if created.link.password {
        say(ctx, "share the password separately from the URL");
    }
    print_lines([created.url.to_string()])
}

pub async fn list(ctx: &Context, json: bool) -> Result<()> {
    let links = ctx.drive()?.links().await?;
    if json {
        return print_json(&links);
    }
    print_lines(link_table(&links))
}

pub async fn revoke(ctx: &Context, id: &str) -> Result<()> {
    let id = id
        .parse()
        .ok()
        .context("a link id is 32 hexadecimal characters (see `coffer link list`)")?;
    ctx.drive()?.revoke_link(id).await?;
    say(ctx, "revoked");
    Ok(())
}
