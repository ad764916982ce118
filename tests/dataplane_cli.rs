//! The end-to-end verdict in every command: `reach` (matrix, `--check`, the hop-by-hop trace with
//! a port), `diff`, `check` and `run`'s weighted gaps all see a drop past the endpoint (guide:
//! "Troubleshooting AWS Client VPN: Clients can't access a peered VPC, Amazon S3, or the
//! internet", step 3: the associated subnet's route table has no default route).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BASE: &str = include_str!("fixtures/dataplane/troubleshooting.toml");
const DEFAULT_ROUTE: &str =
    "  { destination_cidr_block = \"0.0.0.0/0\", gateway_id = \"igw-a\" },\n";

fn cvpnsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

struct Case {
    _dir: tempfile::TempDir,
    base: PathBuf,
    broken: PathBuf,
    dir: PathBuf,
}

fn case() -> Case {
    let dir = tempfile::TempDir::new().unwrap();
    let base = write(dir.path(), "base.toml", BASE);
    assert_eq!(BASE.matches(DEFAULT_ROUTE).count(), 1);
    let broken = write(
        dir.path(),
        "broken.toml",
        &BASE.replacen(DEFAULT_ROUTE, "", 1),
    );
    let path = dir.path().to_path_buf();
    Case {
        _dir: dir,
        base,
        broken,
        dir: path,
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn reach_matrix_and_check_use_the_end_to_end_verdict() {
    let c = case();
    let o = cvpnsim(&["reach", s(&c.base), "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = cvpnsim(&["reach", s(&c.broken), "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    let row = out
        .lines()
        .find(|l| l.starts_with("staff       internet"))
        .unwrap();
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &cols[..5],
        [
            "staff",
            "internet",
            "subnet-a",
            "unreachable",
            "no-route-in-vpc"
        ]
    );
    assert!(
        row.ends_with("route table rtb-a: no route covers the destination"),
        "{row}"
    );
}

#[test]
fn reach_trace_with_a_port_names_the_dropping_hop() {
    let c = case();
    let o = cvpnsim(&[
        "reach",
        s(&c.broken),
        "--from",
        "staff",
        "--to",
        "8.8.8.8:443",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o);
    assert!(out.contains("   past the endpoint (tcp/443):"), "{out}");
    assert!(
        out.contains("  8  route           DROP    route table rtb-a: no route covers 8.8.8.8"),
        "{out}"
    );
    // The traffic never leaves the subnet, so its network ACL is not consulted.
    assert!(!out.contains("ACL out"), "{out}");
    assert!(
        out.contains(
            "   verdict: no-route-in-vpc (route table rtb-a: no route covers the destination)"
        ),
        "{out}"
    );
    let o = cvpnsim(&[
        "reach",
        s(&c.broken),
        "--from",
        "staff",
        "--to",
        "8.8.8.8:https",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn diff_reports_the_regression_past_the_endpoint() {
    let c = case();
    let o = cvpnsim(&["diff", s(&c.base), s(&c.broken)]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(
        out.contains("REGRESSION: staff -> internet landing on subnet-a"),
        "{out}"
    );
    assert!(out.contains("new: unreachable (no-route-in-vpc) by route table rtb-a: no route covers the destination"), "{out}");
    let o = cvpnsim(&["diff", s(&c.broken), s(&c.base)]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn check_and_run_weigh_the_gap_by_client_time() {
    let c = case();
    let expect = write(
        &c.dir,
        "expect.toml",
        "replicas = 1\n\n[[reachable]]\npopulation = \"staff\"\nnetwork = \"internet\"\n",
    );
    let o = cvpnsim(&["check", s(&c.base), "--expect", s(&expect)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = cvpnsim(&["check", s(&c.broken), "--expect", s(&expect)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("FAIL reachable.staff.internet: measured no-route-in-vpc from subnet-a (100.0 % of client-time)"), "{}", text(&o));
    let out = c.dir.join("out");
    let o = cvpnsim(&["run", s(&c.broken), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0));
    let csv = std::fs::read_to_string(out.join("reachability.csv")).unwrap();
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("staff,internet,subnet-a,"), "{row}");
    assert!(row.contains(",1.000000,no-route-in-vpc,"), "{row}");
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

/// (class, title) of every node of a topology picture.
fn nodes(svg: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("g"))
        .map(|g| {
            let title = g
                .children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or("")
                .to_string();
            (g.attribute("class").unwrap_or("").to_string(), title)
        })
        .collect()
}

#[test]
fn the_topology_picture_marks_the_path_and_the_dropping_hop() {
    let c = case();
    // The peer has no route back: the walk crosses the peering connection into subnet-b, where
    // the reply has no route; subnet-b is the hop that drops.
    let peer_b = "  { destination_cidr_block = \"10.10.0.0/16\", vpc_peering_connection_id = \"pcx-ab\" },\n";
    let no_return = write(&c.dir, "no-return.toml", &BASE.replacen(peer_b, "", 1));
    let svg = c.dir.join("topology.svg");
    let o = cvpnsim(&[
        "reach",
        s(&no_return),
        "--from",
        "staff",
        "--to",
        "10.20.0.10:443",
        "--topology",
        s(&svg),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let all = nodes(&std::fs::read_to_string(&svg).unwrap());
    let with = |class: &str| -> Vec<String> {
        all.iter()
            .filter(|(c, _)| c == class)
            .map(|(_, t)| t.clone())
            .collect()
    };
    assert_eq!(with("drop"), ["subnet subnet-b"]);
    assert_eq!(
        with("path"),
        [
            "Client VPN endpoint cvpn-endpoint-0123456789abcdef0",
            "subnet subnet-a",
            "peering connection pcx-ab",
        ]
    );
    // Every node of the topology is drawn once.
    assert_eq!(all.len(), 9, "{all:?}");
    // Without a data plane there is nothing to draw: a usage error.
    let plain = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/guide-vpc.toml");
    let o = cvpnsim(&[
        "reach",
        plain,
        "--from",
        "developers",
        "--to",
        "10.0.0.5",
        "--topology",
        s(&svg),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
