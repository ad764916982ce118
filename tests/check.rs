//! `cvpnsim check` as a CI job runs it: every bundled scenario passes its expectations file; each
//! kind of assertion passes on a tiny endpoint built to pass and fails, naming itself and what it
//! measured, on one built to fail; the JUnit file has one test case per assertion; bad input
//! exits 2 with a message that says what is wrong.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn check(scenario: &Path, expect: &Path, junit: Option<&Path>) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cvpnsim"));
    cmd.arg("check").arg(scenario).arg("--expect").arg(expect);
    if let Some(j) = junit {
        cmd.arg("--junit").arg(j);
    }
    let out = cmd.output().expect("cvpnsim runs");
    Out {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes the scenario and the expectations into a fresh folder and checks one against the other.
fn check_text(scenario: &str, expect: &str) -> Out {
    let dir = TempDir::new().unwrap();
    let (s, e) = (dir.path().join("s.toml"), dir.path().join("e.toml"));
    fs::write(&s, scenario).unwrap();
    fs::write(&e, expect).unwrap();
    check(&s, &e, None)
}

/// The line of the report for one assertion.
fn line<'a>(out: &'a Out, name: &str) -> &'a str {
    out.stdout
        .lines()
        .find(|l| {
            l.split_once(": ").is_some_and(|(head, _)| {
                head.strip_prefix("PASS ").or(head.strip_prefix("FAIL ")) == Some(name)
            })
        })
        .unwrap_or_else(|| panic!("no line for `{name}` in\n{}{}", out.stdout, out.stderr))
}

/// The first number after `measured` on a report line.
fn measured(line: &str) -> f64 {
    let rest = &line[line.find("measured ").expect("measured") + "measured ".len()..];
    let number: String = rest
        .trim_start_matches("attempt failure rate ")
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse().unwrap_or_else(|_| panic!("{line}"))
}

fn assert_passes(out: &Out, name: &str) {
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        line(out, name).starts_with(&format!("PASS {name}: ")),
        "{}",
        out.stdout
    );
}

fn assert_fails(out: &Out, name: &str) {
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        line(out, name).starts_with(&format!("FAIL {name}: ")),
        "{}",
        out.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Every bundled scenario passes its expectations file.

/// The scenarios of `scenarios/` (TOML and JSON, not their `*.expect.toml`), sorted.
fn scenario_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join("scenarios"))
        .expect("scenarios directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .filter(|p| !p.to_string_lossy().ends_with(".expect.toml"))
        .collect();
    v.sort();
    v
}

/// `scenarios/NAME.toml` (or `.json`) → `scenarios/NAME.expect.toml`.
fn expectations_of(scenario: &Path) -> PathBuf {
    scenario.with_extension("expect.toml")
}

fn passes_its_expectations(file: &str) {
    let scenario = root().join("scenarios").join(file);
    let expect = expectations_of(&scenario);
    let out = check(&scenario, &expect, None);
    assert_eq!(
        out.code,
        0,
        "{} fails {}:\n{}{}",
        scenario.display(),
        expect.display(),
        out.stdout,
        out.stderr
    );
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
    let tally = out.stdout.lines().last().unwrap_or_default();
    let passed: usize = tally
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("tally `{tally}`"));
    assert!(passed >= 2, "{}", out.stdout);
    assert_eq!(out.stdout.lines().count(), passed + 1, "{}", out.stdout);
}

/// One test per scenario, so that a failure names the scenario and they run side by side.
macro_rules! bundled {
    ($($test:ident: $file:literal;)*) => {
        $(
            #[test]
            fn $test() {
                passes_its_expectations($file);
            }
        )*
        const BUNDLED: &[&str] = &[$($file),*];
    };
}

bundled! {
    az_outage_passes_its_expectations: "az-outage.toml";
    guide_authorization_rules_passes_its_expectations: "guide-authorization-rules.toml";
    guide_client_to_client_passes_its_expectations: "guide-client-to-client.toml";
    guide_internet_passes_its_expectations: "guide-internet.toml";
    guide_on_premises_passes_its_expectations: "guide-on-premises.toml";
    guide_peered_vpc_passes_its_expectations: "guide-peered-vpc.toml";
    guide_restrict_by_group_passes_its_expectations: "guide-restrict-by-group.toml";
    guide_sizing_8000_passes_its_expectations: "guide-sizing-8000.toml";
    guide_vpc_passes_its_expectations: "guide-vpc.toml";
    json_example_passes_its_expectations: "json-example.json";
    midday_rule_change_passes_its_expectations: "midday-rule-change.toml";
    monday_login_storm_passes_its_expectations: "monday-login-storm.toml";
    onprem_vpn_bottleneck_passes_its_expectations: "onprem-vpn-bottleneck.toml";
    three_az_60k_passes_its_expectations: "three-az-60k.toml";
    two_az_workday_passes_its_expectations: "two-az-workday.toml";
}

