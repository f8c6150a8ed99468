//! Turning SDK results into text and JSON (pure formatting; the commands do the writing).

use coffer_client::{Entry, NodeKind, TreeEntry};
use serde::Serialize;

pub mod links;
pub mod sessions;
pub mod shares;
pub mod usage;

/// `1023 B`, `1.0 KiB`, `5.5 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `2026-11-23 10:15` (UTC), or `-` when unknown.
pub fn format_time(ms: Option<i64>) -> String {
    let Some(ms) = ms else { return "-".into() };
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return "-".into();
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// One entry of `ls --json` and `tree --json`.
#[derive(Debug, Serialize)]
pub struct JsonEntry {
    pub name: String,
    pub kind: NodeKind,
    pub size: Option<u64>,
    /// Unix milliseconds.
    pub mtime: Option<i64>,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<JsonEntry>>,
}

impl JsonEntry {
    pub fn of(entry: &Entry) -> JsonEntry {
        JsonEntry {
            name: entry.name.clone(),
            kind: entry.kind,
            size: entry.size,
            mtime: entry.mtime,
            id: entry.id.to_string(),
            children: None,
        }
    }

    pub fn tree(tree: &TreeEntry) -> JsonEntry {
        let mut json = JsonEntry::of(&tree.entry);
        if tree.entry.is_folder() {
            json.children = Some(tree.children.iter().map(JsonEntry::tree).collect());
        }
        json
    }
}

/// `ls` short form: the name, folders with a trailing `/`.
pub fn short_line(entry: &Entry) -> String {
    let slash = if entry.is_folder() { "/" } else { "" };
    format!("{}{slash}", entry.name)
}

/// `ls -l`: kind, size, mtime, name.
pub fn long_line(entry: &Entry) -> String {
    let kind = if entry.is_folder() { 'd' } else { '-' };
    let size = entry.size.map_or_else(|| "-".into(), human_size);
    format!(
        "{kind} {size:>10}  {}  {}",
        format_time(entry.mtime),
        short_line(entry)
    )
}

/// `tree`: the top path, then one line per node with box-drawing branches.
pub fn tree_lines(tree: &TreeEntry) -> Vec<String> {
    let mut lines = vec![tree.entry.path.to_string()];
    push_children(&tree.children, "", &mut lines);
    lines
}

fn push_children(children: &[TreeEntry], prefix: &str, lines: &mut Vec<String>) {
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let (branch, indent) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        lines.push(format!("{prefix}{branch}{}", short_line(&child.entry)));
        push_children(&child.children, &format!("{prefix}{indent}"), lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_client::DrivePath;

    fn entry(path: &str, kind: NodeKind, size: Option<u64>) -> Entry {
        let path = DrivePath::parse(path).unwrap();
        Entry {
            name: path.name().unwrap_or("").to_owned(),
            path,
            kind,
            size,
            mtime: Some(0),
            media_type: None,
            blake3: None,
            id: "00112233445566778899aabbccddeeff".parse().unwrap(),
            revision: 1,
        }
    }

    #[test]
    fn sizes_read_like_ls_h() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(5 * 1024 * 1024 + 512 * 1024), "5.5 MiB");
    }

    #[test]
    fn times_are_utc_minutes() {
        assert_eq!(format_time(Some(0)), "1970-01-01 00:00");
        assert_eq!(format_time(Some(1_700_000_000_000)), "2023-11-14 22:13");
        assert_eq!(format_time(None), "-");
    }

    #[test]
    fn long_lines_and_trees() {
        let file = entry("/d/a.txt", NodeKind::File, Some(2048));
        assert_eq!(long_line(&file), "-    2.0 KiB  1970-01-01 00:00  a.txt");
        let tree = TreeEntry {
            entry: entry("/d", NodeKind::Folder, None),
            children: vec![
                TreeEntry {
                    entry: entry("/d/s", NodeKind::Folder, None),
                    children: vec![TreeEntry {
                        entry: entry("/d/s/b", NodeKind::File, Some(1)),
                        children: vec![],
                    }],
                },
                TreeEntry {
                    entry: file,
                    children: vec![],
                },
            ],
        };
        assert_eq!(
            tree_lines(&tree),
            ["/d", "├── s/", "│   └── b", "└── a.txt"]
        );
        let json = serde_json::to_value(JsonEntry::tree(&tree)).unwrap();
        assert_eq!(json["children"][0]["children"][0]["name"], "b");
        assert_eq!(json["children"][1]["kind"], "file");
        assert!(json["children"][1].get("children").is_none());
    }
}
