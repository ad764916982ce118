//! The VPC data plane imported from AWS CLI output (`--data-plane`) and from `terraform show
//! -json`, checked end to end against the hand-written scenario of the guide's "Troubleshooting
//! AWS Client VPN: Clients can't access a peered VPC, Amazon S3, or the internet"
//! (tests/fixtures/dataplane/troubleshooting.toml, exercised in dataplane_troubleshooting.rs):
//! each case of step 3 — the default route to an internet or NAT gateway, a network ACL that
//! blocks, the peering route on either side, the S3 gateway endpoint's route — broken the same
//! way in the AWS CLI JSON, in the Terraform state and in the hand-written scenario, must give the
//! same verdicts. The fixtures are in the shapes `aws ec2 describe-*` and `terraform show -json`
//! print (tests/fixtures/aws/dataplane/, tests/fixtures/terraform/dataplane/).

use std::net::Ipv4Addr;

use serde_json::{json, Value};

use cvpnsim::import::aws::{self, AwsInputs, AwsOptions, DataPlaneText, Text};
use cvpnsim::import::terraform::{self, TerraformOptions};
use cvpnsim::import::{Imported, Level};
use cvpnsim::model::dataplane::Service;
use cvpnsim::model::{AssocId, NetworkId, PopId, Scenario};
use cvpnsim::net::{trace, Client, Evaluator, Matrix, Outcome, RouteTables, Target};

const AWS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/aws/dataplane");
const TF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/terraform/dataplane/troubleshooting.json"
);
const BASE: &str = include_str!("fixtures/dataplane/troubleshooting.toml");

const DATA_PLANE: [&str; 8] = [
    "route-tables.json",
    "network-acls.json",
    "security-groups.json",
    "internet-gateways.json",
    "nat-gateways.json",
    "vpc-peering-connections.json",
    "vpc-endpoints.json",
    "prefix-lists.json",
];

const SG_APP: &str = "sg-0a0a0a0a0a0a0a0a0";
const NAT: &str = "nat-0f1e2d3c4b5a69788";

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{AWS}/{name}")).unwrap()
}

/// The AWS CLI outputs, `edit` applied to the data-plane file `name` (parsed and re-printed).
/// A change to one data-plane file: its name and what to do to its JSON.
type Edit<'e> = (&'e str, &'e dyn Fn(&mut Value));

fn aws_inputs(edits: &[Edit<'_>]) -> AwsInputs {
    let data_plane = DATA_PLANE
        .iter()
        .map(|name| {
            let mut text = read(name);
            for (file, f) in edits {
                if file == name {
                    let mut v: Value = serde_json::from_str(&text).unwrap();
                    f(&mut v);
                    text = serde_json::to_string_pretty(&v).unwrap();
                }
            }
            DataPlaneText {
                table: None,
                text: Text::new(*name, text),
            }
        })
        .collect();
    AwsInputs {
        endpoints: Text::new("endpoints.json", read("endpoints.json")),
        target_networks: Text::new("target-networks.json", read("target-networks.json")),
        routes: Text::new("routes.json", read("routes.json")),
        authorization_rules: Text::new(
            "authorization-rules.json",
            read("authorization-rules.json"),
        ),
        subnets: Some(Text::new("subnets.json", read("subnets.json"))),
        vpcs: Some(Text::new("vpcs.json", read("vpcs.json"))),
        data_plane,
    }
}

fn import_aws(edits: &[Edit<'_>]) -> Imported {
    aws::import(&aws_inputs(edits), &AwsOptions::default(), "imported.toml")
}

/// The Terraform state with `edit` applied to it.
fn import_tf(edit: &dyn Fn(&mut Value)) -> Imported {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(TF).unwrap()).unwrap();
    edit(&mut v);
    let text = serde_json::to_string_pretty(&v).unwrap();
    terraform::import(
        &Text::new("state.json", text),
        &TerraformOptions::default(),
        "imported.toml",
    )
}

/// The resource at `address` of the state (root module or its one child module).
fn resource<'v>(v: &'v mut Value, address: &str) -> &'v mut Value {
    let root = &mut v["values"]["root_module"];
    let in_root = root["resources"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["address"] == address);
    let list = match in_root {
        Some(_) => &mut root["resources"],
        None => &mut root["child_modules"][0]["resources"],
    };
    let list = list.as_array_mut().unwrap();
    let i = list
        .iter()
        .position(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("no {address}"));
    &mut list[i]
}