#[test]
fn every_scenario_has_expectations_and_a_test() {
    let files = scenario_files();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, BUNDLED, "add the new scenario to `bundled!`");
    for f in &files {
        let e = expectations_of(f);
        assert!(e.is_file(), "{} has no {}", f.display(), e.display());
    }
    // And no expectations file without its scenario.
    for e in fs::read_dir(root().join("scenarios")).unwrap() {
        let e = e.unwrap().path();
        let name = e.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".expect.toml") {
            assert!(
                names
                    .iter()
                    .any(|n| n.strip_suffix(".toml").or(n.strip_suffix(".json")) == Some(stem)),
                "{name} belongs to no scenario"
            );
        }
    }
}

/// The bundled expectations are not vacuous: the regression each of these configurations would
/// most plausibly suffer fails the check, on the assertion written for it.
#[test]
fn bundled_expectations_catch_regressions() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // The application servers' security group no longer admits the endpoint's.
        (
            "guide-vpc.toml",
            "inbound_from = [\"sg-0cvpn01\"]",
            "inbound_from = []",
            "reachable.engineers.app-tier",
        ),
        // A second DNS server on premises, with no route to it: clients cannot resolve through
        // it (guide: "Troubleshooting AWS Client VPN: Clients can't access a peered VPC, Amazon
        // S3, or the internet", step 2).
        (
            "guide-vpc.toml",
            "dns_servers = [\"10.0.0.2\"]",
            "dns_servers = [\"10.0.0.2\", \"192.168.10.2\"]",
            "reachable.engineers.dns-servers",
        ),
        // The route to the peered VPC is left off the second subnet.
        (
            "guide-peered-vpc.toml",
            "destination_cidr_block = \"10.20.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-0a1b\"",
            "destination_cidr_block = \"10.21.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-0a1b\"",
            "reachable.analysts.vpc-0bb33c44",
        ),
        // Client-to-client granted to a group, which grants nothing for other clients.
        (
            "guide-client-to-client.toml",
            "target_network_cidr = \"10.99.0.0/22\"\nauthorize_all_groups = true",
            "target_network_cidr = \"10.99.0.0/22\"\naccess_group_id = \"S-1-5-21-3623811015-3361044348-30300820-1013\"",
            "reachable.support.clients",
        ),
        // Split tunnel with the data centre's routes gone: the private range is no longer pushed,
        // so it leaves through the client's own network (guide: "Split-tunnel on Client VPN
        // endpoints"), a `not-routed-into-tunnel` gap.
        (
            "guide-on-premises.toml",
            "destination_cidr_block = \"10.50.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-0c0ffee1\"\ndescription = \"data centre over Site-to-Site VPN\"\n\n[[route]]\ndestination_cidr_block = \"10.50.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-0c0ffee2\"",
            "destination_cidr_block = \"10.51.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-0c0ffee1\"\ndescription = \"data centre over Site-to-Site VPN\"\n\n[[route]]\ndestination_cidr_block = \"10.51.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-0c0ffee2\"",
            "reachable.office-staff.datacentre",
        ),
        // An association throughput too small for the full tunnel's demand.
        (
            "guide-internet.toml",
            "vpn_port = 1194",
            "vpn_port = 1194\nassociation_throughput_mbps = 1000",
            "max_below_floor_minutes",
        ),
        // Twice the users on the same client CIDR range.
        (
            "guide-restrict-by-group.toml",
            "users = 650",
            "users = 1300",
            "min_address_headroom",
        ),
        // A handler of 60 instead of 100: with us-east-1b lost, Wednesday's reset storm through
        // the one association is no longer 99 % back within 5 minutes.
        (
            "two-az-workday.toml",
            "concurrency = 100",
            "concurrency = 60",
            "survive_az_loss.us-east-1b.max_reconnect_p99",
        ),
    ];
    for (file, from, to, assertion) in cases {
        let text = fs::read_to_string(root().join("scenarios").join(file)).unwrap();
        assert!(text.contains(from), "{file}: `{from}` not found");
        let dir = TempDir::new().unwrap();
        let s = dir.path().join(file);
        fs::write(&s, text.replacen(from, to, 1)).unwrap();
        let expect = expectations_of(&root().join("scenarios").join(file));
        let out = check(&s, &expect, None);
        assert_fails(&out, assertion);
    }
}

