//! mkdir, mv, rm.

use crate::context::Context;
use anyhow::Result;

pub async fn mkdir(ctx: &Context, parents: bool, paths: &[String]) -> Result<()> {
    let drive = ctx.drive()?;
    for path in paths {
        drive.mkdir(path, parents).await?;
    }
    Ok(())
}

pub async fn mv(ctx: &Context, src: &str, dest: &str) -> Result<()> {
    ctx.drive()?.mv(src, dest).await?;
    Ok(())
}

pub async fn rm(ctx: &Context, recursive: bool, paths: &[String]) -> Result<()> {
    let drive = ctx.drive()?;
    for path in paths {
        drive.rm(path, recursive).await?;
    }
    Ok(())
}
