//! The house's standing rules, checked on the source tree: arrows point one way
//! (`api → store → db`, `api/store → domain`) and every file is a room a reader holds.

use std::path::{Path, PathBuf};

/// Every `.rs` file under a folder of `src/`.
fn sources(folder: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(folder),
        &mut out,
    );
    assert!(!out.is_empty(), "no sources under src/{folder}");
    out
}

/// The lines of the files under `folder` that name any of `words`, as `file:line: text`.
fn naming(folder: &str, words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in sources(folder) {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            if words.iter().any(|w| line.contains(w)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_store_and_the_domain_never_name_the_api() {
    let up = [
        naming("store", &["crate::api"]),
        naming("domain", &["crate::api"]),
    ]
    .concat();
    assert!(up.is_empty(), "arrows point one way:\n{}", up.join("\n"));
}

#[test]
fn the_domain_knows_neither_actix_nor_diesel() {
    let found = naming("domain", &["actix", "diesel"]);
    assert!(
        found.is_empty(),
        "the domain is pure rules:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_is_over_700_lines() {
    let big: Vec<String> = sources("")
        .into_iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(&file).ok()?.lines().count();
            (lines > 700).then(|| format!("{}: {lines} lines", file.display()))
        })
        .collect();
    assert!(
        big.is_empty(),
        "split these by concern:\n{}",
        big.join("\n")
    );
}