// ---------------------------------------------------------------------------------------------
// Each kind of assertion, on tiny endpoints: the connection limit is 20 for one association and
// 40 for two, everyone starts at 09:00 for 8 hours and gives up after one refused attempt, so
// what is measured can be worked out by hand.

struct Tiny<'a> {
    users: u32,
    associations: usize,
    endpoint: &'a str,
    needs: &'a str,
    tail: &'a str,
}

const TINY: Tiny<'static> = Tiny {
    users: 10,
    associations: 1,
    endpoint: "",
    needs: "\"vpc-1\"",
    tail: "",
};

impl Tiny<'_> {
    fn toml(&self) -> String {
        let mut s = format!(
            r#"name = "tiny"
duration = "1d"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["mutual"]
vpc_id = "vpc-1"
{}

[limits]
connections_by_associations = [20, 40, 60, 80, 100]

[[vpc]]
id = "vpc-1"
cidr_blocks = ["172.31.0.0/16"]
"#,
            self.endpoint
        );
        for (i, z) in ["a", "b"].iter().take(self.associations).enumerate() {
            s.push_str(&format!(
                r#"
[[subnet]]
id = "subnet-{z}"
vpc_id = "vpc-1"
cidr_block = "172.31.{i}.0/24"
availability_zone = "eu-west-1{z}"

[[association]]
subnet_id = "subnet-{z}"
"#
            ));
        }
        s.push_str(&format!(
            r#"
[[authorization_rule]]
target_network_cidr = "172.31.0.0/16"
authorize_all_groups = true

[[population]]
name = "ops"
users = {}
workday = {{ start = "09:00", length = "8h", days = "all" }}
demand_mbps = 5.0
needs = [{}]
retry = {{ initial = "2s", multiplier = 2.0, max = "1m", jitter = 0.0, give_up_after = 1 }}
{}"#,
            self.users, self.needs, self.tail
        ));
        s
    }
}

/// 30 users want the VPN at 09:00 and do not retry (`give_up_after = 1`); the limit is 20, so
/// 10 of the 30 episodes end unconnected: 33.3333 % not connected within 5 minutes. With 20
/// users everyone connects at the first attempt.
#[test]
fn max_share_not_connected_within() {
    let expect = "max_share_not_connected_within = { within = \"5m\", share = 0.01 }\n";
    let pass = check_text(&Tiny { users: 20, ..TINY }.toml(), expect);
    assert_passes(&pass, "max_share_not_connected_within.5m");
    assert!(line(&pass, "max_share_not_connected_within.5m").contains("measured 0.0000 %"));
    let fail = check_text(&Tiny { users: 30, ..TINY }.toml(), expect);
    assert_fails(&fail, "max_share_not_connected_within.5m");
    assert_eq!(
        line(&fail, "max_share_not_connected_within.5m"),
        "FAIL max_share_not_connected_within.5m: measured 33.3333 %, expected ≤ 1.0000 % of users not connected within 5.0 min"
    );
    assert!(
        fail.stdout.contains("  reproduce: cvpnsim run ") && fail.stdout.contains(" --seed "),
        "{}",
        fail.stdout
    );
    // A wait the scenario does not count by default is counted for the check.
    let other = check_text(
        &Tiny { users: 30, ..TINY }.toml(),
        "max_share_not_connected_within = [{ within = \"90s\", share = 0.4 }]\n",
    );
    assert_passes(&other, "max_share_not_connected_within.90s");
    assert!(line(&other, "max_share_not_connected_within.90s").contains("measured 33.3333 %"));
}

/// Everyone who connects does so at the first attempt: the 99th percentile is 0 s.
#[test]
fn max_time_to_connect_p99() {
    let out = check_text(
        &Tiny { users: 20, ..TINY }.toml(),
        "max_time_to_connect_p99 = \"1s\"\n",
    );
    assert_passes(&out, "max_time_to_connect_p99");
    assert!(line(&out, "max_time_to_connect_p99").contains("measured 0.0 s"));
}

