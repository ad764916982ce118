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
    assert!(out.contains("  7  ACL out         pass    network ACL acl-a of subnet-a (to 8.8.8.8): rule 100 allows"), "{out}");
    assert!(
        out.contains("  8  route           DROP    route table rtb-a: no route covers 8.8.8.8"),
        "{out}"
    );
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
