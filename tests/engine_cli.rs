//! `cvpnsim run` as a user runs it: files written, exit codes, no silent overwrite.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const SCENARIO: &str = r#"
name = "cli-run"
duration = "1d"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["active-directory"]
vpc_id = "vpc-main"

[[vpc]]
id = "vpc-main"
cidr_blocks = ["172.31.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-main"
cidr_block = "172.31.0.0/20"
availability_zone = "us-east-1a"

[[association]]
subnet_id = "subnet-a"

[[population]]
name = "staff"
users = 600
workday = { start = "09:00", length = "8h", days = "all" }
retry = { initial = "5s", multiplier = 2.0, max = "1m", jitter = 0.0, give_up_after = 3 }
"#;

fn cvpnsim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

#[test]
fn run_writes_results_and_guards_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("s.toml"), SCENARIO).unwrap();

    let out = cvpnsim(&["run", "s.toml"], dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // A /22 has 512 usable addresses: 88 of 600 users are refused three times each.
    assert!(
        stdout.contains("client-cidr-exhausted") && stdout.contains("264"),
        "{stdout}"
    );
    for f in ["summary.json", "timeseries.csv", "metrics.csv"] {
        assert!(dir.join("results/cli-run").join(f).exists(), "{f}");
    }
    assert!(!dir.join("results/cli-run/connection-log.jsonl").exists());
    let first = fs::read(dir.join("results/cli-run/summary.json")).unwrap();

    // Same scenario again: allowed, same bytes.
    assert!(cvpnsim(&["run", "s.toml", "-q", "--connection-log"], dir)
        .status
        .success());
    assert_eq!(
        fs::read(dir.join("results/cli-run/summary.json")).unwrap(),
        first
    );
    assert!(dir.join("results/cli-run/connection-log.jsonl").exists());

    // Another seed is another scenario: refused without --force.
    let out = cvpnsim(&["run", "s.toml", "--seed", "5"], dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(
        fs::read(dir.join("results/cli-run/summary.json")).unwrap(),
        first
    );
    assert!(
        cvpnsim(&["run", "s.toml", "--seed", "5", "--force", "-q"], dir)
            .status
            .success()
    );
    assert_ne!(
        fs::read(dir.join("results/cli-run/summary.json")).unwrap(),
        first
    );

    // --out chooses the folder.
    assert!(cvpnsim(&["run", "s.toml", "-q", "--out", "elsewhere"], dir)
        .status
        .success());
    assert!(dir.join("elsewhere/summary.json").exists());
}

#[test]
fn run_reports_invalid_and_unreadable_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(
        dir.join("bad.toml"),
        SCENARIO.replace("10.100.0.0/22", "10.100.0.0/24"),
    )
    .unwrap();
    let out = cvpnsim(&["run", "bad.toml"], dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("client-cidr-size"));
    assert!(
        !dir.join("results").exists(),
        "nothing written for an invalid scenario"
    );
    assert_eq!(
        cvpnsim(&["run", "missing.toml"], dir).status.code(),
        Some(2)
    );
}
