//! What a run costs, against bills worked out by hand (guide: "Pricing for Client VPN": "You are
//! charged for each endpoint association and each VPN connection on an hourly basis", Lambda
//! invocations of the client connect handler, CloudWatch Logs for connection logging, and
//! public IPv4 addresses when the VPC has an internet gateway).

use cvpnsim::cost::{self, Cost};
use cvpnsim::model::Scenario;
use cvpnsim::sim::{self, SimOptions};

/// Two associations, one Monday, ten mutual-authentication users who all start at 09:00 and
/// work exactly 8 hours: ten connections of 8 hours each.
fn scenario(extra_endpoint: &str, extra: &str, igw: bool) -> String {
    format!(
        r#"
name = "cost"
seed = 3
duration = "1d"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["mutual"]
vpc_id = "vpc-1"
{extra_endpoint}

[[vpc]]
id = "vpc-1"
cidr_blocks = ["172.31.0.0/16"]
internet_gateway = {igw}

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-1"
cidr_block = "172.31.0.0/20"
availability_zone = "us-east-1a"

[[subnet]]
id = "subnet-b"
vpc_id = "vpc-1"
cidr_block = "172.31.16.0/20"
availability_zone = "us-east-1b"

[[association]]
subnet_id = "subnet-a"

[[association]]
subnet_id = "subnet-b"

[[authorization_rule]]
target_network_cidr = "172.31.0.0/16"
authorize_all_groups = true

[[population]]
name = "staff"
users = 10
workday = {{ start = "09:00", length = "8h", days = "mon-fri" }}
needs = ["vpc-1"]
{extra}
"#
    )
}

