//! Composition: `include = [...]` overlays other scenario files under the including one (the
//! last file to write a top-level key wins), and every diagnostic names the file and line its
//! value came from.

use std::path::Path;
use std::process::Command;

use cvpnsim::scenario::{load_file, load_str};

/// guide-vpc.toml split in two: the configuration (everything before its population, with a
/// placeholder population as an import writes) and the people (its population).
fn split(dir: &Path) -> String {
    let text = std::fs::read_to_string("scenarios/guide-vpc.toml").unwrap();
    let at = text.find("[[population]]").unwrap();
    let config = format!(
        "{}[[population]]\nname = \"edit-me\"\nusers = 1\nworkday = {{ start = \"09:00\", length = \"8h\" }}\nneeds = [\"vpc-0a1b2c3d\"]\n",
        &text[..at]
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
    std::fs::create_dir_all(dir.join("people")).unwrap();
    std::fs::write(dir.join("people/people.toml"), &text[at..]).unwrap();
    text
}

#[test]
fn an_overlay_takes_the_configuration_from_one_file_and_the_people_from_another() {
    let dir = tempfile::tempdir().unwrap();
    let whole = split(dir.path());
    // The including file keeps the people and includes the imported configuration.
    std::fs::write(
        dir.path().join("people/ci.toml"),
        "include = [\"../config.toml\", \"people.toml\"]\n",
    )
    .unwrap();
    let got = load_file(&dir.path().join("people/ci.toml")).unwrap_or_else(|e| panic!("{e}"));
    let want = load_str("guide-vpc.toml", &whole).unwrap();
    // people.toml's population replaced the configuration's placeholder, whole.
    assert_eq!(got.scenario, want.scenario);
    assert_eq!(got.scenario.populations.len(), 1);
    assert_eq!(got.scenario.populations[0].name, "engineers");
}

#[test]
fn the_including_file_wins_over_what_it_includes() {
    let dir = tempfile::tempdir().unwrap();
    split(dir.path());
    std::fs::write(
        dir.path().join("ci.toml"),
        "include = [\"config.toml\", \"people/people.toml\"]\nname = \"ci\"\nduration = \"1d\"\n",
    )
    .unwrap();
    let s = load_file(&dir.path().join("ci.toml")).unwrap().scenario;
    assert_eq!(s.name, "ci");
    assert_eq!(s.duration, 24 * 3_600_000);
    assert_eq!(
        s.endpoint.description.as_deref(),
        Some("Engineering access to the production VPC"),
        "from config.toml"
    );
}

#[test]
fn an_error_in_an_included_file_points_into_that_file() {
    let dir = tempfile::tempdir().unwrap();
    split(dir.path());
    let people = dir.path().join("people/people.toml");
    let text = std::fs::read_to_string(&people)
        .unwrap()
        .replace("users = 300", "users = -5");
    std::fs::write(&people, text).unwrap();
    std::fs::write(
        dir.path().join("ci.toml"),
        "# CI: the imported configuration with the maintained people\ninclude = [\"config.toml\", \"people/people.toml\"]\n",
    )
    .unwrap();
    let err = load_file(&dir.path().join("ci.toml")).unwrap_err();
    let shown = err.to_string();
    // people.toml: `[[population]]` is line 1, `users = -5` line 3, the value at column 9.
    let expected = format!("{}:3:9", dir.path().join("people/people.toml").display());
    assert!(shown.contains(&expected), "{shown}");
    assert!(shown.contains("3 | users = -5"), "{shown}");

    // The same location in JSON and SARIF.
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(["validate", "--format", "json", "ci.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["files"][0]["diagnostics"][0];
    assert_eq!(d["location"]["file"], "people/people.toml");
    assert_eq!(d["location"]["line"], 3);
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(["validate", "--format", "sarif", "ci.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "people/people.toml");
    assert_eq!(loc["region"]["startLine"], 3);
}

#[test]
fn an_unreadable_or_nested_include_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    split(dir.path());
    std::fs::write(
        dir.path().join("ci.toml"),
        "include = [\"config.toml\", \"nobody.toml\"]\n",
    )
    .unwrap();
    let err = load_file(&dir.path().join("ci.toml")).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(d.rule, "include");
    assert!(err.to_string().contains("ci.toml:1:27"), "{err}");
    assert!(d.message.contains("cannot read included file"));

    std::fs::write(
        dir.path().join("inner.toml"),
        "include = [\"config.toml\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ci.toml"), "include = [\"inner.toml\"]\n").unwrap();
    let err = load_file(&dir.path().join("ci.toml")).unwrap_err();
    assert_eq!(err.diagnostics()[0].rule, "include");
    assert!(err.to_string().contains("inner.toml:1:1"), "{err}");

    // Text not read from a file has no folder to include from.
    let err = load_str("x.toml", "include = [\"a.toml\"]\n").unwrap_err();
    assert_eq!(err.diagnostics()[0].rule, "include");
}

/// sweep and plan --from read an including scenario like the other commands.
#[test]
fn sweep_and_plan_read_the_included_files() {
    let dir = tempfile::tempdir().unwrap();
    split(dir.path());
    std::fs::write(
        dir.path().join("ci.toml"),
        "include = [\"config.toml\", \"people/people.toml\"]\nduration = \"2h\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run(&[
        "sweep",
        "ci.toml",
        "--vary",
        "endpoint.session_timeout_hours=8,12",
        "--out",
        "sw",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scenario"], "guide-vpc");
    assert_eq!(v["runs"], 2);
    // guide-vpc has one association; a plan for 100 connections wants two (two AZs), which
    // plan --from can say only after reading the included configuration.
    let out = run(&["plan", "--connections", "100", "--from", "ci.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("declares 1 association(s); the plan needs 2"),
        "{err}"
    );
}