fn remove_resource(v: &mut Value, address: &str) {
    let list = v["values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap();
    let n = list.len();
    list.retain(|r| r["address"] != address);
    assert_eq!(list.len(), n - 1, "{address}");
}

/// What users need, kept in a file of their own and combined with the imported one through
/// `include` (docs/import.md): the same networks and population as the hand-written scenario.
fn people() -> String {
    format!(
        "include = [\"imported.toml\"]\n\n\
         [[network]]\nname = \"app-b\"\ncidr_blocks = [\"10.20.0.0/24\"]\nsecurity_group_id = \"{SG_APP}\"\nport = \"tcp/443\"\n\n\
         [[network]]\nname = \"s3\"\ncidr_blocks = [\"52.216.0.0/15\"]\nport = \"tcp/443\"\n\n\
         [[population]]\nname = \"staff\"\nusers = 100\ngroups = [\"S-1-5-21-1\"]\n\
         workday = {{ start = \"09:00\", length = \"8h\", days = \"mon-fri\" }}\n\
         needs = [\"internet\", \"app-b\", \"s3\"]\n"
    )
}

/// The imported scenario with the people part, loaded as a user would.
fn load_imported(imp: &Imported) -> Scenario {
    assert!(
        imp.ok(),
        "{:#?}\n{}",
        imp.findings,
        imp.render_diagnostics()
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("imported.toml"), imp.text.as_ref().unwrap()).unwrap();
    let main = dir.path().join("scenario.toml");
    std::fs::write(&main, people()).unwrap();
    cvpnsim::scenario::load_file(&main)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn load_toml(text: &str) -> Scenario {
    cvpnsim::scenario::load_str("case.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// Every verdict the cases look at: the matrix's for each needed network, and the traces'
/// outcomes of an internet address, the peered application and an S3 address over HTTPS.
fn verdicts(s: &Scenario) -> Vec<(String, Outcome)> {
    let m = Matrix::all_live(s);
    let mut v = Vec::new();
    for name in ["internet", "app-b", "s3"] {
        let n = s.networks.iter().position(|n| n.name == name).unwrap();
        let c = m
            .get(PopId(0), Target::Network(NetworkId(n as u32)), AssocId(0))
            .unwrap();
        v.push((name.to_string(), c.verdict.reason()));
    }
    let tables = RouteTables::all_live(s);
    let eval = Evaluator::new(s, &tables);
    let client = Client::population(s, PopId(0));
    for x in ["8.8.8.8", "10.20.0.10", "52.217.1.1"] {
        let t = eval.address_service(
            &client,
            AssocId(0),
            x.parse::<Ipv4Addr>().unwrap(),
            Service::parse("tcp/443"),
        );
        v.push((format!("{x} tcp/443"), t.outcome));
    }
    v
}

fn trace_of(s: &Scenario, x: &str) -> String {
    let tables = RouteTables::all_live(s);
    let eval = Evaluator::new(s, &tables);
    let client = Client::population(s, PopId(0));
    let t = eval.address_service(
        &client,
        AssocId(0),
        x.parse::<Ipv4Addr>().unwrap(),
        Service::parse("tcp/443"),
    );
    trace::render(s, &t)
}

/// The three scenarios agree, and agree with `expected` (worked out from the guide's rules).
fn same(aws: &Imported, tf: &Imported, toml: &str, expected: &[(&str, Outcome)]) {
    let hand = verdicts(&load_toml(toml));
    let want: Vec<(String, Outcome)> = expected.iter().map(|(k, o)| (k.to_string(), *o)).collect();
    assert_eq!(hand, want, "hand-written");
    assert_eq!(verdicts(&load_imported(aws)), want, "from the AWS CLI");
    assert_eq!(verdicts(&load_imported(tf)), want, "from Terraform");
}

use Outcome::*;

fn all(o: [Outcome; 6]) -> Vec<(&'static str, Outcome)> {
    [
        "internet",
        "app-b",
        "s3",
        "8.8.8.8 tcp/443",
        "10.20.0.10 tcp/443",
        "52.217.1.1 tcp/443",
    ]
    .into_iter()
    .zip(o)
    .collect()
}

const DEFAULT_ROUTE: &str =
    "  { destination_cidr_block = \"0.0.0.0/0\", gateway_id = \"igw-a\" },\n";

/// `Routes[k]` of route table `t` of describe-route-tables.
fn aws_routes(v: &mut Value, t: usize) -> &mut Vec<Value> {
    v["RouteTables"][t]["Routes"].as_array_mut().unwrap()
}

#[test]
fn the_complete_configuration_imports_to_the_same_verdicts() {
    same(
        &import_aws(&[]),
        &import_tf(&|_| {}),
        BASE,
        &all([Reachable; 6]),
    );
}

#[test]
fn internet_without_a_default_route() {
    let aws = import_aws(&[("route-tables.json", &|v| {
        aws_routes(v, 0).remove(1);
    })]);
    let tf = import_tf(&|v| {
        resource(v, "aws_route_table.vpn")["values"]["route"] = json!([]);
    });
    same(
        &aws,
        &tf,
        &edit(BASE, DEFAULT_ROUTE, ""),
        &all([
            NoRouteInVpc,
            Reachable,
            Reachable,
            NoRouteInVpc,
            Reachable,
            Reachable,
        ]),
    );
}

/// The NAT case of the guide's default route: rtb-a's default route to the NAT gateway, which
/// forwards through the public subnet's table to the internet gateway; without that table's
/// default route the internet is not reached.
#[test]
fn internet_through_a_nat_gateway() {
    let nat_toml = |public_route: &str| {
        let s = edit(
            BASE,
            "[[network_acl]]",
            &format!("[[subnet]]\nid = \"subnet-public\"\nvpc_id = \"vpc-a\"\ncidr_block = \"10.10.9.0/24\"\navailability_zone = \"us-east-1a\"\n\n[[nat_gateway]]\nid = \"nat-a\"\nsubnet_id = \"subnet-public\"\n\n[[route_table]]\nid = \"rtb-public\"\nvpc_id = \"vpc-a\"\nsubnet_ids = [\"subnet-public\"]\nroute = [{public_route}]\n\n[[network_acl]]"),
        );
        edit(
            &s,
            DEFAULT_ROUTE,
            "  { destination_cidr_block = \"0.0.0.0/0\", nat_gateway_id = \"nat-a\" },\n",
        )
    };
    let via_nat = |v: &mut Value| {
        aws_routes(v, 0)[1] = json!({
            "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": NAT,
            "Origin": "CreateRoute",
            "State": "active"
        });
    };
    let tf_via_nat = |v: &mut Value| {
        let r = &mut resource(v, "aws_route_table.vpn")["values"]["route"][0];
        r["gateway_id"] = json!("");
        r["nat_gateway_id"] = json!(NAT);
    };
    let aws = import_aws(&[("route-tables.json", &via_nat)]);
    let tf = import_tf(&tf_via_nat);
    same(
        &aws,
        &tf,
        &nat_toml("{ destination_cidr_block = \"0.0.0.0/0\", gateway_id = \"igw-a\" }"),
        &all([Reachable; 6]),
    );
    let text = trace_of(&load_imported(&aws), "8.8.8.8");
    assert!(text.contains(&format!("NAT gateway {NAT}")), "{text}");

    // The public subnet's table without its default route.
    let aws = import_aws(&[("route-tables.json", &|v| {
        via_nat(v);
        aws_routes(v, 1).remove(1);
    })]);
    let tf = import_tf(&|v| {
        tf_via_nat(v);
        resource(v, "aws_route_table.public")["values"]["route"] = json!([]);
    });
    same(
        &aws,
        &tf,
        &nat_toml(""),
        &all([
            NoRouteInVpc,
            Reachable,
            Reachable,
            NoRouteInVpc,
            Reachable,
            Reachable,
        ]),
    );
}

#[test]
fn a_network_acl_that_blocks_either_way() {
    // Outbound: a deny numbered before the allow.
    let aws = import_aws(&[("network-acls.json", &|v| {
        v["NetworkAcls"][0]["Entries"].as_array_mut().unwrap().insert(
            0,
            json!({"CidrBlock": "0.0.0.0/0", "Egress": true, "PortRange": {"From": 443, "To": 443},
                   "Protocol": "6", "RuleAction": "deny", "RuleNumber": 50}),
        );
    })]);
    let tf = import_tf(&|v| {
        resource(v, "aws_network_acl.vpn")["values"]["egress"]
            .as_array_mut()
            .unwrap()
            .push(
                json!({"action": "deny", "cidr_block": "0.0.0.0/0", "from_port": 443,
                         "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": "", "protocol": "tcp",
                         "rule_no": 50, "to_port": 443}),
            );
    });
    let toml = edit(
        BASE,
        "egress = [\n",
        "egress = [\n  { rule_number = 50, protocol = \"tcp\", rule_action = \"deny\", cidr_block = \"0.0.0.0/0\", from_port = 443, to_port = 443 },\n",
    );
    same(&aws, &tf, &toml, &all([NaclDenied; 6]));

    // Inbound: the replies arrive on ephemeral ports; 2048-65535 leaves 1024-2047 to `*`.
    let aws = import_aws(&[("network-acls.json", &|v| {
        v["NetworkAcls"][0]["Entries"][2]["PortRange"]["From"] = json!(2048);
    })]);
    let tf = import_tf(&|v| {
        resource(v, "aws_network_acl_rule.vpn_in_ephemeral")["values"]["from_port"] = json!(2048);
    });
    let toml = edit(
        BASE,
        "from_port = 1024, to_port = 65535",
        "from_port = 2048, to_port = 65535",
    );
    same(
        &aws,
        &tf,
        &toml,
        &all([
            // The internet as a need names no port: some reply port above 2047 passes.
            Reachable,
            NaclReturnDenied,
            NaclReturnDenied,
            NaclReturnDenied,
            NaclReturnDenied,
            NaclReturnDenied,
        ]),
    );
}

#[test]
fn a_peered_vpc_without_the_peering_route_on_either_side() {
    let aws = import_aws(&[("route-tables.json", &|v| {
        aws_routes(v, 0).remove(2);
    })]);
    let tf = import_tf(&|v| remove_resource(v, "aws_route.vpn_to_peer"));
    let toml = edit(
        BASE,
        "  { destination_cidr_block = \"10.20.0.0/16\", vpc_peering_connection_id = \"pcx-ab\" },\n",
        "",
    );
    same(
        &aws,
        &tf,
        &toml,
        &all([
            Reachable,
            NoRouteInVpc,
            Reachable,
            Reachable,
            NoRouteInVpc,
            Reachable,
        ]),
    );
    // The peer's side: no route back to the source-NATed interface address.
    let aws = import_aws(&[("route-tables.json", &|v| {
        aws_routes(v, 2).remove(1);
    })]);
    let tf = import_tf(&|v| {
        resource(v, "module.peer.aws_default_route_table.this")["values"]["route"] = json!([]);
    });
    let toml = edit(
        BASE,
        "  { destination_cidr_block = \"10.10.0.0/16\", vpc_peering_connection_id = \"pcx-ab\" },\n",
        "",
    );
    same(
        &aws,
        &tf,
        &toml,
        &all([
            Reachable,
            NoReturnRoute,
            Reachable,
            Reachable,
            NoReturnRoute,
            Reachable,
        ]),
    );
    // The destination's security group admits 8443, not 443.
    let aws = import_aws(&[("security-groups.json", &|v| {
        let p = &mut v["SecurityGroups"][1]["IpPermissions"][0];
        p["FromPort"] = json!(8443);
        p["ToPort"] = json!(8443);
    })]);
    let tf = import_tf(&|v| {
        let r = &mut resource(
            v,
            "module.peer.aws_vpc_security_group_ingress_rule.https_from_vpn",
        )["values"];
        r["from_port"] = json!(8443);
        r["to_port"] = json!(8443);
    });
    let toml = edit(
        BASE,
        "from_port = 443\nto_port = 443\nsource_security_group_id",
        "from_port = 8443\nto_port = 8443\nsource_security_group_id",
    );
    same(
        &aws,
        &tf,
        &toml,
        &all([
            Reachable,
            SecurityGroup,
            Reachable,
            Reachable,
            SecurityGroup,
            Reachable,
        ]),
    );
}

#[test]
fn s3_without_the_gateway_endpoint_route() {
    // A private subnet (no default route) whose table the endpoint is not associated with.
    let aws = import_aws(&[
        ("route-tables.json", &|v| {
            let r = aws_routes(v, 0);
            r.remove(3);
            r.remove(1);
        }),
        ("vpc-endpoints.json", &|v| {
            v["VpcEndpoints"][0]["RouteTableIds"] = json!([]);
        }),
    ]);
    let tf = import_tf(&|v| {
        resource(v, "aws_route_table.vpn")["values"]["route"] = json!([]);
        resource(v, "aws_vpc_endpoint.s3")["values"]["route_table_ids"] = json!([]);
        remove_resource(v, "aws_vpc_endpoint_route_table_association.s3_vpn");
    });
    let toml = edit(
        &edit(BASE, DEFAULT_ROUTE, ""),
        "route_table_ids = [\"rtb-a\"]",
        "route_table_ids = []",
    );
    same(
        &aws,
        &tf,
        &toml,
        &all([
            NoRouteInVpc,
            Reachable,
            NoRouteInVpc,
            NoRouteInVpc,
            Reachable,
            NoRouteInVpc,
        ]),
    );
    // With the endpoint's route (from its route_table_ids), S3 is reached without the default
    // route: the fix the trace names.
    let aws = import_aws(&[("route-tables.json", &|v| {
        aws_routes(v, 0).remove(1);
    })]);
    let s = load_imported(&aws);
    let text = trace_of(&s, "52.217.1.1");
    assert!(
        text.contains("route to vpce-0a5b4c3d2e1f00123 (com.amazonaws.us-east-1.s3)"),
        "{text}"
    );
}

/// Every kind the troubleshooting configuration uses reaches its section, with the values read.
#[test]
fn each_resource_kind_reaches_its_section() {
    for imp in [import_aws(&[]), import_tf(&|_| {})] {
        let s = load_imported(&imp);
        let dp = &s.data_plane;
        assert_eq!(dp.internet_gateways.len(), 1);
        assert_eq!(dp.internet_gateways[0].id, "igw-0a9b8c7d6e5f40312");
        assert_eq!(dp.nat_gateways.len(), 1);
        assert!(dp.nat_gateways[0].public);
        assert_eq!(dp.peerings[0].id, "pcx-0ab12cd34ef56ab78");
        let vpc = |i: cvpnsim::model::VpcId| s.vpcs[i.index()].id.clone();
        assert_eq!(vpc(dp.peerings[0].vpc), "vpc-0aa11bb22cc33dd44");
        assert_eq!(vpc(dp.peerings[0].peer_vpc), "vpc-0bb22cc33dd44ee55");
        assert_eq!(dp.prefix_lists.len(), 1);
        assert_eq!(dp.prefix_lists[0].cidr_blocks.len(), 8);
        assert_eq!(
            dp.vpc_endpoints[0].service_name,
            "com.amazonaws.us-east-1.s3"
        );
        let tables: Vec<(&str, bool, usize, usize)> = dp
            .route_tables
            .iter()
            .map(|t| (t.id.as_str(), t.main, t.subnets.len(), t.routes.len()))
            .collect();
        assert_eq!(
            tables,
            [
                ("rtb-0a11111111111111a", true, 1, 2),
                ("rtb-0c33333333333333c", false, 1, 1),
                ("rtb-0b22222222222222b", true, 0, 1),
            ]
        );
        let acl = &dp.network_acls[0];
        assert_eq!(acl.id, "acl-0a44444444444444a");
        assert_eq!((acl.ingress.len(), acl.egress.len()), (1, 1));
        assert_eq!(acl.ingress[0].ports.from, 1024);
        // Ingress and egress rules, by group and by CIDR.
        let rules: Vec<(String, bool, String)> = dp
            .security_group_rules
            .iter()
            .map(|r| {
                (
                    s.security_groups[r.security_group.index()].id.clone(),
                    r.egress,
                    r.protocol.name().to_string(),
                )
            })
            .collect();
        assert!(
            rules.contains(&(SG_APP.to_string(), false, "tcp".to_string())),
            "{rules:?}"
        );
        assert!(
            rules.contains(&("sg-0c0c0c0c0c0c0c0c0".to_string(), true, "-1".to_string())),
            "{rules:?}"
        );
        // Subnets of the data plane's VPCs are in, others are not.
        let subnets: Vec<&str> = s.subnets.iter().map(|x| x.id.as_str()).collect();
        assert!(subnets.contains(&"subnet-0b1b2b3b4b5b6b7b8"), "{subnets:?}");
        assert!(
            !subnets.contains(&"subnet-0d1d2d3d4d5d6d7d8"),
            "{subnets:?}"
        );
    }
}

fn lines(imp: &Imported, level: Level) -> Vec<String> {
    imp.findings
        .iter()
        .filter(|f| f.severity == level)
        .map(|f| f.to_string())
        .collect()
}

/// What the scenario cannot express is reported at its place in the input.
#[test]
fn unmodelled_inputs_are_reported_where_they_are() {
    let aws = import_aws(&[]);
    assert!(
        lines(&aws, Level::Note).contains(
            &"note: network-acls.json:41:17: $.NetworkAcls[0].Entries[3]: an IPv6 rule: not \
              modelled, left out"
                .to_string()
        ),
        "{:#?}",
        aws.findings
    );
    let tf = import_tf(&|_| {});
    let warnings = lines(&tf, Level::Warning);
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "warning: state.json:" 
        ) && w.contains("$.values.root_module.resources[22]: aws_dx_gateway.corp: not imported: Direct Connect")),
        "{warnings:#?}"
    );
    let notes = lines(&tf, Level::Note);
    assert!(
        notes.iter().any(|n| n.contains(
            "$.values.root_module.child_modules[0].resources[6]: 1 aws_instance resource not imported"
        )),
        "{notes:#?}"
    );
}

/// A loader diagnostic on the imported data plane names the input field that caused it.
#[test]
fn diagnostics_are_traced_to_the_input_field() {
    // Without describe-internet-gateways, the route to the internet gateway names nothing.
    let mut inputs = aws_inputs(&[]);
    inputs
        .data_plane
        .retain(|d| d.text.name != "internet-gateways.json");
    let imp = aws::import(&inputs, &AwsOptions::default(), "imported.toml");
    assert!(!imp.valid);
    let text = imp.render_diagnostics();
    assert!(
        text.contains("route target `igw-0a9b8c7d6e5f40312` is not declared"),
        "{text}"
    );
    assert!(
        text.contains(
            "= caused by input: route-tables.json:34:34: $.RouteTables[0].Routes[1].GatewayId"
        ),
        "{text}"
    );
    // A wrong type in an input is located by file, line, column and path.
    let imp = import_aws(&[("network-acls.json", &|v| {
        v["NetworkAcls"][0]["Entries"][0]["RuleNumber"] = json!("first");
    })]);
    assert!(imp.text.is_none());
    let errors = lines(&imp, Level::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].ends_with(
            "$.NetworkAcls[0].Entries[0].RuleNumber: expected an integer, found a string"
        ),
        "{errors:#?}"
    );
    // A file that is no describe output cvpnsim reads.
    let mut inputs = aws_inputs(&[]);
    inputs.data_plane.push(DataPlaneText {
        table: None,
        text: Text::new("instances.json", "{\"Reservations\": []}"),
    });
    let imp = aws::import(&inputs, &AwsOptions::default(), "imported.toml");
    let errors = lines(&imp, Level::Error);
    assert!(
        errors[0].starts_with("error: instances.json:1:1: $: not an output cvpnsim reads"),
        "{errors:#?}"
    );
}