/// Guide, "Endpoint modification": editing the authorization rules resets every connection. The
/// 10 mutual-authentication users, reset at 12:00, come back by themselves after the retry
/// policy's first delay (2 s, no jitter) and all connect: 99 % and all of them are back 2 s
/// after the reset.
#[test]
fn max_reconnect_p99_and_max_recovery_time() {
    let reset =
        "\n[[event]]\nat = \"12:00\"\nmodify = [\"authorization_rules\"]\npropagation = \"0s\"\n";
    let sc = Tiny {
        tail: reset,
        ..TINY
    }
    .toml();
    let pass = check_text(
        &sc,
        "max_reconnect_p99 = \"2s\"\nmax_recovery_time = \"2s\"\n",
    );
    assert_passes(&pass, "max_reconnect_p99");
    assert_passes(&pass, "max_recovery_time");
    assert!(line(&pass, "max_recovery_time").contains("measured 2.0 s"));
    let fail = check_text(
        &sc,
        "max_reconnect_p99 = \"1s\"\nmax_recovery_time = \"1s\"\n",
    );
    assert_fails(&fail, "max_reconnect_p99");
    assert_fails(&fail, "max_recovery_time");
    assert_eq!(
        line(&fail, "max_reconnect_p99"),
        "FAIL max_reconnect_p99: measured 2.0 s, expected ≤ 1.0 s until 99 % of the users an event dropped are back"
    );
    // Without an event nobody is dropped: the assertion holds and says so.
    let calm = check_text(&TINY.toml(), "max_recovery_time = \"1s\"\n");
    assert_passes(&calm, "max_recovery_time");
    assert!(line(&calm, "max_recovery_time").contains("no event dropped a connection"));
}

/// The monthly cost at the run's rate (see tests/cost.rs for the bill itself) against a ceiling.
#[test]
fn max_cost_per_month() {
    let pass = check_text(&TINY.toml(), "max_cost_per_month = 1000000\n");
    assert_passes(&pass, "max_cost_per_month");
    let fail = check_text(&TINY.toml(), "max_cost_per_month = 1\n");
    assert_fails(&fail, "max_cost_per_month");
    assert!(line(&fail, "max_cost_per_month").contains("measured $"));
}

/// `max_attempt_failure_rate` is the attempt-level figure's name; `max_blocking_probability` is
/// its older name, accepted alone but not together with it.
#[test]
fn max_attempt_failure_rate_and_its_older_name() {
    let fail = check_text(
        &Tiny { users: 30, ..TINY }.toml(),
        "max_attempt_failure_rate = 0.01\n",
    );
    assert_fails(&fail, "max_attempt_failure_rate");
    assert!(line(&fail, "max_attempt_failure_rate").contains("measured 33.3333 %"));
    let both = check_text(
        &TINY.toml(),
        "max_attempt_failure_rate = 0.01\nmax_blocking_probability = 0.01\n",
    );
    assert_eq!(both.code, 2, "{}{}", both.stdout, both.stderr);
    assert!(both.stderr.contains("older name"), "{}", both.stderr);
}

#[test]
fn max_blocking_probability() {
    let expect = "max_blocking_probability = 0.01\n";
    // 20 users fit the limit of 20.
    let pass = check_text(&Tiny { users: 20, ..TINY }.toml(), expect);
    assert_passes(&pass, "max_blocking_probability");
    assert!(line(&pass, "max_blocking_probability").contains("measured 0.0000 %"));
    // 30 users: 10 of the 30 attempts are refused.
    let fail = check_text(&Tiny { users: 30, ..TINY }.toml(), expect);
    assert_fails(&fail, "max_blocking_probability");
    assert_eq!(
        line(&fail, "max_blocking_probability"),
        "FAIL max_blocking_probability: measured 33.3333 %, expected ≤ 1.0000 %"
    );
    assert!(
        fail.stdout.ends_with("0 passed, 1 failed\n"),
        "{}",
        fail.stdout
    );
}

#[test]
fn max_refusals() {
    let expect = "[max_refusals]\nendpoint-at-capacity = 0\nclient-cidr-exhausted = 0\n";
    let pass = check_text(&Tiny { users: 20, ..TINY }.toml(), expect);
    assert_passes(&pass, "max_refusals.endpoint-at-capacity");
    assert_passes(&pass, "max_refusals.client-cidr-exhausted");
    // The ten users beyond the limit are refused by the endpoint (pooled, the default model), not
    // for want of addresses.
    let fail = check_text(&Tiny { users: 30, ..TINY }.toml(), expect);
    assert_fails(&fail, "max_refusals.endpoint-at-capacity");
    assert_eq!(
        line(&fail, "max_refusals.endpoint-at-capacity"),
        "FAIL max_refusals.endpoint-at-capacity: measured 10, expected ≤ 0"
    );
    assert!(line(&fail, "max_refusals.client-cidr-exhausted").starts_with("PASS"));
    // A limit at the measured count holds.
    let at = check_text(
        &Tiny { users: 30, ..TINY }.toml(),
        "[max_refusals]\nendpoint-at-capacity = 10\n",
    );
    assert_passes(&at, "max_refusals.endpoint-at-capacity");
}

