//! The committed test vectors in `testdata/vectors/`, discovered by walking the folder:
//! every file must check against the implementation, and regenerating them must give exactly
//! the committed files (so generation and committed files never disagree).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use coffer_crypto::vectors::{FOLDERS, check_file, generate_all};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors")
}

/// Every file under `dir`, by relative path with `/` separators.
fn walk(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries =
            fs::read_dir(&current).unwrap_or_else(|e| panic!("{}: {e}", current.display()));
        for entry in entries {
            let path = entry.expect("readable directory entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(dir).expect("walked from dir");
            let key = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let contents = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{key}: {e}"));
            files.insert(key, contents);
        }
    }
    files
}

#[test]
fn every_committed_vector_checks() {
    let files = walk(&vectors_dir());
    for folder in FOLDERS {
        let prefix = format!("{folder}/");
        assert!(
            files
                .keys()
                .any(|p| p.starts_with(&prefix) && p.contains("/valid-")),
            "no valid vector in {folder}/"
        );
    }
    let mut failures = Vec::new();
    for (path, contents) in &files {
        assert!(path.ends_with(".json"), "unexpected non-JSON file {path}");
        if let Err(e) = check_file(path, contents) {
            failures.push(format!("{path}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn committed_vectors_equal_regenerated_ones() {
    let committed = walk(&vectors_dir());
    let generated: BTreeMap<String, String> = generate_all()
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    let mut out_of_date: Vec<&str> = generated
        .iter()
        .filter(|(path, contents)| committed.get(*path) != Some(contents))
        .map(|(path, _)| path.as_str())
        .collect();
    out_of_date.extend(
        committed
            .keys()
            .filter(|p| !generated.contains_key(*p))
            .map(String::as_str),
    );
    assert!(
        out_of_date.is_empty(),
        "vectors out of date (run `cargo run -p coffer-crypto --bin gen-vectors`): {out_of_date:?}"
    );
}