const TRANSIT_AWS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/aws/dataplane-transit"
);
const TRANSIT_TF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/terraform/dataplane/transit.json"
);
const TRANSIT: &str = include_str!("fixtures/dataplane/transit.toml");
const TGW_RTB: &str = "tgw-rtb-0a1b2c3d4e5f60741";

/// The hub-and-spoke configuration of tests/fixtures/dataplane/transit.toml as the AWS CLI
/// prints it: the transit gateway's routes and propagations per route table (TABLE=FILE).
fn transit_aws(edit_routes: &dyn Fn(&mut Value)) -> Imported {
    let read = |n: &str| std::fs::read_to_string(format!("{TRANSIT_AWS}/{n}")).unwrap();
    let text = |n: &str| Text::new(n, read(n));
    let mut routes: Value = serde_json::from_str(&read("route-tables.json")).unwrap();
    edit_routes(&mut routes);
    let mut data_plane: Vec<DataPlaneText> = [
        "transit-gateways.json",
        "transit-gateway-vpc-attachments.json",
        "transit-gateway-route-tables.json",
        "transit-gateway-attachments.json",
        "vpn-gateways.json",
        "vpn-connections.json",
    ]
    .iter()
    .map(|n| DataPlaneText {
        table: None,
        text: text(n),
    })
    .collect();
    for n in [
        "transit-gateway-route-table-propagations.json",
        "transit-gateway-routes.json",
    ] {
        data_plane.push(DataPlaneText {
            table: Some(TGW_RTB.into()),
            text: text(n),
        });
    }
    data_plane.push(DataPlaneText {
        table: None,
        text: Text::new(
            "route-tables.json",
            serde_json::to_string_pretty(&routes).unwrap(),
        ),
    });
    let inputs = AwsInputs {
        endpoints: text("endpoints.json"),
        target_networks: text("target-networks.json"),
        routes: text("routes.json"),
        authorization_rules: text("authorization-rules.json"),
        subnets: Some(text("subnets.json")),
        vpcs: Some(text("vpcs.json")),
        data_plane,
    };
    aws::import(&inputs, &AwsOptions::default(), "imported.toml")
}

