//! ls, tree, df.

use super::{print_json, print_lines};
use crate::context::Context;
use crate::output::{JsonEntry, human_size, long_line, tree_lines};
use anyhow::Result;
use coffer_client::Entry;
use std::io::Write;

pub async fn ls(ctx: &Context, path: &str, long: bool, json: bool) -> Result<()> {
    print_entries(&ctx.drive()?.ls(path).await?, long, json)
}

/// A listing as `ls` prints it: names, `-l` lines or JSON.
pub fn print_entries(entries: &[Entry], long: bool, json: bool) -> Result<()> {
    if json {
        let items: Vec<_> = entries.iter().map(JsonEntry::of).collect();
        return print_json(&items);
    }
    if long {
        return print_lines(entries.iter().map(long_line));
    }
    // `short_line` for each entry, without a String per line: folders run to 100,000 entries.
    let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    for entry in entries {
        out.write_all(entry.name.as_bytes())?;
        out.write_all(if entry.is_folder() { b"/\n" } else { b"\n" })?;
    }
    out.flush()?;
    Ok(())
}

pub async fn tree(ctx: &Context, path: &str, json: bool) -> Result<()> {
    let tree = ctx.drive()?.tree(path).await?;
    if json {
        return print_json(&JsonEntry::tree(&tree));
    }
    print_lines(tree_lines(&tree))
}

pub async fn df(ctx: &Context, json: bool) -> Result<()> {
    let usage = ctx.drive()?.usage().await?;
    if json {
        return print_json(&usage);
    }
    let mut lines = vec![format!(
        "{} used by {} files in {} folders",
        human_size(usage.bytes_used),
        usage.files,
        usage.folders
    )];
    if usage.pending_upload_bytes > 0 {
        lines.push(format!(
            "{} held by unfinished uploads",
            human_size(usage.pending_upload_bytes)
        ));
    }
    print_lines(lines)
}