fn load(text: &str) -> Scenario {
    cvpnsim::scenario::load_str("cost.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

/// The bill, and how many connections were made.
fn run(text: &str) -> (Cost, u64) {
    let sc = load(text);
    let r = sim::simulate(&sc, &SimOptions::default());
    (cost::of_run(&sc, &r.summary.usage), r.summary.successes)
}

fn bill(text: &str) -> Cost {
    let (c, connections) = run(text);
    assert_eq!(connections, 10, "every user connects once");
    c
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[test]
fn associations_and_connections_are_billed_per_hour() {
    let c = bill(&scenario("", "", false));
    // 2 associations × 24 h × $0.10 = $4.80; 10 connections × 8 h × $0.05 = $4.00.
    assert!(close(c.amount_of("associations"), 4.80), "{c:?}");
    assert!(close(c.amount_of("connections"), 4.00), "{c:?}");
    assert!(close(c.total, 8.80), "{c:?}");
    // A 730-hour month at the same rate: 8.80 × 730 / 24.
    assert!(close(c.per_month, 8.80 * 730.0 / 24.0), "{c:?}");
    // No handler, no logging, no internet gateway: those items are absent, not zero.
    assert_eq!(c.items.len(), 2, "{c:?}");
}

#[test]
fn each_started_hour_is_billed_unless_prorated() {
    // With a 500 ms handler each connection starts at 09:00:00.5 and ends at 17:00: 7 h 59 min
    // 59.5 s, billed as 8 started hours; prorated it is 10 × (8 h − 0.5 s).
    let handler = r#"
[endpoint.client_connect_handler]
function_name = "AWSClientVPN-posture"
latency = "500ms"
concurrency = 100
"#;
    let started = bill(&scenario(handler, "", false));
    assert!(close(started.amount_of("connections"), 4.00), "{started:?}");
    let prorated = bill(&scenario(
        handler,
        "\n[pricing]\nbilling = \"prorated\"\n",
        false,
    ));
    let hours = 10.0 * (8.0 - 0.5 / 3600.0);
    assert!(
        close(prorated.amount_of("connections"), hours * 0.05),
        "{prorated:?}"
    );
    // Lambda: 10 requests at $0.20 per million; 10 × 0.5 s × 128 MB / 1024 = 0.625 GB-s.
    assert!(close(started.amount_of("handler-requests"), 10.0 * 0.2e-6));
    assert!(close(
        started.amount_of("handler-duration"),
        0.625 * 0.000_016_666_7
    ));
}

#[test]
fn a_disassociated_subnet_stops_being_billed() {
    // subnet-b is disassociated at 10:00: 24 + 10 association-hours. Its users drop at 10:00
    // and reconnect on subnet-a; their 09:00–10:00 session is one started hour and the
    // reconnected one (10:00 + a few seconds to 17:00) seven more: still 80 connection-hours.
    let text = scenario(
        "",
        "\n[[event]]\nat = \"10:00\"\ndisassociate = \"subnet-b\"\n",
        false,
    );
    let (c, connections) = run(&text);
    assert!(connections > 10, "the users of subnet-b reconnected");
    assert!(close(c.amount_of("associations"), 34.0 * 0.10), "{c:?}");
    assert!(close(c.amount_of("connections"), 80.0 * 0.05), "{c:?}");
}

#[test]
fn a_subnet_associated_later_is_billed_from_its_association() {
    // subnet-b is associated at 10:00: 24 + 14 association-hours.
    let text = scenario(
        "",
        "\n[[event]]\nat = \"10:00\"\nassociate = \"subnet-b\"\n",
        false,
    )
    .replace("[[association]]\nsubnet_id = \"subnet-b\"\n", "");
    let (c, _) = run(&text);
    assert!(close(c.amount_of("associations"), 38.0 * 0.10), "{c:?}");
}

#[test]
fn public_addresses_and_connection_logs_are_charged_when_they_apply() {
    let text = scenario("", "\n[pricing]\nconnection_logging = true\n", true);
    let c = bill(&text);
    // 48 association-hours × one address × $0.005.
    assert!(close(c.amount_of("public-ipv4"), 48.0 * 0.005), "{c:?}");
    // 10 connection entries and 10 end entries of 700 bytes, at $0.50 per GB ingested.
    let gb = 20.0 * 700.0 / 1_073_741_824.0;
    assert!(close(c.amount_of("connection-logs"), gb * 0.50), "{c:?}");
}

#[test]
fn every_price_can_be_overridden() {
    let text = scenario(
        "",
        "\n[pricing]\nassociation_hour = 0.15\nconnection_hour = 0.05\n",
        false,
    );
    let c = bill(&text);
    assert!(close(c.amount_of("associations"), 48.0 * 0.15), "{c:?}");
}

#[test]
fn a_bad_price_is_reported_at_its_line() {
    let text = scenario("", "\n[pricing]\nbilling = \"per-minute\"\n", false);
    let Err(err) = cvpnsim::scenario::load_str("cost.toml", &text) else {
        panic!("an unknown billing mode is an error");
    };
    let err = err.to_string();
    let line = text.lines().position(|l| l.starts_with("billing")).unwrap() + 1;
    assert!(err.contains(&format!("cost.toml:{line}:")), "{err}");
    assert!(err.contains("pricing.billing"), "{err}");
    assert!(err.contains("started-hour"), "{err}");

    let negative = scenario("", "\n[pricing]\nconnection_hour = -0.05\n", false);
    let Err(err) = cvpnsim::scenario::load_str("cost.toml", &negative) else {
        panic!("a negative price is an error");
    };
    let err = err.to_string();
    assert!(err.contains("pricing.connection_hour"), "{err}");
}

#[test]
fn pricing_survives_a_round_trip_through_the_writer() {
    let sc = load(&scenario(
        "",
        "\n[pricing]\nconnection_hour = 0.07\nbilling = \"prorated\"\nconnection_logging = true\n",
        true,
    ));
    let again = load(&cvpnsim::scenario::write::to_toml(&sc));
    assert_eq!(sc.pricing, again.pricing);
    assert!(again.vpcs[0].internet_gateway);
}
