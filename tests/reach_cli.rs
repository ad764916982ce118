//! `cvpnsim reach` and `cvpnsim diff` from the command line, on the guide's troubleshooting
//! case "Traffic is not being split between subnets" (Route 1 to Subnet-A, Route 2 to
//! Subnet-B) and its fix (the same routes for each associated subnet).

use std::path::PathBuf;
use std::process::{Command, Output};

const HEAD: &str = r#"
name = "not-split"
seed = 1
duration = "1d"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["federated"]
vpc_id = "vpc-main"

[[vpc]]
id = "vpc-main"
cidr_blocks = ["192.168.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-main"
cidr_block = "192.168.0.0/24"
availability_zone = "us-east-1a"

[[subnet]]
id = "subnet-b"
vpc_id = "vpc-main"
cidr_block = "192.168.1.0/24"
availability_zone = "us-east-1b"

[[association]]
subnet_id = "subnet-a"

[[association]]
subnet_id = "subnet-b"

[[authorization_rule]]
target_network_cidr = "10.0.0.0/16"
authorize_all_groups = true

[[authorization_rule]]
target_network_cidr = "172.31.0.0/16"
authorize_all_groups = true

[[network]]
name = "private"
cidr_blocks = ["10.0.0.0/16"]

[[network]]
name = "peered"
cidr_blocks = ["172.31.0.0/16"]

[[population]]
name = "staff"
users = 100
groups = ["S-staff"]
workday = { start = "09:00", length = "8h", days = "mon-fri" }
needs = ["private", "peered"]
"#;

fn route(dest: &str, subnet: &str, desc: &str) -> String {
    format!("\n[[route]]\ndestination_cidr_block = \"{dest}\"\ntarget_vpc_subnet_id = \"{subnet}\"\ndescription = \"{desc}\"\n")
}

/// The guide's example: Route 1 to Subnet-A, Route 2 to Subnet-B.
fn uneven() -> String {
    HEAD.to_string()
        + &route("10.0.0.0/16", "subnet-a", "Route 1")
        + &route("172.31.0.0/16", "subnet-b", "Route 2")
}

/// The guide's solution: the same route entries for each associated subnet.
fn identical() -> String {
    uneven()
        + &route("10.0.0.0/16", "subnet-b", "Route 1b")
        + &route("172.31.0.0/16", "subnet-a", "Route 2a")
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn cvpnsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn guide_not_split_reach_table_shows_the_landing_gap() {
    let f = Files::new();
    let p = f.write("uneven.toml", &uneven());
    let o = cvpnsim(&["reach", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    // population, network, landing, status, reason, lost
    let summary: Vec<[&str; 6]> = rows
        .iter()
        .take(4)
        .map(|r| [r[0], r[1], r[2], r[3], r[4], r[5]])
        .collect();
    assert_eq!(
        summary,
        [
            [
                "staff",
                "private",
                "subnet-a",
                "reachable",
                "reachable",
                "-"
            ],
            [
                "staff",
                "private",
                "subnet-b",
                "unreachable",
                "no-route-on-landing-subnet",
                "10.0.0.0/16"
            ],
            [
                "staff",
                "peered",
                "subnet-a",
                "unreachable",
                "no-route-on-landing-subnet",
                "172.31.0.0/16"
            ],
            ["staff", "peered", "subnet-b", "reachable", "reachable", "-"],
        ]
    );
    assert!(
        out.contains("route #2 \"Route 2\" (172.31.0.0/16 -> subnet-b) targets another subnet"),
        "{out}"
    );
    assert!(
        out.ends_with("4 verdict(s), 2 gap(s) (population x needed network x landing subnet)\n"),
        "{out}"
    );
    // The loader's warning about differing route sets goes to stderr.
    assert!(stderr(&o).contains("association-routes-differ"));
    // --check turns the gaps into exit code 1; the fixed configuration passes.
    assert_eq!(
        cvpnsim(&["reach", p.to_str().unwrap(), "--check"])
            .status
            .code(),
        Some(1)
    );
    let fixed = f.write("identical.toml", &identical());
    let o = cvpnsim(&["reach", fixed.to_str().unwrap(), "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o)
        .ends_with("4 verdict(s), 0 gap(s) (population x needed network x landing subnet)\n"));
}

#[test]
fn reach_csv_has_one_row_per_verdict() {
    let f = Files::new();
    let p = f.write("uneven.toml", &uneven());
    let o = cvpnsim(&[
        "reach",
        p.to_str().unwrap(),
        "--csv",
        "--landing",
        "subnet-a",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "population,network,association,availability_zone,status,reason,decided_by,failing_addresses,failing_cidrs,failing_share"
    );
    assert_eq!(lines.len(), 3);
    assert!(
        lines[1].starts_with("staff,private,subnet-a,us-east-1a,reachable,reachable,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",0,,0.000000"), "{}", lines[1]);
    assert!(lines[2]
        .starts_with("staff,peered,subnet-a,us-east-1a,unreachable,no-route-on-landing-subnet,"));
    assert!(
        lines[2].ends_with(",65536,172.31.0.0/16,1.000000"),
        "{}",
        lines[2]
    );
}

#[test]
fn reach_from_to_prints_the_decision_path_for_each_landing() {
    let f = Files::new();
    let p = f.write("uneven.toml", &uneven());
    let o = cvpnsim(&[
        "reach",
        p.to_str().unwrap(),
        "--from",
        "staff",
        "--to",
        "172.31.9.9",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let blocks: Vec<&str> = out.split("\n\n").collect();
    assert_eq!(blocks.len(), 2, "one path per landing subnet:\n{out}");
    assert!(blocks[0]
        .starts_with("staff [groups S-staff] -> 172.31.9.9  landing on subnet-a (us-east-1a)"));
    assert!(
        blocks[0].contains("  4  route           DROP    no route to 172.31.9.9 targets subnet-a")
    );
    assert!(blocks[0].contains("verdict: no-route-on-landing-subnet"));
    assert!(blocks[1]
        .contains("  4  route           pass    route #2 \"Route 2\" (172.31.0.0/16 -> subnet-b)"));
    assert!(blocks[1].contains("verdict: reachable"));
    // A group named directly is traced as well.
    let o = cvpnsim(&[
        "reach",
        p.to_str().unwrap(),
        "--from",
        "S-staff",
        "--to",
        "10.0.0.1",
        "--landing",
        "subnet-a",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("verdict: reachable"));
    // --to alone: one line per population and landing.
    let o = cvpnsim(&["reach", p.to_str().unwrap(), "--to", "10.0.0.1"]);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.lines()
            .nth(2)
            .unwrap()
            .starts_with("staff  10.0.0.1  subnet-b  no-route-on-landing-subnet"),
        "{out}"
    );
}

#[test]
fn reach_bad_input_is_a_clear_error_with_exit_2() {
    let f = Files::new();
    let p = f.write("uneven.toml", &uneven());
    let file = p.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--from", "staf", "--to", "10.0.0.1"], "--from: `staf` is neither a population nor a group of this scenario (did you mean `staff`?)"),
        (&["--from", "staff", "--to", "10.0.0.256"], "--to: `10.0.0.256` is not an IPv4 address"),
        (&["--from", "staff", "--to", "10.0.0.0/16"], "give one address; whole networks are in the matrix without --to"),
        (&["--to", "banana"], "--to: `banana` is not an IPv4 address"),
        (&["--landing", "subnet-z"], "--landing: `subnet-z` is not an associated subnet"),
        (&["--from", "S-staff"], "`S-staff` is a group, not a population"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["reach", file];
        args.extend_from_slice(extra);
        let o = cvpnsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
    // An invalid or missing file is bad input too.
    let bad = f.write("bad.toml", &uneven().replace("10.100.0.0/22", "10.0.0.0/8"));
    let o = cvpnsim(&["reach", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("client-cidr-size"), "{}", stderr(&o));
    let o = cvpnsim(&["reach", f.dir.path().join("missing.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"));
}

#[test]
fn diff_exits_1_when_something_reachable_no_longer_is() {
    let f = Files::new();
    let fixed = f.write("identical.toml", &identical());
    let broken = f.write("uneven.toml", &uneven());
    // Dropping the routes per subnet breaks two verdicts.
    let o = cvpnsim(&["diff", fixed.to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("REGRESSION: staff -> private landing on subnet-b\n"),
        "{out}"
    );
    assert!(out.contains("    old: reachable by rule #1"), "{out}");
    assert!(out.contains("    new: unreachable (no-route-on-landing-subnet) by no route on subnet-b covers the address"), "{out}");
    assert!(out.contains("    now lost: 10.0.0.0/16\n"), "{out}");
    assert!(
        out.contains("REGRESSION: staff -> peered landing on subnet-a\n"),
        "{out}"
    );
    assert!(
        out.ends_with("2 changed verdict(s), 2 regression(s)\n"),
        "{out}"
    );
    // The fix is a change for the better: exit 0.
    let o = cvpnsim(&["diff", broken.to_str().unwrap(), fixed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("changed: staff -> private landing on subnet-b\n"),
        "{out}"
    );
    assert!(out.contains("    no longer lost: 10.0.0.0/16\n"), "{out}");
    assert!(
        out.ends_with("2 changed verdict(s), 0 regression(s)\n"),
        "{out}"
    );
    // Same file twice: nothing changed.
    let o = cvpnsim(&["diff", fixed.to_str().unwrap(), fixed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "no verdict changed (4 compared)\n");
    // Unreadable input: exit 2, not confused with a regression.
    let o = cvpnsim(&["diff", fixed.to_str().unwrap(), "/nonexistent/new.toml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn reach_at_a_time_uses_the_route_tables_left_after_a_disassociation() {
    // Guide, "Disassociate a target network from an AWS Client VPN endpoint": "any routes that
    // were manually added to the Client VPN endpoint's route table are deleted, as well as the
    // route that was automatically created". Under split tunnel Route 1 (to subnet-a) was pushed
    // to every client, so from subnet-b its traffic entered the tunnel and found no route there;
    // after subnet-a is disassociated at 12:00 the route is gone and the traffic never enters.
    let f = Files::new();
    let text = uneven().replace(
        "vpc_id = \"vpc-main\"\n\n[[vpc]]",
        "vpc_id = \"vpc-main\"\nsplit_tunnel = true\n\n[[vpc]]",
    ) + "\n[[event]]\nat = \"12:00\"\ndisassociate = \"subnet-a\"\n";
    let p = f.write("disassociate.toml", &text);
    let p = p.to_str().unwrap();
    let trace = |at: &str| {
        let o = cvpnsim(&[
            "reach",
            p,
            "--from",
            "staff",
            "--to",
            "10.0.5.5",
            "--landing",
            "subnet-b",
            "--at",
            at,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let before = trace("11:59");
    assert!(
        before.contains("   verdict: no-route-on-landing-subnet ("),
        "{before}"
    );
    let after = trace("12:00");
    assert!(
        after.contains("split tunnel: no route in the endpoint's table covers 10.0.5.5"),
        "{after}"
    );
    assert!(
        after.contains("   verdict: not-routed-into-tunnel ("),
        "{after}"
    );
    // The matrix at 12:00 has subnet-b only.
    let o = cvpnsim(&["reach", p, "--csv", "--at", "12:00"]);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.lines().skip(1).all(|l| l.contains(",subnet-b,")),
        "{out}"
    );
    assert!(
        out.contains("staff,private,subnet-b,us-east-1b,unreachable,not-routed-into-tunnel,"),
        "{out}"
    );
    // Landing on a subnet that is gone by then is bad input; so is a time that is not one.
    let o = cvpnsim(&["reach", p, "--landing", "subnet-a", "--at", "1d"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`subnet-a` is not an associated subnet"),
        "{}",
        stderr(&o)
    );
    let o = cvpnsim(&["reach", p, "--at", "noon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--at: `noon` is not a time of the scenario"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn reach_at_a_time_knows_subnets_associated_later() {
    // A subnet associated by an event lands no client before it: `reach --at` shows subnet-b
    // only from its association on (guide: "Associate a target network with an AWS Client VPN
    // endpoint").
    let f = Files::new();
    let text = uneven().replace("[[association]]\nsubnet_id = \"subnet-b\"\n", "")
        + "\n[[event]]\nat = \"12:00\"\nassociate = \"subnet-b\"\n";
    let p = f.write("associate.toml", &text);
    let p = p.to_str().unwrap();
    let landings = |at: &str| {
        let o = cvpnsim(&["reach", p, "--csv", "--at", at]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let mut subnets: Vec<String> = stdout(&o)
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(2).map(str::to_string))
            .collect();
        subnets.sort();
        subnets.dedup();
        subnets
    };
    assert_eq!(landings("11:59"), ["subnet-a"]);
    assert_eq!(landings("12:00"), ["subnet-a", "subnet-b"]);
}
