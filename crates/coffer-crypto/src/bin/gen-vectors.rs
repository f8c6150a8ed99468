//! Writes the cross-language test vectors to `testdata/vectors/`, or checks them.
//!
//! ```text
//! cargo run -p coffer-crypto --bin gen-vectors -- [--check] [DIR]
//! ```
//!
//! `DIR` defaults to `testdata/vectors` at the workspace root. Without `--check` every vector is
//! written (files whose contents are unchanged are left alone) and stale `.json` files are
//! removed; with `--check` nothing is written and the exit status is 1 if any file is missing,
//! different or stale. Exit status 2 is a usage or I/O error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::{env, fs, io};

use coffer_crypto::vectors::generate_all;

fn main() -> ExitCode {
    let mut check = false;
    let mut dir = None;
    for arg in env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: gen-vectors [--check] [DIR]");
                return ExitCode::SUCCESS;
            }
            _ if arg.starts_with('-') || dir.is_some() => {
                eprintln!("usage: gen-vectors [--check] [DIR]");
                return ExitCode::from(2);
            }
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let dir = dir.unwrap_or_else(|| {
        let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
        default.canonicalize().unwrap_or(default)
    });
    match run(&dir, check) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(problems) => {
            eprintln!(
                "{problems} vector file(s) out of date: run `cargo run -p coffer-crypto --bin gen-vectors`"
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("gen-vectors: {}: {e}", dir.display());
            ExitCode::from(2)
        }
    }
}

/// Writes or checks every vector; returns the number of files that were (or would be) changed.
fn run(dir: &Path, check: bool) -> io::Result<usize> {
    let on_disk = read_json_files(dir)?;
    let generated: BTreeMap<String, String> = generate_all()
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    let mut problems = 0;
    for (path, contents) in &generated {
        if on_disk.get(path) == Some(contents) {
            continue;
        }
        problems += 1;
        if check {
            let what = if on_disk.contains_key(path) {
                "differs"
            } else {
                "missing"
            };
            eprintln!("{what}: {path}");
        } else {
            let file = dir.join(path);
            fs::create_dir_all(file.parent().expect("vector paths have a folder"))?;
            fs::write(&file, contents)?;
            println!("wrote {path}");
        }
    }
    for path in on_disk.keys().filter(|p| !generated.contains_key(*p)) {
        problems += 1;
        if check {
            eprintln!("stale: {path}");
        } else {
            fs::remove_file(dir.join(path))?;
            println!("removed {path}");
        }
    }
    if !check {
        println!(
            "{} vectors in {}, {problems} changed",
            generated.len(),
            dir.display()
        );
        return Ok(0);
    }
    Ok(problems)
}

/// Every `.json` file under `dir` (recursively), by path relative to `dir` with `/` separators.
fn read_json_files(dir: &Path) -> io::Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return Ok(files);
    }
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let relative = path.strip_prefix(dir).expect("walked from dir");
                let key = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                files.insert(key, fs::read_to_string(&path)?);
            }
        }
    }
    Ok(files)
}
