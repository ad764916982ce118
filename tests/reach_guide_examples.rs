//! The guide's "Example scenarios for Client VPN authorization rules", one test per scenario,
//! each reproducing every "Resulting behavior" bullet on whole networks and on single addresses
//! inside and outside them. Also the guide's troubleshooting case "Authorization rules for
//! Active Directory groups not working as expected".
//!
//! Example architecture: the endpoint's VPC ("Client VPN VPC", 192.168.0.0/24), a development
//! VPC (10.0.0.0/16), an on-premises network (172.16.0.0/24) and the internet, all routed from
//! the associated subnet, so only the authorization rules decide.

use crate::reach_support::*;
use cvpnsim::model::Scenario;
use cvpnsim::net::{AddrSet, Outcome, Status};

const ENG: &str = "S-xxxxx14";
const DEV: &str = "S-xxxxx15";
const MGR: &str = "S-xxxxx16";

const NETWORKS: [&str; 4] = ["on-prem", "dev-vpc", "cvpn-vpc", "internet"];

type RuleSpec = (&'static str, Option<&'static str>, &'static str);

const SINGLE_DESTINATION: [RuleSpec; 3] = [
    (
        "Provide engineering group access to on-premises network",
        Some(ENG),
        "172.16.0.0/24",
    ),
    (
        "Provide development group access to development VPC",
        Some(DEV),
        "10.0.0.0/16",
    ),
    (
        "Provide manager group access to Client VPN VPC",
        Some(MGR),
        "192.168.0.0/24",
    ),
];

const ANY_DESTINATION: [RuleSpec; 3] = [
    SINGLE_DESTINATION[0],
    SINGLE_DESTINATION[1],
    (
        "Provide manager group access to any destination",
        Some(MGR),
        "0.0.0.0/0",
    ),
];

const MANAGER_HOST: RuleSpec = (
    "Provide manager group access to a single host in development VPC",
    Some(MGR),
    "10.0.2.119/32",
);
const ENGINEERING_SUBNET: RuleSpec = (
    "Provide engineering group access to a smaller subnet within on-premises network",
    Some(ENG),
    "172.16.0.128/25",
);
const ENGINEERING_ANY: RuleSpec = (
    "Provide engineering group access to any destination",
    Some(ENG),
    "0.0.0.0/0",
);
const MANAGER_CVPN_VPC: RuleSpec = (
    "Provide manager group access to Client VPN VPC",
    Some(MGR),
    "192.168.0.0/24",
);
const ALL_GROUPS_ANY: RuleSpec = ("Provide access to all groups", None, "0.0.0.0/0");

fn architecture(rules: &[RuleSpec]) -> Scenario {
    let mut b = Builder::new("192.168.0.0/24", "10.200.0.0/22")
        .associate("subnet-cvpn", "192.168.0.0/27", "us-east-1a")
        .route("10.0.0.0/16", "subnet-cvpn")
        .route("172.16.0.0/24", "subnet-cvpn")
        .route("0.0.0.0/0", "subnet-cvpn")
        .network("on-prem", &["172.16.0.0/24"])
        .network("dev-vpc", &["10.0.0.0/16"])
        .network("cvpn-vpc", &["192.168.0.0/24"])
        .internet();
    for (desc, group, dest) in rules {
        b = b.rule(desc, *group, dest);
    }
    b.population("engineering", &[ENG], None, &NETWORKS)
        .population("development", &[DEV], None, &NETWORKS)
        .population("managers", &[MGR], None, &NETWORKS)
        .population("admins", &["S-admin"], None, &NETWORKS)
        .build()
}

/// Asserts the status of each of the four networks for `pop`, in `NETWORKS` order.
fn assert_networks(s: &Scenario, pop: &str, expected: [Status; 4]) {
    for (net, want) in NETWORKS.iter().zip(expected) {
        assert_eq!(status(s, pop, net), want, "{pop} -> {net}");
    }
}

fn assert_addresses(s: &Scenario, pop: &str, expected: &[(&str, Outcome)]) {
    for (addr, want) in expected {
        assert_eq!(outcome(s, pop, addr), *want, "{pop} -> {addr}");
    }
}

use Outcome::{NotAuthorized as NA, Reachable as D, ShadowedByLongerPrefix as SH};
use Status::{Partial as P, Reachable as R, Unreachable as U};

fn set(cidrs: &[&str]) -> AddrSet {
    AddrSet::from_cidrs(&cidrs.iter().map(|c| cidr(c)).collect::<Vec<_>>())
}

#[test]
fn guide_example_access_to_a_single_destination() {
    let s = architecture(&SINGLE_DESTINATION);
    // "The engineering group can access only 172.16.0.0/24."
    assert_networks(&s, "engineering", [R, U, U, U]);
    assert_addresses(
        &s,
        "engineering",
        &[
            ("172.16.0.1", D),
            ("172.16.0.255", D),
            ("172.16.1.0", NA),
            ("10.0.0.1", NA),
        ],
    );
    // "The development group can access only 10.0.0.0/16."
    assert_networks(&s, "development", [U, R, U, U]);
    assert_addresses(
        &s,
        "development",
        &[("10.0.255.255", D), ("10.1.0.0", NA), ("172.16.0.1", NA)],
    );
    // "The manager group can access only 192.168.0.0/24."
    assert_networks(&s, "managers", [U, U, R, U]);
    assert_addresses(
        &s,
        "managers",
        &[("192.168.0.10", D), ("192.168.1.10", NA), ("8.8.8.8", NA)],
    );
    // "All other traffic is dropped"; note: no user group has access to the public internet.
    assert_networks(&s, "admins", [U, U, U, U]);
    for pop in ["engineering", "development", "managers", "admins"] {
        assert_eq!(outcome(&s, pop, "8.8.8.8"), NA, "{pop}");
        assert_eq!(verdict(&s, pop, "internet").reason(), NA);
    }
}

#[test]
fn guide_example_use_any_destination_cidr() {
    let s = architecture(&ANY_DESTINATION);
    // "The engineering group can access only 172.16.0.0/24."
    assert_networks(&s, "engineering", [R, U, U, U]);
    // "The development group can access only 10.0.0.0/16."
    assert_networks(&s, "development", [U, R, U, U]);
    // "The manager group can access the public internet and 192.168.0.0/24, but cannot access
    // 172.16.0.0/24 or 10.0.0.0/16."
    assert_networks(&s, "managers", [U, U, R, R]);
    assert_addresses(
        &s,
        "managers",
        &[
            ("8.8.8.8", D),
            ("192.168.0.1", D),
            ("192.168.7.7", D),
            ("172.16.0.9", SH),
            ("10.0.3.3", SH),
        ],
    );
    // The 0.0.0.0/0 rule would grant managers 172.16.0.0/24, but the engineering /24 rule is
    // evaluated first and hides it.
    let v = verdict(&s, "managers", "on-prem");
    assert_eq!(v.reason(), SH);
    assert_eq!(
        v.primary().unwrap().cites,
        vec![cvpnsim::net::Cite::Rule(0), cvpnsim::net::Cite::Hidden(2)]
    );
}

#[test]
fn guide_example_longer_ip_prefix_match() {
    let s = architecture(&[
        ANY_DESTINATION[0],
        ANY_DESTINATION[1],
        ANY_DESTINATION[2],
        MANAGER_HOST,
    ]);
    // "The engineering group can access only 172.16.0.0/24."
    assert_networks(&s, "engineering", [R, U, U, U]);
    // "The development group can access 10.0.0.0/16, except for the single host 10.0.2.119/32."
    assert_networks(&s, "development", [U, P, U, U]);
    let dev = verdict(&s, "development", "dev-vpc");
    assert_eq!(dev.failing(), set(&["10.0.2.119/32"]));
    assert_eq!(dev.reason(), SH);
    assert_addresses(
        &s,
        "development",
        &[("10.0.2.118", D), ("10.0.2.119", SH), ("10.0.2.120", D)],
    );
    // "The manager group can access the public internet, 192.168.0.0/24, and a single host
    // (10.0.2.119/32) within the development VPC, but does not have access to 172.16.0.0/24 or
    // any of the remaining hosts in the development VPC."
    assert_networks(&s, "managers", [U, P, R, R]);
    let mgr = verdict(&s, "managers", "dev-vpc");
    assert_eq!(mgr.with_outcome(D), set(&["10.0.2.119/32"]));
    assert_eq!(
        mgr.failing(),
        set(&["10.0.0.0/16"]).difference(&set(&["10.0.2.119/32"]))
    );
    assert_addresses(
        &s,
        "managers",
        &[
            ("10.0.2.119", D),
            ("10.0.2.118", SH),
            ("172.16.0.1", SH),
            ("1.1.1.1", D),
        ],
    );
}

#[test]
fn guide_example_overlapping_cidr_same_group() {
    let s = architecture(&[
        ANY_DESTINATION[0],
        ANY_DESTINATION[1],
        ANY_DESTINATION[2],
        MANAGER_HOST,
        ENGINEERING_SUBNET,
    ]);
    // "The development group can access 10.0.0.0/16, except for the single host 10.0.2.119/32."
    assert_networks(&s, "development", [U, P, U, U]);
    assert_eq!(
        verdict(&s, "development", "dev-vpc").failing(),
        set(&["10.0.2.119/32"])
    );
    // "The manager group can access the public internet, 192.168.0.0/24, and a single host
    // (10.0.2.119/32) …, but does not have access to 172.16.0.0/24 or any of the remaining
    // hosts in the 10.0.0.0/16 network."
    assert_networks(&s, "managers", [U, P, R, R]);
    assert_addresses(
        &s,
        "managers",
        &[("172.16.0.200", SH), ("172.16.0.5", SH), ("10.0.2.119", D)],
    );
    // "The engineering group has access to 172.16.0.0/24, including the more specific subnet
    // 172.16.0.128/25."
    assert_networks(&s, "engineering", [R, U, U, U]);
    assert_addresses(
        &s,
        "engineering",
        &[
            ("172.16.0.5", D),
            ("172.16.0.127", D),
            ("172.16.0.128", D),
            ("172.16.0.255", D),
        ],
    );
}

#[test]
fn guide_example_additional_any_destination_rule() {
    let s = architecture(&[
        ANY_DESTINATION[0],
        ANY_DESTINATION[1],
        ANY_DESTINATION[2],
        MANAGER_HOST,
        ENGINEERING_SUBNET,
        ENGINEERING_ANY,
    ]);
    // "The development group can access 10.0.0.0/16, except for the single host 10.0.2.119/32."
    assert_networks(&s, "development", [U, P, U, U]);
    // Managers unchanged.
    assert_networks(&s, "managers", [U, P, R, R]);
    // "The engineering group can access the public internet, 192.168.0.0/24, and
    // 172.16.0.0/24, including the more specific subnet 172.16.0.128/25."
    assert_networks(&s, "engineering", [R, U, R, R]);
    assert_addresses(
        &s,
        "engineering",
        &[
            ("8.8.8.8", D),
            ("192.168.0.77", D),
            ("172.16.0.1", D),
            ("172.16.0.130", D),
            ("10.0.0.1", SH),
        ],
    );
    // Note: "both the engineering and manager groups can now access 192.168.0.0/24".
    assert_eq!(outcome(&s, "managers", "192.168.0.77"), D);
}

#[test]
fn guide_example_add_a_rule_for_192_168_0_0_24() {
    let s = architecture(&[
        ANY_DESTINATION[0],
        ANY_DESTINATION[1],
        ANY_DESTINATION[2],
        MANAGER_HOST,
        ENGINEERING_SUBNET,
        ENGINEERING_ANY,
        MANAGER_CVPN_VPC,
    ]);
    // "The development group can access 10.0.0.0/16, except for the single host 10.0.2.119/32."
    assert_networks(&s, "development", [U, P, U, U]);
    // "The manager group can access the public internet, 192.168.0.0/24, and a single host
    // (10.0.2.119/32) …, but does not have access to 172.16.0.0/24 or … the remaining hosts."
    assert_networks(&s, "managers", [U, P, R, R]);
    // "The engineering group can access the public internet, 172.16.0.0/24, and
    // 172.16.0.128/25." The new manager rule hides engineering's 0.0.0.0/0 rule for
    // 192.168.0.0/24. (The guide's note names the development group as the one losing access;
    // by the rules it is engineering, which had it in the previous scenario.)
    assert_networks(&s, "engineering", [R, U, U, R]);
    assert_addresses(
        &s,
        "engineering",
        &[("192.168.0.1", SH), ("192.168.1.1", D), ("172.16.0.129", D)],
    );
    assert_eq!(verdict(&s, "engineering", "cvpn-vpc").reason(), SH);
}

#[test]
fn guide_example_access_for_all_user_groups() {
    let s = architecture(&[
        ANY_DESTINATION[0],
        ANY_DESTINATION[1],
        ANY_DESTINATION[2],
        MANAGER_HOST,
        ENGINEERING_SUBNET,
        ENGINEERING_ANY,
        MANAGER_CVPN_VPC,
        ALL_GROUPS_ANY,
    ]);
    // "The development group can access 10.0.0.0/16, except for the single host 10.0.2.119/32."
    // (The all-users 0.0.0.0/0 rule also gives it the public internet.)
    assert_networks(&s, "development", [U, P, U, R]);
    assert_eq!(
        verdict(&s, "development", "dev-vpc").failing(),
        set(&["10.0.2.119/32"])
    );
    // Managers and engineering as in the previous scenario.
    assert_networks(&s, "managers", [U, P, R, R]);
    assert_networks(&s, "engineering", [R, U, U, R]);
    // "Any other user group, for example "admin group," can access the public internet, but
    // not any other destination networks defined in the other rules."
    assert_networks(&s, "admins", [U, U, U, R]);
    assert_addresses(
        &s,
        "admins",
        &[
            ("8.8.8.8", D),
            ("203.0.114.1", D),
            ("172.16.0.1", SH),
            ("10.0.2.119", SH),
            ("192.168.0.1", SH),
        ],
    );
}

/// Guide: "Troubleshooting AWS Client VPN: Authorization rules for Active Directory groups not
/// working as expected" — five rules created in order; the 0.0.0.0/0 rules are evaluated last.
#[test]
fn guide_troubleshooting_ad_group_rules_zero_route_evaluated_last() {
    let build = |with_specific: bool| {
        let mut b = Builder::new("192.168.0.0/24", "10.200.0.0/22")
            .associate("subnet-a", "192.168.0.0/27", "us-east-1a")
            .route("0.0.0.0/0", "subnet-a")
            .network("ten-one", &["10.1.0.0/16"])
            .network("one-seventy-two", &["172.131.0.0/16"])
            .internet();
        if with_specific {
            b = b.rule("Rule 1", Some("group1"), "10.1.0.0/16");
        }
        b = b
            .rule("Rule 2", Some("group1"), "0.0.0.0/0")
            .rule("Rule 3", Some("group2"), "0.0.0.0/0")
            .rule("Rule 4", Some("group3"), "0.0.0.0/0");
        if with_specific {
            b = b.rule("Rule 5", Some("group2"), "172.131.0.0/16");
        }
        let needs = ["ten-one", "one-seventy-two", "internet"];
        b.population("g1", &["group1"], None, &needs)
            .population("g2", &["group2"], None, &needs)
            .population("g3", &["group3"], None, &needs)
            .build()
    };
    let s = build(true);
    // "Group 1 has access to 10.1.0.0/16 only, and Group 2 has access to 172.131.0.0/16 only.
    // Group 3 does not have access to 10.1.0.0/16 or 172.131.0.0/16, but it has access to all
    // other networks."
    assert_eq!(status(&s, "g1", "ten-one"), R);
    assert_eq!(status(&s, "g1", "one-seventy-two"), U);
    assert_eq!(status(&s, "g2", "ten-one"), U);
    assert_eq!(status(&s, "g2", "one-seventy-two"), R);
    assert_eq!(status(&s, "g3", "ten-one"), U);
    assert_eq!(status(&s, "g3", "one-seventy-two"), U);
    assert_eq!(status(&s, "g3", "internet"), R);
    // "If you remove Rules 1 and 5, all three groups have access to all networks."
    let s = build(false);
    for pop in ["g1", "g2", "g3"] {
        for net in ["ten-one", "one-seventy-two", "internet"] {
            assert_eq!(status(&s, pop, net), R, "{pop} -> {net}");
        }
    }
}

/// The bundled `scenarios/guide-authorization-rules.toml` ("Access for all user groups") says
/// what `cvpnsim reach` shows for it; keep the file and its claims in step.
#[test]
fn guide_bundled_authorization_scenario_matches_its_description() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/guide-authorization-rules.toml");
    let s = cvpnsim::scenario::load_file(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let nets = ["on-premises", "development-vpc", "vpc-0c1e0001", "internet"];
    let expect = |pop: &str, want: [Status; 4]| {
        for (net, w) in nets.iter().zip(want) {
            assert_eq!(status(&s, pop, net), w, "{pop} -> {net}");
        }
    };
    expect("engineering", [R, U, U, R]);
    expect("development", [U, P, U, R]);
    expect("managers", [U, P, R, R]);
    expect("admins", [U, U, U, R]);
    assert_eq!(
        verdict(&s, "development", "development-vpc").failing(),
        set(&["10.0.2.119/32"])
    );
    assert_eq!(
        verdict(&s, "managers", "development-vpc").with_outcome(D),
        set(&["10.0.2.119/32"])
    );
}
