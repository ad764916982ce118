//! One vocabulary for verdicts in every output (`cvpnsim::net::vocabulary`): the terminal
//! matrix, the decision path of `reach --from --to`, the matrix CSV, `summary.json`,
//! `reachability.csv`, `report.html`, the reachability heatmap, `check` (text and JUnit) and
//! `diff`. One scenario produces every kind of verdict; each output is read back and every
//! status or reason word in it must be one of the vocabulary's, and the retired word
//! `delivered` appears nowhere.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use cvpnsim::net::{vocabulary, Matrix, Outcome, Status};

/// Split tunnel, two subnets. on-prem has no route (`not-routed-into-tunnel`); the partner
/// network is routed on subnet-a only (`no-route-on-landing-subnet` from subnet-b); a SaaS
/// range is public (`bypasses-vpn`); the client LAN overlaps the VPC (`lan-overlap`); one DNS
/// server is routed on subnet-a only (`dns-unreachable`).
const SCENARIO: &str = r#"name = "vocabulary"
duration = "1d"
start_weekday = "mon"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["federated"]
vpc_id = "vpc-main"
split_tunnel = true
dns_servers = ["172.31.0.2", "10.60.0.2"]

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
destination_cidr_block = "10.60.0.0/16"
target_vpc_subnet_id = "subnet-a"

[[authorization_rule]]
target_network_cidr = "172.31.0.0/16"
authorize_all_groups = true

[[authorization_rule]]
target_network_cidr = "10.50.0.0/16"
authorize_all_groups = true

[[authorization_rule]]
target_network_cidr = "10.60.0.0/16"
authorize_all_groups = true

[[network]]
name = "on-prem"
cidr_blocks = ["10.50.0.0/16"]

[[network]]
name = "partner"
cidr_blocks = ["10.60.0.0/16"]

[[network]]
name = "saas"
cidr_blocks = ["52.10.0.0/16"]
public = true

[[population]]
name = "staff"
users = 20
lan_cidr = "172.31.40.0/24"
workday = { start = "09:00", length = "8h", days = "all" }
needs = ["vpc-main", "on-prem", "partner", "saas"]
"#;