#[test]
fn min_address_headroom() {
    // A /22 has 512 usable client addresses: 10 users leave 98.0 % free, 20 leave 96.1 %.
    let expect = "min_address_headroom = 0.97\n";
    let pass = check_text(&TINY.toml(), expect);
    assert_passes(&pass, "min_address_headroom");
    assert!(line(&pass, "min_address_headroom").contains("measured 98.0 % free at peak"));
    let fail = check_text(&Tiny { users: 20, ..TINY }.toml(), expect);
    assert_fails(&fail, "min_address_headroom");
    assert_eq!(
        line(&fail, "min_address_headroom"),
        "FAIL min_address_headroom: measured 96.1 % free at peak, expected ≥ 97.0 % free at peak"
    );
}

#[test]
fn max_below_floor_minutes() {
    // Ten users of 5 Mbps: an association of 100 Mbps carries them all; one of 20 Mbps gives
    // each 2 Mbps, below min(5, 10), for all of their 8 hours: 10 × 480 connection-minutes.
    let expect = "max_below_floor_minutes = 0\n";
    let pass = check_text(
        &Tiny {
            endpoint: "association_throughput_mbps = 100",
            ..TINY
        }
        .toml(),
        expect,
    );
    assert_passes(&pass, "max_below_floor_minutes");
    let fail = check_text(
        &Tiny {
            endpoint: "association_throughput_mbps = 20",
            ..TINY
        }
        .toml(),
        expect,
    );
    assert_fails(&fail, "max_below_floor_minutes");
    assert_eq!(
        line(&fail, "max_below_floor_minutes"),
        "FAIL max_below_floor_minutes: measured 4800.0, expected ≤ 0"
    );
}

const ON_PREM: &str = r#"
[[network]]
name = "on-prem"
cidr_blocks = ["10.50.0.0/16"]

[[route]]
destination_cidr_block = "10.50.0.0/16"
target_vpc_subnet_id = "subnet-a"
"#;

const ON_PREM_RULE: &str = r#"
[[authorization_rule]]
target_network_cidr = "10.50.0.0/16"
authorize_all_groups = true
"#;

#[test]
fn reachable() {
    let expect = "[[reachable]]\npopulation = \"ops\"\nnetwork = \"on-prem\"\n";
    let needs = "\"vpc-1\", \"on-prem\"";
    let granted = format!("{ON_PREM}{ON_PREM_RULE}");
    let pass = check_text(
        &Tiny {
            needs,
            tail: &granted,
            ..TINY
        }
        .toml(),
        expect,
    );
    assert_passes(&pass, "reachable.ops.on-prem");
    assert!(line(&pass, "reachable.ops.on-prem").contains("reachable from every association"));
    // The route without a rule: every client lands on subnet-a, where nothing authorizes it.
    let fail = check_text(
        &Tiny {
            needs,
            tail: ON_PREM,
            ..TINY
        }
        .toml(),
        expect,
    );
    assert_fails(&fail, "reachable.ops.on-prem");
    assert_eq!(
        line(&fail, "reachable.ops.on-prem"),
        "FAIL reachable.ops.on-prem: measured not-authorized from subnet-a (100.0 % of client-time), expected no gap"
    );
}

#[test]
fn guide_split_tunnel_without_the_on_premises_route_fails_reachable() {
    // Guide, "Split-tunnel on Client VPN endpoints": "only traffic with a destination to the
    // network matching a route from the Client VPN endpoint route table is routed over the
    // Client VPN tunnel". Without the on-premises route, the private range goes out the client's
    // own network: a gap, and the check fails on it.
    let expect = "[[reachable]]\npopulation = \"ops\"\nnetwork = \"on-prem\"\n";
    let needs = "\"vpc-1\", \"on-prem\"";
    let network_only = "\n[[network]]\nname = \"on-prem\"\ncidr_blocks = [\"10.50.0.0/16\"]\n";
    let no_route = format!("{network_only}{ON_PREM_RULE}");
    let split = Tiny {
        needs,
        endpoint: "split_tunnel = true",
        tail: &no_route,
        ..TINY
    };
    let fail = check_text(&split.toml(), expect);
    assert_fails(&fail, "reachable.ops.on-prem");
    assert_eq!(
        line(&fail, "reachable.ops.on-prem"),
        "FAIL reachable.ops.on-prem: measured not-routed-into-tunnel from subnet-a (100.0 % of client-time), expected no gap"
    );
    // With the route, it passes.
    let routed = format!("{ON_PREM}{ON_PREM_RULE}");
    let pass = check_text(
        &Tiny {
            tail: &routed,
            ..split
        }
        .toml(),
        expect,
    );
    assert_passes(&pass, "reachable.ops.on-prem");
    // A network declared public may bypass the VPN: no gap, and the report says so.
    let public = no_route.replace(
        "cidr_blocks = [\"10.50.0.0/16\"]",
        "cidr_blocks = [\"10.50.0.0/16\"]\npublic = true",
    );
    let pass = check_text(
        &Tiny {
            tail: &public,
            ..split
        }
        .toml(),
        expect,
    );
    assert_passes(&pass, "reachable.ops.on-prem");
    assert_eq!(
        line(&pass, "reachable.ops.on-prem"),
        "PASS reachable.ops.on-prem: measured bypasses-vpn from every association, expected no gap"
    );
}

