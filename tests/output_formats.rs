//! Machine-readable outputs: every `--format json` document parses back with its version and the
//! values worked out by hand; every SARIF log validates against the SARIF 2.1.0 schema (the
//! subset cvpnsim writes, tests/fixtures/sarif) and puts each finding on its line.

use std::path::Path;
use std::process::{Command, Output};

use cvpnsim::net::verdict::{Outcome, Status};
use serde_json::Value;

fn cvpnsim(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn root() -> std::path::PathBuf {
    std::env::current_dir().unwrap()
}

fn parse(out: &Output) -> Value {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(v["format_version"], 1, "{v}");
    v
}

fn sarif_schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string("tests/fixtures/sarif/sarif-2.1.0-subset.schema.json").unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::new(&schema).unwrap()
}

fn assert_sarif(v: &Value) {
    let validator = sarif_schema();
    let errors: Vec<String> = validator.iter_errors(v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{v:#}");
}

/// The guide's VPC scenario, shortened, with the single authorization rule narrowed to
/// `rule_cidr`.
fn small(dir: &Path, name: &str, rule_cidr: &str) -> String {
    let text = std::fs::read_to_string(root().join("scenarios/guide-vpc.toml"))
        .unwrap()
        .replace("duration = \"7d\"", "duration = \"1d\"")
        .replace("users = 300", "users = 20")
        .replace(
            "target_network_cidr = \"10.0.0.0/16\"",
            &format!("target_network_cidr = \"{rule_cidr}\""),
        );
    std::fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

#[test]
fn validate_json_and_sarif_name_each_problem_with_its_line() {
    let dir = root();
    let out = cvpnsim(
        &[
            "validate",
            "--format",
            "json",
            "tests/fixtures/several-problems.toml",
            "scenarios/guide-vpc.toml",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(1));
    let v = parse(&out);
    assert_eq!(v["command"], "validate");
    assert_eq!(v["valid"], false);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files[0]["status"], "invalid");
    assert_eq!(files[1]["status"], "valid");
    assert_eq!(files[1]["diagnostics"].as_array().unwrap().len(), 0);
    // `vpn_port = 1443` is line 14 of the fixture, its value from column 12.
    let port = files[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "vpn-port")
        .unwrap();
    assert_eq!(port["location"]["line"], 14);
    assert_eq!(port["location"]["column"], 12);
    assert_eq!(port["path"], "endpoint.vpn_port");
    assert_eq!(port["severity"], "error");
    assert_eq!(files[0]["errors"], 6);

    let out = cvpnsim(
        &[
            "validate",
            "--format",
            "sarif",
            "tests/fixtures/several-problems.toml",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(1));
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_sarif(&s);
    assert_eq!(s["version"], "2.1.0");
    let results = s["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    let port = results.iter().find(|r| r["ruleId"] == "vpn-port").unwrap();
    let loc = &port["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "tests/fixtures/several-problems.toml"
    );
    assert_eq!(loc["region"]["startLine"], 14);
    assert_eq!(loc["region"]["startColumn"], 12);
    assert_eq!(
        loc["region"]["endColumn"], 16,
        "the value `1443` is 4 characters"
    );
    assert_eq!(port["level"], "error");
    // the rule index points at the same rule in the driver's list
    let i = port["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(s["runs"][0]["tool"]["driver"]["rules"][i]["id"], "vpn-port");
}

#[test]
fn validate_writes_sarif_beside_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let f = small(dir.path(), "ok.toml", "10.0.0.0/16");
    let out = cvpnsim(&["validate", &f, "--sarif", "v.sarif"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok.toml: valid"));
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("v.sarif")).unwrap())
            .unwrap();
    assert_sarif(&s);
    assert_eq!(s["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn reach_json_has_every_cell_with_the_network_layers_names() {
    let dir = tempfile::tempdir().unwrap();
    // The rule covers only 10.0.0.0/17: the VPC's upper half is not authorized, app-tier
    // (10.0.16.0/20) still is.
    let f = small(dir.path(), "half.toml", "10.0.0.0/17");
    let out = cvpnsim(&["reach", &f, "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let v = parse(&out);
    assert_eq!(v["command"], "reach");
    assert_eq!(v["gap"], true);
    let cells = v["cells"].as_array().unwrap();
    // Two needs and the endpoint's DNS server (10.0.0.2), from one subnet.
    assert_eq!(
        cells.len(),
        3,
        "one population × (two needs + DNS) × one subnet"
    );
    assert_eq!(cells[0]["network"], "vpc-0a1b2c3d");
    assert_eq!(cells[0]["status"], Status::Partial.name());
    assert_eq!(cells[0]["reason"], Outcome::NotAuthorized.name());
    assert_eq!(cells[0]["failing_addresses"], 32768);
    assert_eq!(
        cells[0]["failing_cidrs"],
        serde_json::json!(["10.0.128.0/17"])
    );
    assert_eq!(cells[1]["network"], "app-tier");
    assert_eq!(cells[1]["status"], Status::Reachable.name());
    assert_eq!(cells[2]["network"], cvpnsim::net::DNS_TARGET);
    assert_eq!(cells[2]["status"], Status::Reachable.name());

    let out = cvpnsim(
        &[
            "reach",
            &f,
            "--from",
            "engineers",
            "--to",
            "10.0.200.1",
            "--format",
            "json",
        ],
        dir.path(),
    );
    let v = parse(&out);
    let t = &v["traces"][0];
    assert_eq!(t["outcome"], Outcome::NotAuthorized.name());
    assert_eq!(t["association"], "subnet-0e1f2a3b");
    assert_eq!(t["gap"], true);
}

#[test]
fn diff_json_names_the_regression() {
    let dir = tempfile::tempdir().unwrap();
    let old = small(dir.path(), "old.toml", "10.0.0.0/16");
    let new = small(dir.path(), "new.toml", "10.0.0.0/17");
    let out = cvpnsim(&["diff", &old, &new, "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let v = parse(&out);
    assert_eq!(v["command"], "diff");
    assert_eq!(v["regression"], true);
    assert_eq!(v["compared"], 3, "two needs and the DNS server");
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "app-tier keeps its verdict");
    let c = &changes[0];
    assert_eq!(c["network"], "vpc-0a1b2c3d");
    assert_eq!(c["old"]["status"], Status::Reachable.name());
    assert_eq!(c["new"]["status"], Status::Partial.name());
    assert_eq!(c["new"]["reason"], Outcome::NotAuthorized.name());
    assert_eq!(
        c["newly_failing_cidrs"],
        serde_json::json!(["10.0.128.0/17"])
    );

    let out = cvpnsim(&["diff", &old, &old, "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let v = parse(&out);
    assert_eq!(v["changes"].as_array().unwrap().len(), 0);
}

#[test]
fn plan_json_is_versioned_and_both_spellings_agree() {
    let dir = root();
    let a = cvpnsim(&["plan", "--connections", "5000", "--format", "json"], &dir);
    let b = cvpnsim(&["plan", "--connections", "5000", "--json"], &dir);
    assert_eq!(a.stdout, b.stdout);
    let v = parse(&a);
    assert_eq!(v["command"], "plan");
    // 5,000 × 2 = 10,000 addresses → /18 (16,384); two associations for redundancy.
    assert_eq!(v["client_cidr_prefix"], 18);
    assert_eq!(v["associations"], 2);
}

#[test]
fn check_json_and_sarif_locate_the_failed_assertion() {
    let dir = tempfile::tempdir().unwrap();
    let f = small(dir.path(), "s.toml", "10.0.0.0/16");
    // 20 users on a /22 (512 usable addresses) keep at least 1 − 20/512 = 96.1 % free: the
    // 99 % headroom asked on line 3 fails, the rest holds.
    std::fs::write(
        dir.path().join("e.toml"),
        "replicas = 1\nmax_blocking_probability = 0.5\nmin_address_headroom = 0.99\n\n[[reachable]]\npopulation = \"engineers\"\nnetwork = \"app-tier\"\n",
    )
    .unwrap();
    let out = cvpnsim(
        &[
            "check", &f, "--expect", "e.toml", "--format", "json", "--sarif", "c.sarif",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v = parse(&out);
    assert_eq!(v["command"], "check");
    assert_eq!(v["passed"], false);
    let a = v["assertions"].as_array().unwrap();
    let names: Vec<&str> = a.iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "max_blocking_probability",
            "min_address_headroom",
            "reachable.engineers.app-tier"
        ]
    );
    let passed: Vec<bool> = a.iter().map(|x| x["passed"].as_bool().unwrap()).collect();
    assert_eq!(passed, [true, false, true]);

    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("c.sarif")).unwrap())
            .unwrap();
    assert_sarif(&s);
    let results = s["runs"][0]["results"].as_array().unwrap();
    let failed: Vec<&Value> = results.iter().filter(|r| r["level"] == "error").collect();
    assert_eq!(failed.len(), 1);
    let loc = &failed[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "e.toml");
    assert_eq!(loc["region"]["startLine"], 3);
    // the passing reachable entry is located at its [[reachable]] table (line 5 or 6)
    let reach = results.iter().find(|r| r["ruleId"] == "reachable").unwrap();
    assert_eq!(reach["kind"], "pass");
    let line = reach["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap();
    assert!((5..=6).contains(&line), "{line}");
}

#[test]
fn sweep_json_summary_has_each_variant() {
    let dir = tempfile::tempdir().unwrap();
    let f = small(dir.path(), "s.toml", "10.0.0.0/16");
    let out = cvpnsim(
        &[
            "sweep",
            &f,
            "--vary",
            "endpoint.session_timeout_hours=8,12",
            "--replicas",
            "2",
            "--out",
            "sw",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = parse(&out);
    assert_eq!(v["command"], "sweep");
    assert_eq!(v["runs"], 4);
    let variants = v["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert_eq!(
        variants[1]["settings"]["endpoint.session_timeout_hours"],
        "12"
    );
    let peak = &variants[0]["figures"]["addresses_peak"];
    assert_eq!(peak["n"], 2);
    // at most the 20 users hold an address each
    let mean = peak["mean"].as_f64().unwrap();
    assert!(mean > 0.0 && mean <= 20.0, "{mean}");
    // the rows written to the folder are the same runs
    assert!(dir.path().join("sw/sweep.csv").exists());
}

/// Where a text first has `needle` after `from`: 1-based line and column.
fn line_col_of(text: &str, from: usize, needle: &str) -> (usize, usize) {
    let at = from + text[from..].find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn import_sarif_locates_findings_in_the_plan_and_problems_in_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let plan =
        std::fs::read_to_string("tests/fixtures/terraform/idioms/foreach-resource.json").unwrap();
    std::fs::write(dir.path().join("plan.json"), &plan).unwrap();
    let out = cvpnsim(
        &[
            "import",
            "terraform",
            "plan.json",
            "-o",
            "s.toml",
            "--sarif",
            "i.sarif",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("i.sarif")).unwrap())
            .unwrap();
    assert_sarif(&s);
    // The note on association ["b"]: at `true` of its `after_unknown.subnet_id` in
    // resource_changes (the second time its address appears; planned_values is first).
    let addr = "\"address\": \"aws_ec2_client_vpn_network_association.this[\\\"b\\\"]\"";
    let first = plan.find(addr).unwrap();
    let second = first + 1 + plan[first + 1..].find(addr).unwrap();
    // the value `true` is 13 characters after the key's opening quote
    let (line, key_col) = line_col_of(&plan, second, "\"subnet_id\": true");
    let col = key_col + "\"subnet_id\": ".len();
    let results = s["runs"][0]["results"].as_array().unwrap();
    let note = results
        .iter()
        .find(|r| {
            r["level"] == "note"
                && r["message"]["text"]
                    .as_str()
                    .unwrap()
                    .contains("this[\"b\"].subnet_id")
        })
        .unwrap();
    let loc = &note["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "plan.json");
    assert_eq!(loc["region"]["startLine"], line);
    assert_eq!(loc["region"]["startColumn"], col);
    // the one value left out is a warning
    let warnings: Vec<_> = results.iter().filter(|r| r["level"] == "warning").collect();
    assert_eq!(warnings.len(), 1);
}
