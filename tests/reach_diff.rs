//! Differential reachability between two versions of a configuration (`net::diff`), on
//! scenarios written as TOML the way users write them.

use cvpnsim::model::Scenario;
use cvpnsim::net::{diff, AddrSet, Matrix, Outcome, Status};
use cvpnsim::scenario::load_str;

/// The guide's example architecture for the authorization-rule scenarios ("Example scenarios
/// for Client VPN authorization rules"), with the rules given as TOML.
fn guide_architecture(rules: &str) -> Scenario {
    let text = format!(
        r#"
name = "authorization-examples"
seed = 1
duration = "1d"

[endpoint]
client_cidr_block = "10.200.0.0/22"
authentication = ["active-directory"]
vpc_id = "vpc-cvpn"

[[vpc]]
id = "vpc-cvpn"
cidr_blocks = ["192.168.0.0/24"]

[[subnet]]
id = "subnet-cvpn"
vpc_id = "vpc-cvpn"
cidr_block = "192.168.0.0/27"
availability_zone = "us-east-1a"

[[association]]
subnet_id = "subnet-cvpn"

[[route]]
destination_cidr_block = "10.0.0.0/16"
target_vpc_subnet_id = "subnet-cvpn"

[[route]]
destination_cidr_block = "172.16.0.0/24"
target_vpc_subnet_id = "subnet-cvpn"

[[network]]
name = "on-prem"
cidr_blocks = ["172.16.0.0/24"]

[[network]]
name = "dev-vpc"
cidr_blocks = ["10.0.0.0/16"]

[[population]]
name = "engineering"
users = 10
groups = ["S-xxxxx14"]
workday = {{ start = "09:00", length = "8h", days = "mon-fri" }}
needs = ["on-prem", "dev-vpc", "vpc-cvpn"]

[[population]]
name = "managers"
users = 10
groups = ["S-xxxxx16"]
workday = {{ start = "09:00", length = "8h", days = "mon-fri" }}
needs = ["on-prem", "dev-vpc", "vpc-cvpn"]
{rules}
"#
    );
    load_str("guide.toml", &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn rule(desc: &str, group: &str, cidr: &str) -> String {
    format!(
        "\n[[authorization_rule]]\ndescription = \"{desc}\"\naccess_group_id = \"{group}\"\ntarget_network_cidr = \"{cidr}\"\n"
    )
}

/// The "Additional 0.0.0.0/0 rule" scenario, before "Add a rule for 192.168.0.0/24".
fn before() -> String {
    [
        rule(
            "Provide engineering group access to on-premises network",
            "S-xxxxx14",
            "172.16.0.0/24",
        ),
        rule(
            "Provide development group access to development VPC",
            "S-xxxxx15",
            "10.0.0.0/16",
        ),
        rule(
            "Provide manager group access to any destination",
            "S-xxxxx16",
            "0.0.0.0/0",
        ),
        rule(
            "Provide manager group access to single host in development VPC",
            "S-xxxxx16",
            "10.0.2.119/32",
        ),
        rule(
            "Provide engineering group access to a smaller subnet",
            "S-xxxxx14",
            "172.16.0.128/25",
        ),
        rule(
            "Provide engineering group access to any destination",
            "S-xxxxx14",
            "0.0.0.0/0",
        ),
    ]
    .concat()
}

fn after() -> String {
    before()
        + &rule(
            "Provide manager group access to Client VPN VPC",
            "S-xxxxx16",
            "192.168.0.0/24",
        )
}

fn compare(old: &Scenario, new: &Scenario) -> cvpnsim::net::Diff {
    diff(old, &Matrix::all_live(old), new, &Matrix::all_live(new))
}

#[test]
fn guide_adding_a_manager_rule_for_192_168_0_0_24_is_a_regression_for_engineering() {
    // Guide, "Add a rule for 192.168.0.0/24": adding the manager rule removes another group's
    // access to that network (its 0.0.0.0/0 rule is now hidden by the longer prefix).
    let (old, new) = (guide_architecture(&before()), guide_architecture(&after()));
    let d = compare(&old, &new);
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    let c = &d.changes[0];
    assert_eq!(
        (
            c.key.population.as_str(),
            c.key.network.as_str(),
            c.key.association.as_str()
        ),
        ("engineering", "vpc-cvpn", "subnet-cvpn")
    );
    assert!(c.is_regression());
    assert!(d.has_regression());
    assert_eq!(
        c.newly_failing,
        AddrSet::from_cidrs(&["192.168.0.0/24".parse().unwrap()])
    );
    assert!(c.newly_reaching.is_empty());
    let (o, n) = (c.old.as_ref().unwrap(), c.new.as_ref().unwrap());
    assert_eq!(
        (o.status, n.status),
        (Status::Reachable, Status::Unreachable)
    );
    assert_eq!(n.reason, Outcome::ShadowedByLongerPrefix);
    assert!(
        n.decided_by
            .contains("Provide manager group access to Client VPN VPC"),
        "{}",
        n.decided_by
    );
    // The other direction gives the access back: a change, not a regression.
    let back = compare(&new, &old);
    assert_eq!(back.changes.len(), 1);
    assert!(!back.has_regression());
    assert_eq!(back.changes[0].newly_reaching.len(), 256);
}

#[test]
fn reordering_rules_changes_nothing() {
    // Guide, "Key points for understanding authorization rules": 0.0.0.0/0 is processed last
    // "regardless of the order in which the authorization rules were created".
    let rules: Vec<String> = vec![
        rule("a", "S-xxxxx14", "172.16.0.0/24"),
        rule("b", "S-xxxxx16", "0.0.0.0/0"),
        rule("c", "S-xxxxx16", "10.0.2.119/32"),
    ];
    let reversed: Vec<String> = rules.iter().rev().cloned().collect();
    let d = compare(
        &guide_architecture(&rules.concat()),
        &guide_architecture(&reversed.concat()),
    );
    assert!(d.changes.is_empty(), "{:#?}", d.changes);
}

#[test]
fn verdicts_of_one_version_only_are_listed_but_not_regressions() {
    let old = guide_architecture(&before());
    let mut new = old.clone();
    new.populations.truncate(1);
    let d = compare(&old, &new);
    assert_eq!(d.changes.len(), 3, "managers' three verdicts");
    assert!(d
        .changes
        .iter()
        .all(|c| c.new.is_none() && c.key.population == "managers"));
    assert!(!d.has_regression());
}