#[test]
fn accepted_gap() {
    // The client LAN 10.50.1.0/24 lies inside on-prem (10.50.0.0/16): 1/256 is lost
    // (`lan-overlap`). Accepted up to 0.4 % of the addresses; not at 0.3 %.
    let tail = format!("{ON_PREM}{ON_PREM_RULE}");
    let tiny = Tiny {
        needs: "\"vpc-1\", \"on-prem\"",
        tail: &tail,
        ..TINY
    };
    let scenario = tiny.toml().replace(
        "demand_mbps = 5.0",
        "demand_mbps = 5.0\nlan_cidr = \"10.50.1.0/24\"",
    );
    let gap = |bound: &str| {
        format!("[[accepted_gap]]\npopulation = \"ops\"\nnetwork = \"on-prem\"\nreason = \"lan-overlap\"\nmax_address_share = {bound}\n")
    };
    let pass = check_text(&scenario, &gap("0.004"));
    assert_passes(&pass, "accepted_gap.ops.on-prem");
    assert_eq!(
        line(&pass, "accepted_gap.ops.on-prem"),
        "PASS accepted_gap.ops.on-prem: measured lan-overlap from subnet-a: 0.3906 % of the addresses, 100.0 % of client-time, expected no gap, or at most lan-overlap, ≤ 0.4000 % of the addresses"
    );
    assert_fails(
        &check_text(&scenario, &gap("0.003")),
        "accepted_gap.ops.on-prem",
    );
    // Another reason is not the accepted gap.
    let other = gap("0.5").replace("lan-overlap", "not-authorized");
    let fail = check_text(&scenario, &other);
    assert_fails(&fail, "accepted_gap.ops.on-prem");
    assert!(line(&fail, "accepted_gap.ops.on-prem").contains("measured lan-overlap from subnet-a,"));
    // A reason that is not a gap is bad input, located.
    let out = check_text(
        &scenario,
        &gap("0.5").replace("lan-overlap", "bypasses-vpn"),
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`bypasses-vpn` is not a reason for a gap"),
        "{}",
        out.stderr
    );
}

#[test]
fn survive_az_loss() {
    // Two associations share 40 connections; with one zone lost at noon the other holds 20.
    let expect = "[survive_az_loss]\nat = \"12:00\"\nmax_blocking_probability = 0.05\n";
    let pass = check_text(
        &Tiny {
            users: 15,
            associations: 2,
            ..TINY
        }
        .toml(),
        expect,
    );
    assert_eq!(pass.code, 0, "{}{}", pass.stdout, pass.stderr);
    for zone in ["eu-west-1a", "eu-west-1b"] {
        let l = line(&pass, &format!("survive_az_loss.{zone}"));
        assert!(
            l.starts_with("PASS") && l.contains("measured attempt failure rate 0.0000 %"),
            "{l}"
        );
    }
    // 30 users: the 10 beyond the survivor's 20 are refused once each, out of the 30 first
    // attempts plus the reconnections of those who were on the lost subnet (1 to 29 of them).
    let fail = check_text(
        &Tiny {
            users: 30,
            associations: 2,
            ..TINY
        }
        .toml(),
        expect,
    );
    for zone in ["eu-west-1a", "eu-west-1b"] {
        let name = format!("survive_az_loss.{zone}");
        assert_fails(&fail, &name);
        let m = measured(line(&fail, &name));
        assert!(
            (100.0 * 10.0 / 59.0..=100.0 * 10.0 / 31.0).contains(&m),
            "{}",
            fail.stdout
        );
    }
    // The scenario itself, with both zones up, refuses nobody.
    let whole = check_text(
        &Tiny {
            users: 30,
            associations: 2,
            ..TINY
        }
        .toml(),
        "max_blocking_probability = 0\n",
    );
    assert_passes(&whole, "max_blocking_probability");
}

