//! Byte-identity guard: every file `cvpnsim run` writes for every bundled scenario (default
//! seed) is hashed and compared with `tests/fixtures/digests.txt`. An optimisation must leave
//! every byte as it was; a change meant to alter outputs regenerates the digests with
//! `CVPNSIM_UPDATE_DIGESTS=1 cargo test --test tests digests` and says why in its commit.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const FIXTURE: &str = "tests/fixtures/digests.txt";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled scenarios: `scenarios/*.toml` and `*.json`, not the `*.expect.toml` files.
fn scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            (n.ends_with(".toml") && !n.ends_with(".expect.toml")) || n.ends_with(".json")
        })
        .collect();
    v.sort();
    v
}

/// Every file under `dir`, by path relative to it (`/`-separated), in sorted order.
fn files(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.file_type().unwrap().is_dir() {
            files(&e.path(), &format!("{name}/"), out);
        } else {
            out.push((name, e.path()));
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `scenario/file` → sha256 of every output of every bundled scenario.
fn digests() -> BTreeMap<String, String> {
    let tmp = tempfile::tempdir().unwrap();
    let runs: Vec<_> = scenarios()
        .into_iter()
        .map(|sc| {
            let name = sc.file_name().unwrap().to_string_lossy().into_owned();
            let out = tmp.path().join(&name);
            let child = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
                .arg("run")
                .arg(&sc)
                .arg("--out")
                .arg(&out)
                .arg("--quiet")
                .current_dir(tmp.path())
                .output();
            (name, out, child)
        })
        .collect();
    let mut all = BTreeMap::new();
    for (name, out, child) in runs {
        let child = child.unwrap();
        assert!(
            child.status.success(),
            "run {name} failed: {}",
            String::from_utf8_lossy(&child.stderr)
        );
        let mut list = Vec::new();
        files(&out, "", &mut list);
        for (rel, path) in list {
            let bytes = fs::read(&path).unwrap();
            all.insert(format!("{name}/{rel}"), hex(&Sha256::digest(&bytes)));
        }
    }
    all
}

#[test]
fn every_output_of_every_bundled_scenario_is_byte_identical_to_its_digest() {
    let got = digests();
    assert!(
        got.keys().any(|k| k.ends_with("/timeseries.csv")),
        "no scenario was run"
    );
    let text: String = got.iter().map(|(k, v)| format!("{v}  {k}\n")).collect();
    let fixture = root().join(FIXTURE);
    if std::env::var_os("CVPNSIM_UPDATE_DIGESTS").is_some_and(|v| v == "1") {
        fs::write(&fixture, &text).unwrap();
        return;
    }
    let want_text = fs::read_to_string(&fixture).unwrap_or_default();
    let want: BTreeMap<String, String> = want_text
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(h, k)| (k.to_string(), h.to_string()))
        .collect();
    let mut problems = Vec::new();
    for (k, v) in &got {
        match want.get(k) {
            None => problems.push(format!("new file {k}")),
            Some(w) if w != v => problems.push(format!("changed {k}")),
            _ => {}
        }
    }
    for k in want.keys().filter(|k| !got.contains_key(*k)) {
        problems.push(format!("no longer written {k}"));
    }
    assert!(
        problems.is_empty(),
        "outputs differ from {FIXTURE}:\n  {}\n\nIf this change is intended, regenerate the digests with\n  CVPNSIM_UPDATE_DIGESTS=1 cargo test --test tests digests\nand say in the commit why the outputs changed.",
        problems.join("\n  ")
    );
}