fn transit_tf(edit: &dyn Fn(&mut Value)) -> Imported {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(TRANSIT_TF).unwrap()).unwrap();
    edit(&mut v);
    terraform::import(
        &Text::new("transit.json", serde_json::to_string_pretty(&v).unwrap()),
        &TerraformOptions::default(),
        "imported.toml",
    )
}

fn transit_people() -> &'static str {
    "include = [\"imported.toml\"]\n\n\
     [[network]]\nname = \"spoke\"\ncidr_blocks = [\"10.1.0.0/24\"]\n\n\
     [[network]]\nname = \"dc-vpn\"\ncidr_blocks = [\"192.168.0.0/20\"]\n\n\
     [[network]]\nname = \"dc-dx\"\ncidr_blocks = [\"172.16.0.0/16\"]\n\n\
     [[population]]\nname = \"staff\"\nusers = 100\n\
     workday = { start = \"09:00\", length = \"8h\", days = \"mon-fri\" }\n\
     needs = [\"spoke\", \"dc-vpn\", \"dc-dx\"]\n"
}

fn transit_verdicts(s: &Scenario) -> Vec<Outcome> {
    let m = Matrix::all_live(s);
    let mut v: Vec<Outcome> = ["spoke", "dc-vpn", "dc-dx"]
        .iter()
        .map(|name| {
            let n = s.networks.iter().position(|n| n.name == *name).unwrap();
            m.get(PopId(0), Target::Network(NetworkId(n as u32)), AssocId(0))
                .unwrap()
                .verdict
                .reason()
        })
        .collect();
    let tables = RouteTables::all_live(s);
    let eval = Evaluator::new(s, &tables);
    let client = Client::population(s, PopId(0));
    for x in ["10.99.0.1", "10.1.0.9", "192.168.3.3", "172.16.5.5"] {
        let t = eval.address_service(&client, AssocId(0), x.parse().unwrap(), None);
        v.push(t.outcome);
    }
    v
}