/// The user-level bounds with a zone lost. The clients notice the dead path after their
/// keepalive's `outage_detection_delay` (10 s here), then mutual-authentication clients reconnect
/// by themselves after the retry policy's first delay (2 s, no jitter); there is no handler, so
/// with 15 users (all of whom fit on the survivor's 20) every user the loss dropped is back
/// exactly 12 s after it. With 30, the survivor has room for 20: the 10 beyond it are refused once, give up
/// (`give_up_after = 1`) and are never back, and their episodes are not connected within 5 min.
#[test]
fn survive_az_loss_user_level() {
    let expect = |recovery: &str| {
        format!("[survive_az_loss]\nat = \"12:00\"\nmax_recovery_time = \"{recovery}\"\nmax_reconnect_p99 = \"12s\"\nmax_share_not_connected_within = {{ within = \"5m\", share = 0 }}\n")
    };
    let tiny = |users| {
        Tiny {
            users,
            associations: 2,
            tail: "outage_detection_delay = \"10s\"\n",
            ..TINY
        }
        .toml()
    };
    let pass = check_text(&tiny(15), &expect("12s"));
    assert_eq!(pass.code, 0, "{}{}", pass.stdout, pass.stderr);
    for zone in ["eu-west-1a", "eu-west-1b"] {
        let l = line(&pass, &format!("survive_az_loss.{zone}.max_recovery_time"));
        assert!(l.contains("measured 12.0 s"), "{l}");
        assert_passes(
            &pass,
            &format!("survive_az_loss.{zone}.max_share_not_connected_within.5m"),
        );
    }
    let tight = check_text(&tiny(15), &expect("11s"));
    assert_fails(&tight, "survive_az_loss.eu-west-1a.max_recovery_time");
    let fail = check_text(&tiny(30), &expect("12s"));
    assert_eq!(fail.code, 1, "{}", fail.stdout);
    for zone in ["eu-west-1a", "eu-west-1b"] {
        for a in [
            "max_recovery_time",
            "max_reconnect_p99",
            "max_share_not_connected_within.5m",
        ] {
            assert_fails(&fail, &format!("survive_az_loss.{zone}.{a}"));
        }
        let l = line(&fail, &format!("survive_az_loss.{zone}.max_recovery_time"));
        assert!(l.contains("measured never"), "{l}");
    }
    // A zone-loss table with no bound is bad input.
    let none = check_text(&tiny(15), "[survive_az_loss]\nat = \"12:00\"\n");
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("states no bound"), "{}", none.stderr);
}

// ---------------------------------------------------------------------------------------------
// JUnit XML.

#[test]
fn junit_has_one_test_case_per_assertion_and_marks_failures() {
    let dir = TempDir::new().unwrap();
    let s = dir.path().join("s.toml");
    let e = dir.path().join("e.toml");
    let x = dir.path().join("junit.xml");
    fs::write(&s, Tiny { users: 30, ..TINY }.toml()).unwrap();
    fs::write(
        &e,
        r#"max_blocking_probability = 0.5
min_address_headroom = 0.9
[max_refusals]
endpoint-at-capacity = 5
[[reachable]]
population = "ops"
network = "vpc-1"
"#,
    )
    .unwrap();
    let out = check(&s, &e, Some(&x));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let text = fs::read_to_string(&x).expect("the JUnit file is written");
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    assert_eq!(suites.attribute("tests"), Some("4"));
    assert_eq!(suites.attribute("failures"), Some("1"));
    let suite: Vec<_> = suites.children().filter(|n| n.is_element()).collect();
    assert_eq!(suite.len(), 1);
    assert_eq!(suite[0].tag_name().name(), "testsuite");
    assert_eq!(suite[0].attribute("name"), Some("tiny"));
    assert_eq!(suite[0].attribute("tests"), Some("4"));
    assert_eq!(suite[0].attribute("failures"), Some("1"));
    let cases: Vec<(String, Option<String>)> = suite[0]
        .children()
        .filter(|n| n.is_element())
        .map(|c| {
            assert_eq!(c.tag_name().name(), "testcase");
            assert_eq!(c.attribute("classname"), Some("tiny"));
            let failure = c.children().find(|n| n.has_tag_name("failure")).map(|f| {
                // The message ends with the command that runs the failed replica again.
                let m = f.attribute("message").unwrap();
                let (what, again) = m.split_once("; reproduce: cvpnsim run ").unwrap();
                assert!(again.ends_with("s.toml --seed 1 --replica 0"), "{m}");
                what.to_string()
            });
            (c.attribute("name").unwrap().to_string(), failure)
        })
        .collect();
    assert_eq!(
        cases,
        vec![
            ("max_blocking_probability".to_string(), None),
            (
                "max_refusals.endpoint-at-capacity".to_string(),
                Some("measured 10 in replica 0, expected ≤ 5".to_string())
            ),
            ("min_address_headroom".to_string(), None),
            ("reachable.ops.vpc-1".to_string(), None),
        ]
    );
}

