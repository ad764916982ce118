//! The Terraform idioms real repositories use, each in a plan shaped as `terraform show -json`
//! writes it (Terraform 1.x: `planned_values`, `resource_changes[].change.after_unknown`,
//! `configuration` with `references`, `for_each_expression`, `count_expression`, module calls
//! and outputs): each imports into a scenario that validates and equals the hand-written
//! expected scenario beside it (tests/fixtures/terraform/idioms/NAME.expected.toml).

use cvpnsim::import::aws::Text;
use cvpnsim::import::terraform::{self, TerraformOptions};
use cvpnsim::import::{Imported, Level};
use cvpnsim::model::Scenario;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/terraform/idioms"
);

fn plan(name: &str) -> Text {
    let text = std::fs::read_to_string(format!("{DIR}/{name}.json")).unwrap();
    Text::new(format!("{name}.json"), text)
}

fn load(name: &str, text: &str) -> Scenario {
    cvpnsim::scenario::load_str(name, text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .scenario
}

fn findings(imp: &Imported, level: Level) -> Vec<String> {
    imp.findings
        .iter()
        .filter(|f| f.severity == level)
        .map(|f| f.to_string())
        .collect()
}

/// Imports NAME.json and compares it with NAME.expected.toml.
fn imports_as_expected(name: &str) -> Imported {
    let imp = terraform::import(&plan(name), &TerraformOptions::default(), "out.toml");
    assert!(imp.ok(), "{name}: {:#?}", imp.findings);
    // The only value left out: the endpoint's security groups, which AWS chooses at apply.
    let warnings = findings(&imp, Level::Warning);
    assert!(
        warnings.len() <= 1 && warnings.iter().all(|w| w.contains("security_group_ids")),
        "{name}: {warnings:#?}"
    );
    let got = load("out.toml", imp.text.as_deref().expect("a scenario"));
    let path = format!("{DIR}/{name}.expected.toml");
    let want = load(&path, &std::fs::read_to_string(&path).unwrap());
    assert_eq!(got, want, "{name}:\n{}", imp.text.as_deref().unwrap());
    imp
}

fn notes(imp: &Imported) -> String {
    findings(imp, Level::Note).join("\n")
}

#[test]
fn for_each_over_a_resource() {
    let imp = imports_as_expected("foreach-resource");
    assert!(notes(&imp).contains(
        "aws_ec2_client_vpn_network_association.this[\"b\"].subnet_id is known only after apply; \
         the configuration refers to aws_subnet.vpn[\"b\"]"
    ));
}

#[test]
fn for_each_over_a_map_variable() {
    imports_as_expected("foreach-map-variable");
}

#[test]
fn count() {
    imports_as_expected("count");
}

#[test]
fn module_outputs_of_a_public_style_vpc_module() {
    let imp = imports_as_expected("module-outputs");
    let n = notes(&imp);
    assert!(n.contains("the configuration refers to module.vpc.aws_subnet.private[1]"));
    // the subnets' vpc_id is a local the plan does not show: stated as an assumption
    assert!(n.contains(
        "module.vpc.aws_subnet.private[0].vpc_id is known only after apply and the plan does not \
         show where it comes from: taken as the endpoint's VPC module.vpc.aws_vpc.this[0]"
    ));
}

#[test]
fn nested_modules() {
    let imp = imports_as_expected("nested-modules");
    assert!(notes(&imp).contains(
        "refers to module.network.module.vpc.aws_subnet.private[1] (element 1 by count.index, of \
         3 it lists)"
    ));
}

/// What cannot be traced is still reported by name: a `for_each` over a local value (which
/// the plan's configuration does not describe).
#[test]
fn a_for_each_over_a_local_value_is_reported_by_name() {
    let text = plan("foreach-resource").text;
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for r in v["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
    {
        if r["type"] == "aws_ec2_client_vpn_network_association" {
            r["for_each_expression"] = serde_json::json!({"references": ["local.vpn_subnets"]});
        }
    }
    let t = Text::new("local.json", serde_json::to_string_pretty(&v).unwrap());
    let imp = terraform::import(&t, &TerraformOptions::default(), "out.toml");
    assert!(!imp.ok());
    let errors = findings(&imp, Level::Error);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].contains(
        "aws_ec2_client_vpn_network_association.this[\"a\"].subnet_id is known only after apply \
         and the plan does not show which resource it comes from"
    ));
}

/// A reference to one element of a module output does not also pull in the whole list (the
/// shorter forms Terraform lists after it): association `b` lands on element 1 only.
#[test]
fn an_indexed_module_output_is_one_subnet() {
    let imp = imports_as_expected("module-outputs");
    let s = load("out.toml", imp.text.as_deref().unwrap());
    let ids: Vec<&str> = s
        .associations
        .iter()
        .map(|a| s.subnets[a.subnet.index()].id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "module.vpc.aws_subnet.private[0]",
            "module.vpc.aws_subnet.private[1]"
        ]
    );
}

/// A module called with `count = 1` (`module.vpc[0]`, as a `create_vpc` switch writes it): the
/// configuration's references name the instance (`module.vpc[0].private_subnets[0]`) and are
/// followed into it.
#[test]
fn a_module_with_count_is_followed_into_its_instance() {
    let text = plan("module-outputs")
        .text
        .replace("\"module.vpc.", "\"module.vpc[0].")
        .replace(
            "\"address\": \"module.vpc\"",
            "\"address\": \"module.vpc[0]\"",
        )
        .replace(
            "\"module_address\": \"module.vpc\"",
            "\"module_address\": \"module.vpc[0]\"",
        );
    assert!(text.contains("module.vpc[0].aws_subnet.private[1]"));
    let t = Text::new("count-module.json", text);
    let imp = terraform::import(&t, &TerraformOptions::default(), "out.toml");
    assert!(imp.ok(), "{:#?}", imp.findings);
    let s = load("out.toml", imp.text.as_deref().unwrap());
    let ids: Vec<&str> = s
        .associations
        .iter()
        .map(|a| s.subnets[a.subnet.index()].id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "module.vpc[0].aws_subnet.private[0]",
            "module.vpc[0].aws_subnet.private[1]"
        ]
    );
    assert_eq!(s.vpcs[0].id, "module.vpc[0].aws_vpc.this[0]");
}