fn load_transit(imp: &Imported) -> Scenario {
    assert!(
        imp.ok(),
        "{:#?}\n{}",
        imp.findings,
        imp.render_diagnostics()
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("imported.toml"), imp.text.as_ref().unwrap()).unwrap();
    let main = dir.path().join("scenario.toml");
    std::fs::write(&main, transit_people()).unwrap();
    cvpnsim::scenario::load_file(&main)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

/// Transit gateways (attachments, route tables, associations, propagations, a blackhole route,
/// the default route table), a Site-to-Site VPN over the transit gateway and one over a virtual
/// private gateway with route propagation: imported, they decide as the hand-written scenario.
#[test]
fn transit_gateways_and_vpn_import_to_the_same_verdicts() {
    let want = vec![
        Reachable,
        Reachable,
        Reachable,
        BlackholeRoute,
        Reachable,
        Reachable,
        Reachable,
    ];
    assert_eq!(transit_verdicts(&load_toml(TRANSIT)), want, "hand-written");
    assert_eq!(
        transit_verdicts(&load_transit(&transit_aws(&|_| {}))),
        want,
        "from the AWS CLI"
    );
    let tf = transit_tf(&|_| {});
    assert_eq!(transit_verdicts(&load_transit(&tf)), want, "from Terraform");
    // The transit gateway's default route table is not a resource of its own: it is named by
    // the gateway's association_default_route_table_id and holds the attachments that use it.
    let s = load_transit(&tf);
    let t = &s.data_plane.tgw_route_tables[0];
    assert_eq!(t.id, TGW_RTB);
    assert_eq!((t.associations.len(), t.propagations.len()), (3, 3));

    // The spoke without its route back through the transit gateway.
    let want = vec![
        NoReturnRoute,
        Reachable,
        Reachable,
        BlackholeRoute,
        NoReturnRoute,
        Reachable,
        Reachable,
    ];
    let hand = edit(
        TRANSIT,
        "route = [{ destination_cidr_block = \"10.0.0.0/8\", transit_gateway_id = \"tgw-1\" }]",
        "route = []",
    );
    assert_eq!(transit_verdicts(&load_toml(&hand)), want, "hand-written");
    let aws = transit_aws(&|v| {
        v["RouteTables"][1]["Routes"]
            .as_array_mut()
            .unwrap()
            .remove(1);
    });
    assert_eq!(
        transit_verdicts(&load_transit(&aws)),
        want,
        "from the AWS CLI"
    );
    let tf = transit_tf(&|v| {
        resource(v, "aws_default_route_table.spoke")["values"]["route"] = json!([]);
    });
    assert_eq!(transit_verdicts(&load_transit(&tf)), want, "from Terraform");
}

/// Guide, "Access the internet using Client VPN", step 1: the endpoint's security group must
/// allow outbound traffic. A described group with no outbound rule lets nothing out in AWS, and
/// the imported scenario says so (a scenario group without egress rules would keep the default
/// outbound rule).
#[test]
fn an_endpoint_group_without_outbound_rules_lets_nothing_out() {
    let aws = import_aws(&[("security-groups.json", &|v| {
        v["SecurityGroups"][0]["IpPermissionsEgress"] = json!([]);
    })]);
    let tf = import_tf(&|v| {
        resource(v, "aws_security_group.vpn")["values"]["egress"] = json!([]);
    });
    for imp in [&aws, &tf] {
        assert!(
            lines(imp, Level::Warning).iter().any(|w| w.contains(
                "the endpoint's security group sg-0c0c0c0c0c0c0c0c0 has no outbound rule"
            )),
            "{:#?}",
            imp.findings
        );
    }
    // By hand: an egress rule that matches none of this traffic.
    let toml = edit(
        BASE,
        "[[network]]\nname = \"app-b\"",
        "[[security_group_rule]]\nsecurity_group_id = \"sg-cvpn\"\ntype = \"egress\"\nprotocol = \"udp\"\nfrom_port = 53\nto_port = 53\ncidr_blocks = [\"10.10.0.2/32\"]\n\n[[network]]\nname = \"app-b\"",
    );
    same(&aws, &tf, &toml, &all([SecurityGroup; 6]));
}

/// A pull request's plan: the route table, its default route and the internet gateway are
/// created in the same apply, so their ids are known only after it. The configuration shows which
/// resource each id comes from; the address stands for it, and the trace reads like the state's.
#[test]
fn a_plan_names_what_it_creates_by_address() {
    let plan = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/terraform/dataplane/plan.json"
    ))
    .unwrap();
    let imp = terraform::import(
        &Text::new("plan.json", &plan),
        &TerraformOptions::default(),
        "imported.toml",
    );
    assert!(imp.ok(), "{:#?}", imp.findings);
    let notes = lines(&imp, Level::Note);
    assert!(
        notes.contains(
            &"note: plan.json:479:25: $.resource_changes[5].change.after_unknown.gateway_id: \
              `route_table[0].route[0].gateway_id = \"aws_internet_gateway.main\"`: assumed: \
              aws_route.default.gateway_id is known only after apply; the configuration refers \
              to aws_internet_gateway.main"
                .to_string()
        ),
        "{notes:#?}"
    );
    let people = "include = [\"imported.toml\"]\n\n[[population]]\nname = \"staff\"\nusers = 10\n\
                  workday = { start = \"09:00\", length = \"8h\", days = \"mon-fri\" }\n\
                  needs = [\"internet\"]\n";
    let load = |imp: &Imported| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("imported.toml"), imp.text.as_ref().unwrap()).unwrap();
        let main = dir.path().join("scenario.toml");
        std::fs::write(&main, people).unwrap();
        cvpnsim::scenario::load_file(&main).unwrap().scenario
    };
    let s = load(&imp);
    let text = trace_of(&s, "8.8.8.8");
    assert!(
        text.contains("route table aws_route_table.vpn: route 0.0.0.0/0 -> aws_internet_gateway.main for 8.8.8.8"),
        "{text}"
    );
    // Without the planned default route, the internet is not reached.
    let mut v: Value = serde_json::from_str(&plan).unwrap();
    v["planned_values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["address"] != "aws_route.default");
    let imp = terraform::import(
        &Text::new("plan.json", serde_json::to_string_pretty(&v).unwrap()),
        &TerraformOptions::default(),
        "imported.toml",
    );
    let s = load(&imp);
    let m = Matrix::all_live(&s);
    let n = s
        .networks
        .iter()
        .position(|n| n.name == "internet")
        .unwrap();
    let c = m
        .get(PopId(0), Target::Network(NetworkId(n as u32)), AssocId(0))
        .unwrap();
    assert_eq!(c.verdict.reason(), NoRouteInVpc);
}