#[test]
fn junit_is_written_when_everything_passes() {
    let dir = TempDir::new().unwrap();
    let s = dir.path().join("s.toml");
    let e = dir.path().join("e.toml");
    let x = dir.path().join("junit.xml");
    // The scenario's name needs escaping in XML.
    fs::write(
        &s,
        TINY.toml()
            .replace("name = \"tiny\"", "name = \"tiny <&> \\\"quoted\\\"\""),
    )
    .unwrap();
    fs::write(&e, "max_blocking_probability = 0\n").unwrap();
    let out = check(&s, &e, Some(&x));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let text = fs::read_to_string(&x).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some("tiny <&> \"quoted\""));
    assert_eq!(suite.attribute("failures"), Some("0"));
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        1
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input: exit 2, nothing simulated, and a message that says what is wrong.

fn assert_bad_input(out: &Out, needles: &[&str]) {
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    for n in needles {
        assert!(out.stderr.contains(n), "`{n}` not in\n{}", out.stderr);
    }
}

#[test]
fn unreadable_expectations_file() {
    let dir = TempDir::new().unwrap();
    let s = dir.path().join("s.toml");
    fs::write(&s, TINY.toml()).unwrap();
    let missing = dir.path().join("no-such.expect.toml");
    let out = check(&s, &missing, None);
    assert_bad_input(&out, &["cannot read", &missing.display().to_string()]);
}

#[test]
fn unknown_failure_reason_says_which_it_meant() {
    let out = check_text(
        &TINY.toml(),
        "max_blocking_probability = 0\n[max_refusals]\nassociation-at-capacit = 0\n",
    );
    assert_bad_input(
        &out,
        &[
            "`association-at-capacit` is not a failure reason",
            "e.toml:3:1 (max_refusals.association-at-capacit)",
            "did you mean `association-at-capacity`?",
        ],
    );
}

#[test]
fn unknown_population() {
    let out = check_text(
        &TINY.toml(),
        "[[reachable]]\npopulation = \"engineering\"\nnetwork = \"vpc-1\"\n",
    );
    assert_bad_input(
        &out,
        &["reachable: population `engineering` is not in the scenario (populations: ops)"],
    );
}

#[test]
fn network_the_population_does_not_need() {
    let out = check_text(
        &Tiny {
            tail: &format!("{ON_PREM}{ON_PREM_RULE}"),
            ..TINY
        }
        .toml(),
        "[[reachable]]\npopulation = \"ops\"\nnetwork = \"on-prem\"\n",
    );
    assert_bad_input(
        &out,
        &["reachable: population `ops` does not need `on-prem` in the scenario (its needs: vpc-1)"],
    );
}

#[test]
fn invalid_scenario() {
    let out = check_text(
        &Tiny {
            endpoint: "vpn_port = 8443",
            ..TINY
        }
        .toml(),
        "max_blocking_probability = 0\n",
    );
    assert_bad_input(
        &out,
        &["error[vpn-port]", "s.toml:8:12 (endpoint.vpn_port)"],
    );
}

#[test]
fn expectations_with_nothing_to_check() {
    let out = check_text(&TINY.toml(), "# nothing yet\n");
    assert_bad_input(&out, &["e.toml: no expectation to check"]);
}

// ---------------------------------------------------------------------------------------------
// The CI workflow.

#[test]
fn the_documented_workflow_is_the_deployed_one() {
    let doc = fs::read_to_string(root().join("docs/check.md")).unwrap();
    let start = doc
        .find("```yaml\n")
        .expect("a yaml block in docs/check.md")
        + "```yaml\n".len();
    let documented = &doc[start..start + doc[start..].find("```\n").unwrap()];
    let deployed = fs::read_to_string(root().join("deploy/github-actions-check.yml")).unwrap();
    // The deployed file opens with a comment on where to put it; the rest is the same.
    let body: String = deployed
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(documented, body);
    // It does what docs/check.md says it does.
    for step in [
        "pull_request:",
        "\"scenarios/**\"",
        "\"infra/**/*.tf\"",
        "dtolnay/rust-toolchain@",
        "terraform -chdir=infra show -json plan.tfplan > plan.json",
        "uses: ./",
        "terraform-plan: plan.json",
        "security-events: write",
    ] {
        assert!(body.contains(step), "the workflow lacks `{step}`");
    }
}
