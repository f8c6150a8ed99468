//! ls, tree, df.

use super::{print_json, print_lines};
use crate::context::Context;
use crate::output::usage::{df_json, df_lines};
use crate::output::{JsonEntry, long_line, tree_lines};
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
        return print_json(&df_json(&usage));
    }
    print_lines(df_lines(&usage))
}
