//! put and get, with progress bars and Ctrl-C handled as a clean cancel (an interrupted upload
//! stays resumable; an interrupted download leaves nothing at the destination).

use super::say;
use crate::context::Context;
use crate::progress;
use anyhow::{Result, bail};
use coffer_client::{CancelToken, ClientError, Drive, TransferOptions};
use std::future::Future;
use std::path::{Path, PathBuf};

pub(super) fn options(ctx: &Context) -> TransferOptions {
    TransferOptions {
        progress: progress::sink(ctx.chatty()),
        ..TransferOptions::default()
    }
}

/// Runs `op`; on Ctrl-C asks it to stop at the next chunk and waits for it to do so.
pub(super) async fn cancellable<T>(
    cancel: &CancelToken,
    op: impl Future<Output = coffer_client::Result<T>>,
) -> coffer_client::Result<T> {
    tokio::pin!(op);
    tokio::select! {
        done = &mut op => done,
        Ok(()) = tokio::signal::ctrl_c() => {
            cancel.cancel();
            op.await
        }
    }
}

pub async fn put(ctx: &Context, recursive: bool, mut paths: Vec<String>) -> Result<()> {
    let mut dest = paths
        .pop()
        .expect("invariant: clap requires at least two paths");
    if paths.len() > 1 && !dest.ends_with('/') {
        // Several sources go into a folder, as with cp.
        dest.push('/');
    }
    let drive = ctx.drive()?;
    let opts = options(ctx);
    for src in &paths {
        let local = PathBuf::from(src);
        let meta = std::fs::metadata(&local).map_err(|source| ClientError::Io {
            path: local.clone(),
            source,
        })?;
        if meta.is_dir() {
            if !recursive {
                bail!("{src}: is a directory (use -r)");
            }
            put_dir(ctx, &drive, &local, &dest, &opts).await?;
        } else {
            cancellable(&opts.cancel, drive.put_file(&local, &dest, &opts))
                .await
                .map_err(resume_hint)?;
        }
    }
    Ok(())
}

async fn put_dir(
    ctx: &Context,
    drive: &Drive,
    local: &Path,
    dest: &str,
    opts: &TransferOptions,
) -> Result<()> {
    let summary = cancellable(&opts.cancel, drive.put_dir(local, dest, opts))
        .await
        .map_err(resume_hint)?;
    for skipped in &summary.skipped {
        say(
            ctx,
            &format!(
                "coffer: skipped {} (not a file or folder)",
                skipped.display()
            ),
        );
    }
    Ok(())
}

pub async fn get(ctx: &Context, recursive: bool, src: &str, dest: &Path) -> Result<()> {
    let drive = ctx.drive()?;
    let entry = drive.stat(src).await?;
    let opts = options(ctx);
    if entry.is_folder() {
        if !recursive {
            bail!("{}: is a folder (use -r)", entry.path);
        }
        cancellable(&opts.cancel, drive.get_dir(src, dest, &opts)).await?;
    } else {
        cancellable(&opts.cancel, drive.get_file(src, dest, &opts)).await?;
    }
    Ok(())
}

fn resume_hint(e: ClientError) -> anyhow::Error {
    let cancelled = matches!(e, ClientError::Cancelled);
    let e = anyhow::Error::from(e);
    if cancelled {
        e.context("cancelled: run the same put again to resume")
    } else {
        e
    }
}
