//! The layering ARCHITECTURE.md states, read from the sources: the pure layers do no I/O and
//! never read the clock or the environment; the command-line types stay in the command layer;
//! studies and commands vary a scenario only through edits of its tree, never by changing a
//! checked model's events.

use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn files(paths: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for p in paths {
        let p = root.join(p);
        if p.is_dir() {
            sources(&p, &mut out);
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Every (file, line) of `paths` that holds one of `words`, outside comments and test modules
/// (a file's `#[cfg(test)]` module comes last).
fn uses(paths: &[&str], words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files(paths) {
        let text = fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let code = line.split("//").next().unwrap_or("");
            for w in words {
                if code.contains(w) {
                    found.push(format!("{}:{}: {w}", f.display(), i + 1));
                }
            }
        }
    }
    found
}

#[test]
fn the_pure_layers_do_no_io_and_read_no_clock_or_environment() {
    let found = uses(
        &[
            "src/sim",
            "src/net",
            "src/model",
            "src/model.rs",
            "src/dist.rs",
        ],
        &[
            "std::fs",
            "std::env",
            "std::io::stdin",
            "SystemTime",
            "Instant::now",
            "println!",
            "eprintln!",
            "print!(",
            "thread_rng",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn command_line_types_stay_in_the_command_layer() {
    let mut below = files(&["src"]);
    below.retain(|p| {
        let s = p.to_string_lossy();
        !(s.contains("/src/app/") || s.ends_with("/src/cli.rs") || s.ends_with("/src/main.rs"))
    });
    let below: Vec<String> = below
        .iter()
        .map(|p| {
            p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap()
                .to_string_lossy()
                .trim_start_matches('/')
                .to_string()
        })
        .collect();
    let refs: Vec<&str> = below.iter().map(String::as_str).collect();
    let found = uses(&refs, &["crate::cli", "clap::"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn studies_and_commands_change_no_checked_scenario_events() {
    // A variant is an edit of the scenario's tree checked by the loader (study::grid), not an
    // event pushed into a model::Scenario.
    let found = uses(
        &["src/study", "src/app", "src/plan.rs", "src/check"],
        &[
            ".events.push(",
            "EventKind::AzOutage {",
            "outcome_thresholds.extend",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}