fn cvpnsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Every word of `field` is in the vocabulary (`partial X` has two).
fn assert_words(what: &str, field: &str) {
    let words = vocabulary();
    for w in field.split_whitespace() {
        assert!(
            words.contains(&w),
            "{what}: `{w}` (in `{field}`) is not in the verdict vocabulary {words:?}"
        );
    }
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

fn csv_column(csv: &str, column: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let i = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    r.records().map(|x| x.unwrap()[i].to_string()).collect()
}

#[test]
fn the_vocabulary_is_defined_once_and_covers_every_reason() {
    let words = vocabulary();
    for s in Status::ALL {
        assert!(words.contains(&s.name()));
    }
    for o in Outcome::ALL {
        assert!(words.contains(&o.name()));
        assert_eq!(Outcome::from_name(o.name()), Some(o));
    }
    assert_eq!(
        words,
        vec![
            "reachable",
            "bypasses-vpn",
            "partial",
            "unreachable",
            "not-routed-into-tunnel",
            "lan-overlap",
            "lan-redirected",
            "not-authorized",
            "shadowed-by-longer-prefix",
            "no-route-on-landing-subnet",
            "no-route-in-vpc",
            "blackhole-route",
            "nacl-denied",
            "security-group",
            "nacl-return-denied",
            "no-return-route",
            "dns-unreachable",
        ]
    );
}

#[test]
fn every_output_speaks_the_one_vocabulary() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = write(dir.path(), "s.toml", SCENARIO);
    let mut seen: Vec<String> = Vec::new();

    // The terminal matrix: STATUS and REASON columns. `--check` fails on the gaps.
    let o = cvpnsim(&["reach", &file, "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let table = text(&o);
    for line in table.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 5 || line.contains("verdict(s)") {
            continue;
        }
        assert_words("reach table status", cols[3]);
        assert_words("reach table reason", cols[4]);
        seen.push(cols[4].to_string());
    }
    // The matrix CSV.
    let csv = text(&cvpnsim(&["reach", &file, "--csv"]));
    for col in ["status", "reason"] {
        for v in csv_column(&csv, col) {
            assert_words("reach --csv", &v);
        }
    }
    // Every reason this scenario was built to show, in the matrix.
    for want in [
        "reachable",
        "bypasses-vpn",
        "not-routed-into-tunnel",
        "lan-overlap",
        "no-route-on-landing-subnet",
        "dns-unreachable",
    ] {
        assert!(
            seen.iter().any(|s| s == want),
            "{want} missing from\n{table}"
        );
    }
    // The decision path: the verdict line and the hops' conclusions.
    for to in [
        "172.31.1.1",
        "10.50.0.1",
        "52.10.0.1",
        "172.31.40.9",
        "10.60.0.1",
    ] {
        let trace = text(&cvpnsim(&["reach", &file, "--from", "staff", "--to", to]));
        for line in trace.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("verdict: ") {
                assert_words("trace verdict", rest.split(" (").next().unwrap());
            }
            // A hop's conclusion ends its line (`… -> not-authorized`); route labels also use
            // `->` for their target, inside parentheses, and name a subnet or `local`.
            if let Some((_, word)) = line.rsplit_once(" -> ") {
                let route_target = word.ends_with(')') || word.starts_with("subnet-");
                if !route_target && word != "local" {
                    assert_words("trace hop", word);
                }
            }
        }
        assert!(!trace.contains("delivered"), "{trace}");
    }

    // A run: summary.json, reachability.csv, report.html.
    let out = dir.path().join("out");
    let o = cvpnsim(&["run", &file, "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let gaps = summary["reachability_gaps"].as_array().unwrap();
    assert!(gaps.len() >= 4, "{gaps:?}");
    for g in gaps {
        assert_words("summary.json", g["reason"].as_str().unwrap());
    }
    // The gaps this scenario has, each with the addresses it loses.
    let gap = |network: &str| {
        gaps.iter()
            .find(|g| g["network"] == network)
            .unwrap_or_else(|| panic!("no {network} gap in {gaps:?}"))
    };
    assert_eq!(gap("on-prem")["reason"], "not-routed-into-tunnel");
    assert_eq!(gap("on-prem")["lost_cidrs"][0], "10.50.0.0/16");
    assert_eq!(gap("on-prem")["share"], 1.0);
    assert_eq!(gap("vpc-main")["reason"], "lan-overlap");
    assert_eq!(gap("vpc-main")["lost_cidrs"][0], "172.31.40.0/24");
    assert_eq!(gap("vpc-main")["address_share"], 1.0 / 256.0);
    assert_eq!(gap("partner")["reason"], "no-route-on-landing-subnet");
    assert_eq!(gap("dns-servers")["reason"], "dns-unreachable");
    assert_eq!(gap("dns-servers")["lost_cidrs"][0], "10.60.0.2/32");
    assert!(gaps.iter().all(|g| g["network"] != "saas"), "{gaps:?}");
    let rcsv = fs::read_to_string(out.join("reachability.csv")).unwrap();
    for v in csv_column(&rcsv, "reason") {
        assert_words("reachability.csv", &v);
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<td><code>not-routed-into-tunnel</code></td>"));
    assert!(html.contains("<td>172.31.40.0/24 (0.39 % of the network)</td>"));
    for piece in html.split("<td><code>").skip(1) {
        assert_words("report.html", piece.split("</code>").next().unwrap());
    }
    for name in ["summary.json", "reachability.csv", "report.html"] {
        let body = fs::read_to_string(out.join(name)).unwrap();
        assert!(!body.contains("delivered"), "{name}");
    }

    // The heatmap's categories.
    let s = cvpnsim::scenario::load_str("s.toml", SCENARIO)
        .unwrap()
        .scenario;
    let heat = cvpnsim::report::plots::reachability(&s, &Matrix::all_live(&s));
    for c in &heat.categories {
        assert_words("heatmap", c);
    }
    assert!(
        heat.categories.iter().any(|c| c == "partial lan-overlap"),
        "{:?}",
        heat.categories
    );

    // check: text and JUnit.
    let expect = write(
        dir.path(),
        "e.toml",
        "[[reachable]]\npopulation = \"staff\"\nnetwork = \"on-prem\"\n\n[[reachable]]\npopulation = \"staff\"\nnetwork = \"saas\"\n\n[[reachable]]\npopulation = \"staff\"\nnetwork = \"dns-servers\"\n",
    );
    let junit = dir.path().join("j.xml");
    let o = cvpnsim(&[
        "check",
        &file,
        "--expect",
        &expect,
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let report = text(&o);
    for line in report.lines().filter(|l| l.contains("measured ")) {
        let m = line.split("measured ").nth(1).unwrap();
        assert_words("check", m.split(" from ").next().unwrap());
    }
    assert!(
        report.contains("PASS reachable.staff.saas: measured bypasses-vpn from every association"),
        "{report}"
    );
    assert!(
        report.contains(
            "FAIL reachable.staff.on-prem: measured not-routed-into-tunnel from subnet-a, subnet-b"
        ),
        "{report}"
    );
    assert!(
        report.contains("FAIL reachable.staff.dns-servers: measured dns-unreachable from subnet-b"),
        "{report}"
    );
    let xml = fs::read_to_string(&junit).unwrap();
    for piece in xml.split("message=\"measured ").skip(1) {
        assert_words("junit", piece.split(" from ").next().unwrap());
    }

    // diff: the on-prem route added turns a gap into `reachable`.
    let fixed = SCENARIO.replace(
        "[[authorization_rule]]\ntarget_network_cidr = \"172.31.0.0/16\"",
        "[[route]]\ndestination_cidr_block = \"10.50.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-a\"\n\n[[route]]\ndestination_cidr_block = \"10.50.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-b\"\n\n[[authorization_rule]]\ntarget_network_cidr = \"172.31.0.0/16\"",
    );
    let fixed = write(dir.path(), "fixed.toml", &fixed);
    let d = text(&cvpnsim(&["diff", &file, &fixed]));
    let mut sides = 0;
    for line in d.lines() {
        if let Some(rest) = line
            .trim_start()
            .strip_prefix("old: ")
            .or(line.trim_start().strip_prefix("new: "))
        {
            let head = rest.split(" by ").next().unwrap();
            assert_words("diff", &head.replace(['(', ')'], ""));
            sides += 1;
        }
    }
    assert!(sides >= 4, "{d}");
    assert!(
        d.contains("old: unreachable (not-routed-into-tunnel)"),
        "{d}"
    );
    assert!(d.contains("new: reachable by"), "{d}");
}
