//! `cvpnsim run` as a user runs it: files written, exit codes, no silent overwrite.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const SCENARIO: &str = concat!("\nname = \"cli-run\"\n", one_association!());

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
    for f in [
        "summary.json",
        "timeseries.csv",
        "metrics.csv",
        "reachability.csv",
        "report.html",
        "charts/connections.png",
        "charts/refusals.svg",
    ] {
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

/// docs/model.md §5 and §8: a route that only one landing subnet has makes the network intermittently
/// unreachable; `run` weighs the gap by the client time spent on the other subnet.
#[test]
fn run_weighs_reachability_gaps_by_client_time() {
    let scenario = r#"
name = "gap"
duration = "1d"

[endpoint]
client_cidr_block = "10.100.0.0/20"
authentication = ["active-directory"]
vpc_id = "vpc-main"
split_tunnel = true

[[vpc]]
id = "vpc-main"
cidr_blocks = ["172.31.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-main"
cidr_block = "172.31.0.0/20"
availability_zone = "us-east-1a"

[[subnet]]
id = "subnet-b"
vpc_id = "vpc-main"
cidr_block = "172.31.16.0/20"
availability_zone = "us-east-1b"

[[association]]
subnet_id = "subnet-a"

[[association]]
subnet_id = "subnet-b"

[[route]]
destination_cidr_block = "192.168.0.0/16"
target_vpc_subnet_id = "subnet-a"

[[authorization_rule]]
target_network_cidr = "192.168.0.0/16"
authorize_all_groups = true

[[network]]
name = "on-prem"
cidr_blocks = ["192.168.0.0/16"]

[[population]]
name = "staff"
users = 400
workday = { start = "09:00", length = "8h", days = "all" }
needs = ["on-prem"]
"#;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("gap.toml"), scenario).unwrap();
    let out = cvpnsim(&["run", "gap.toml"], dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[critical] staff cannot reach on-prem"),
        "{stdout}"
    );
    assert!(
        stdout.contains("landed on subnet-b (no-route-on-landing-subnet)"),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("results/gap/summary.json")).unwrap()).unwrap();
    let gaps = summary["reachability_gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        gaps[0]["failing_associations"],
        serde_json::json!(["subnet-b"])
    );
    assert_eq!(gaps[0]["reason"], "no-route-on-landing-subnet");
    // Landing is uniform over two subnets: about half the client time is on subnet-b.
    let share = gaps[0]["share"].as_f64().unwrap();
    assert!((share - 0.5).abs() < 0.1, "{share}");
    let b_hours = summary["associations"][1]["connected_hours"]
        .as_f64()
        .unwrap();
    assert!((gaps[0]["failing_client_hours"].as_f64().unwrap() - b_hours).abs() < 1e-6);
    let csv = fs::read_to_string(dir.join("results/gap/reachability.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

/// Every file under `dir`, relative and sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            v.extend(
                listing(&e.path())
                    .into_iter()
                    .map(|n| format!("{name}/{n}")),
            );
        } else {
            v.push(name);
        }
    }
    v.sort();
    v
}

#[test]
fn users_choose_the_outputs_and_the_files_written_stay_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("s.toml"), SCENARIO).unwrap();
    let run = |out: &str, flags: &[&str]| {
        let mut args = vec!["run", "s.toml", "-q", "--out", out];
        args.extend(flags);
        let o = cvpnsim(&args, dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        listing(&dir.join(out))
    };
    let all = run("all", &[]);
    assert!(all.contains(&"report.html".to_string()));
    assert!(all.contains(&"charts/connections.png".to_string()));

    let no_charts = run("no-charts", &["--no-charts"]);
    assert!(no_charts.iter().all(|f| !f.starts_with("charts/")));
    assert!(no_charts.contains(&"report.html".to_string()));
    assert_eq!(
        fs::read(dir.join("no-charts/report.html")).unwrap(),
        fs::read(dir.join("all/report.html")).unwrap(),
        "the report embeds the same figures"
    );

    let no_report = run("no-report", &["--no-report"]);
    assert!(!no_report.contains(&"report.html".to_string()));
    assert!(no_report.contains(&"charts/connections.svg".to_string()));

    let neither = run("neither", &["--no-charts", "--no-report"]);
    assert_eq!(
        neither,
        [
            ".cvpnsim-results",
            "metrics.csv",
            "reachability.csv",
            "summary.json",
            "timeseries.csv"
        ]
    );
    let summary = run("summary", &["--summary-only"]);
    assert_eq!(summary, [".cvpnsim-results", "summary.json"]);
    // What is written is the same bytes whichever outputs were chosen.
    for (folder, name) in [
        ("neither", "timeseries.csv"),
        ("neither", "metrics.csv"),
        ("summary", "summary.json"),
        ("no-report", "charts/connections.svg"),
    ] {
        assert_eq!(
            fs::read(dir.join(folder).join(name)).unwrap(),
            fs::read(dir.join("all").join(name)).unwrap(),
            "{folder}/{name}"
        );
    }
    // --summary-only and --connection-log ask for opposite things.
    let o = cvpnsim(
        &["run", "s.toml", "-q", "--summary-only", "--connection-log"],
        dir,
    );
    assert_eq!(o.status.code(), Some(2));
}
