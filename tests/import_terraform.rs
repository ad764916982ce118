//! `cvpnsim import terraform`: `terraform show -json` of a plan (values known only after
//! apply, child modules, references through module variables and `count.index`) and of a state
//! (data sources), imported and validated by the loader.

use cvpnsim::import::aws::Text;
use cvpnsim::import::terraform::{self, TerraformOptions};
use cvpnsim::import::{Imported, Level};
use cvpnsim::model::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(name: &str) -> Text {
    let text = std::fs::read_to_string(format!("{DIR}/{name}")).unwrap();
    Text::new(name.rsplit('/').next().unwrap(), text)
}

fn import(t: &Text, opts: &TerraformOptions) -> Imported {
    terraform::import(t, opts, "out.toml")
}

fn scenario(imp: &Imported) -> Scenario {
    let text = imp.text.as_deref().expect("a scenario was written");
    cvpnsim::scenario::load_str("out.toml", text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .scenario
}

fn lines(imp: &Imported, level: Level) -> Vec<String> {
    imp.findings
        .iter()
        .filter(|f| f.severity == level)
        .map(|f| f.to_string())
        .collect()
}

fn subnet_ids(s: &Scenario) -> Vec<&str> {
    s.associations
        .iter()
        .map(|a| s.subnets[a.subnet.index()].id.as_str())
        .collect()
}

#[test]
fn a_plan_imports_every_field_and_validates() {
    let imp = import(
        &fixture("terraform/plan.json"),
        &TerraformOptions::default(),
    );
    assert!(imp.ok(), "{:#?}", imp.findings);
    assert!(
        lines(&imp, Level::Warning).is_empty(),
        "{:#?}",
        imp.findings
    );
    let s = scenario(&imp);
    assert_eq!(s.name, "client_vpn-this");
    let e = &s.endpoint;
    assert_eq!(e.description.as_deref(), Some("Corporate VPN (planned)"));
    assert_eq!(e.client_cidr_block.to_string(), "10.100.0.0/20");
    assert_eq!(e.transport_protocol, Transport::Tcp);
    assert_eq!(e.vpn_port, 1194);
    assert!(e.split_tunnel);
    assert_eq!(e.session_timeout.hours(), 10);
    assert!(e.disconnect_on_session_timeout);
    assert_eq!(e.authentication, Authentication::User(UserAuth::Federated));
    assert!(e.self_service_portal);
    assert_eq!(e.login_banner.as_deref(), Some("Authorized use only."));
    assert_eq!(e.dns_servers.len(), 1);
    assert_eq!(
        e.client_connect_handler.as_ref().unwrap().function_name,
        "AWSClientVPN-device-posture"
    );
    assert!(s.output.connection_log);
    // Known only after apply, resolved through the configuration: the VPC through the module's
    // var.vpc_id, the subnets through var.subnet_ids[count.index], the route targets through
    // the associations, the security group directly.
    assert_eq!(s.vpcs[e.vpc.index()].id, "aws_vpc.main");
    let blocks: Vec<String> = s.vpcs[0]
        .cidr_blocks
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(blocks, ["10.0.0.0/16", "100.64.0.0/16"]);
    assert_eq!(
        s.security_groups[e.security_groups[0].index()].id,
        "module.client_vpn.aws_security_group.vpn"
    );
    assert_eq!(subnet_ids(&s), ["aws_subnet.vpn_a", "aws_subnet.vpn_b"]);
    let zones: Vec<&str> = s
        .subnets
        .iter()
        .map(|x| x.availability_zone.as_str())
        .collect();
    assert_eq!(zones, ["us-east-1a", "us-east-1b"]);
    let targets: Vec<&str> = s
        .routes
        .iter()
        .map(|r| match r.target {
            RouteTarget::Association(a) => s.subnet_of(a).id.as_str(),
            RouteTarget::Local => "local",
        })
        .collect();
    assert_eq!(targets, ["aws_subnet.vpn_a", "aws_subnet.vpn_b"]);
    let rules: Vec<(String, Grant)> = s
        .authorization_rules
        .iter()
        .map(|r| (r.destination.to_string(), r.grant.clone()))
        .collect();
    assert_eq!(
        rules,
        [
            (
                "10.0.0.0/16".into(),
                Grant::Group("S-1-5-21-engineering".into())
            ),
            ("10.0.8.0/24".into(), Grant::AllGroups)
        ]
    );
}

#[test]
fn values_known_only_after_apply_are_reported_by_name() {
    let imp = import(
        &fixture("terraform/plan.json"),
        &TerraformOptions::default(),
    );
    let notes = lines(&imp, Level::Note);
    for expected in [
        "note: plan.json:643:21: $.resource_changes[5].change.after_unknown.vpc_id: `endpoint.vpc_id = \"aws_vpc.main\"`: assumed: module.client_vpn.aws_ec2_client_vpn_endpoint.this.vpc_id is known only after apply; the configuration refers to aws_vpc.main",
        "note: plan.json:676:24: $.resource_changes[6].change.after_unknown.subnet_id: `association[0].subnet_id = \"aws_subnet.vpn_a\"`: assumed: module.client_vpn.aws_ec2_client_vpn_network_association.this[0].subnet_id is known only after apply; the configuration refers to aws_subnet.vpn_a (element 0 by count.index, of 2 it lists)",
    ] {
        assert!(notes.contains(&expected.to_string()), "{notes:#?}");
    }
    let text = imp.text.unwrap();
    assert!(text.contains(
        "# assumed: module.client_vpn.aws_ec2_client_vpn_route.onprem[1].target_vpc_subnet_id is known\n# only after apply; the configuration refers to\n# module.client_vpn.aws_ec2_client_vpn_network_association.this[1], whose subnet is\n# aws_subnet.vpn_b\ntarget_vpc_subnet_id = \"aws_subnet.vpn_b\""
    ));
}

#[test]
fn without_the_configuration_unknown_ids_are_errors() {
    let plan = fixture("terraform/plan.json");
    let start = plan.text.find("\"configuration\"").unwrap();
    let end = plan.text.find("\"relevant_attributes\"").unwrap();
    let cut = Text::new(
        "plan.json",
        format!("{}{}", &plan.text[..start], &plan.text[end..]),
    );
    let imp = import(&cut, &TerraformOptions::default());
    assert!(imp.text.is_none());
    let errors = lines(&imp, Level::Error);
    assert!(errors.contains(&"error: plan.json:676:24: $.resource_changes[6].change.after_unknown.subnet_id: module.client_vpn.aws_ec2_client_vpn_network_association.this[0].subnet_id is known only after apply and the plan does not show which resource it comes from".to_string()), "{errors:#?}");
    assert!(lines(&imp, Level::Warning).iter().any(|w| w.contains(
        "aws_ec2_client_vpn_endpoint.this.vpc_id is known only after apply and the plan does not show which resource it comes from: left out"
    )));
}

#[test]
fn a_client_cidr_known_only_after_apply_cannot_be_imported() {
    let plan = fixture("terraform/plan.json");
    let text = plan
        .text
        .replace("\"client_cidr_block\": \"10.100.0.0/20\",", "")
        .replace(
            "\"dns_name\": true,",
            "\"dns_name\": true,\n              \"client_cidr_block\": true,",
        );
    let imp = import(&Text::new("plan.json", text), &TerraformOptions::default());
    let errors = lines(&imp, Level::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains(
        "change.after_unknown.client_cidr_block: module.client_vpn.aws_ec2_client_vpn_endpoint.this.client_cidr_block is known only after apply: the scenario needs it"
    ));
}

#[test]
fn a_state_with_data_sources_imports_existing_ids() {
    let state = fixture("terraform/state.json");
    let imp = import(&state, &TerraformOptions::default());
    assert!(imp.ok(), "{:#?}", imp.findings);
    let s = scenario(&imp);
    assert_eq!(s.name, "main");
    assert_eq!(s.endpoint.id, "cvpn-endpoint-0f1e2d3c4b5a69788");
    assert_eq!(
        s.endpoint.authentication,
        Authentication::MutualAnd(UserAuth::ActiveDirectory)
    );
    assert!(!s.endpoint.self_service_portal);
    assert!(s.endpoint.client_connect_handler.is_none());
    assert!(!s.output.connection_log);
    let blocks: Vec<String> = s.vpcs[0]
        .cidr_blocks
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(blocks, ["172.31.0.0/16", "100.64.0.0/16"]);
    assert_eq!(
        subnet_ids(&s),
        ["subnet-0aaa1111bbbb2222a", "subnet-0aaa1111bbbb2222b"]
    );
    // data "aws_subnet" gives the first subnet; the second is only named: its zone and block
    // are stated assumptions.
    assert_eq!(s.subnets[0].availability_zone, "us-east-1a");
    assert_eq!(s.subnets[0].available_ip_addresses, 4000);
    assert_eq!(s.subnets[1].availability_zone, "unknown-az-1");
    assert!(lines(&imp, Level::Note).iter().any(|n| n.contains(
        "`subnet[1].availability_zone = \"unknown-az-1\"`: assumed: the Availability Zone of subnet-0aaa1111bbbb2222b is not in the inputs"
    )));
    // describe-subnets fills the gap.
    let opts = TerraformOptions {
        subnets: Some(fixture("aws/subnets.json")),
        ..TerraformOptions::default()
    };
    let s = scenario(&import(&state, &opts));
    assert_eq!(s.subnets[1].availability_zone, "us-east-1b");
    assert_eq!(s.subnets[1].cidr_block.to_string(), "172.31.16.0/20");
}

#[test]
fn several_endpoints_need_a_choice() {
    let state = fixture("terraform/state.json");
    let start = state
        .text
        .find("    {\n          \"address\": \"aws_ec2_client_vpn_endpoint.main\"")
        .unwrap();
    let end = state
        .text
        .find("    {\n          \"address\": \"aws_ec2_client_vpn_network_association.a\"")
        .unwrap();
    let other = state.text[start..end]
        .replace(
            "aws_ec2_client_vpn_endpoint.main",
            "aws_ec2_client_vpn_endpoint.lab",
        )
        .replace("\"name\": \"main\"", "\"name\": \"lab\"")
        .replace(
            "cvpn-endpoint-0f1e2d3c4b5a69788",
            "cvpn-endpoint-0aaaabbbbccccdddd",
        );
    let text = format!("{}{other}{}", &state.text[..end], &state.text[end..]);
    let t = Text::new("state.json", text);
    let imp = import(&t, &TerraformOptions::default());
    assert_eq!(
        lines(&imp, Level::Error),
        ["error: state.json: 2 endpoints in the plan: choose one with --endpoint (aws_ec2_client_vpn_endpoint.main, aws_ec2_client_vpn_endpoint.lab)"]
    );
    let opts = TerraformOptions {
        endpoint: Some("aws_ec2_client_vpn_endpoint.lab".into()),
        ..TerraformOptions::default()
    };
    let imp = import(&t, &opts);
    // The lab endpoint has no association of its own: the others are reported and left out.
    assert!(lines(&imp, Level::Note).iter().any(|n| n.contains(
        "aws_ec2_client_vpn_network_association.a belongs to endpoint cvpn-endpoint-0f1e2d3c4b5a69788, not aws_ec2_client_vpn_endpoint.lab: left out"
    )));
    assert!(imp
        .diagnostics
        .iter()
        .any(|d| d.diagnostic.rule == "no-association"));
}

#[test]
fn the_command_imports_a_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("planned.toml");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args([
            "import",
            "terraform",
            &format!("{DIR}/terraform/plan.json"),
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(err.contains("valid (0 errors, 0 warnings)"));
    let loaded = cvpnsim::scenario::load_file(&out).unwrap();
    assert_eq!(loaded.scenario.associations.len(), 2);
}

#[test]
fn import_validate_run() {
    let s = scenario(&import(
        &fixture("terraform/plan.json"),
        &TerraformOptions::default(),
    ));
    let r = cvpnsim::sim::simulate(&s, &cvpnsim::sim::SimOptions::default());
    assert!(r.summary.successes >= 500, "{:?}", r.summary.successes);
    assert!(r.summary.peak_concurrency <= 100);
}

#[test]
fn truncated_or_altered_plans_never_panic() {
    let plan = fixture("terraform/plan.json").text;
    for n in (0..plan.len()).step_by(397) {
        let cut = Text::new("plan.json", &plan[..n]);
        let imp = import(&cut, &TerraformOptions::default());
        assert!(imp.text.is_none());
        for r in ["\"", "}", "7", "null", "true"] {
            let mut v = plan.clone();
            v.replace_range(n..n + 1, r);
            let _ = import(&Text::new("plan.json", v), &TerraformOptions::default());
        }
    }
}
