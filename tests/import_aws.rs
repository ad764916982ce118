//! `cvpnsim import aws`: fixtures in the shape the AWS CLI prints, imported, validated by the
//! loader, and every reported problem named by file, line, column and JSON path.

use std::net::Ipv4Addr;
use std::process::Command;

use cvpnsim::import::aws::{self, AwsInputs, AwsOptions, Text};
use cvpnsim::import::{Imported, Level};
use cvpnsim::model::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/aws");

fn fixture(name: &str) -> Text {
    let text = std::fs::read_to_string(format!("{DIR}/{name}")).unwrap();
    Text::new(name, text)
}

fn inputs(with_details: bool) -> AwsInputs {
    AwsInputs {
        endpoints: fixture("endpoints.json"),
        target_networks: fixture("target-networks.json"),
        routes: fixture("routes.json"),
        authorization_rules: fixture("authorization-rules.json"),
        subnets: with_details.then(|| fixture("subnets.json")),
        vpcs: with_details.then(|| fixture("vpcs.json")),
        data_plane: Vec::new(),
    }
}

fn import(i: &AwsInputs) -> Imported {
    aws::import(i, &AwsOptions::default(), "out.toml")
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

fn replace(t: &Text, from: &str, to: &str) -> Text {
    assert!(t.text.contains(from), "fixture lacks {from}");
    Text::new(t.name.clone(), t.text.replacen(from, to, 1))
}

#[test]
fn every_field_the_importer_reads_reaches_the_scenario() {
    let imp = import(&inputs(true));
    assert!(imp.ok(), "{:#?}", imp.findings);
    let s = scenario(&imp);
    let e = &s.endpoint;
    assert_eq!(e.id, "cvpn-endpoint-0a1b2c3d4e5f67890");
    assert_eq!(e.description.as_deref(), Some("Corporate remote access"));
    assert_eq!(e.client_cidr_block.to_string(), "10.100.0.0/18");
    assert_eq!(e.transport_protocol, Transport::Udp);
    assert_eq!(e.vpn_port, 443);
    assert!(e.split_tunnel);
    assert_eq!(e.session_timeout.hours(), 12);
    assert!(!e.disconnect_on_session_timeout);
    assert_eq!(e.authentication, Authentication::User(UserAuth::Federated));
    assert!(e.self_service_portal);
    assert_eq!(
        e.login_banner.as_deref(),
        Some("Authorized use only. Activity is logged.")
    );
    assert_eq!(e.dns_servers, vec![Ipv4Addr::new(172, 31, 0, 2)]);
    assert_eq!(s.vpcs[e.vpc.index()].id, "vpc-0123456789abcdef0");
    assert_eq!(
        s.security_groups[e.security_groups[0].index()].id,
        "sg-0123456789abcdef0"
    );
    let h = e.client_connect_handler.as_ref().unwrap();
    assert_eq!(h.function_name, "AWSClientVPN-posture-check");
    assert!(s.output.connection_log);

    // describe-vpcs: the primary and the associated secondary block, not the disassociated one.
    let blocks: Vec<String> = s.vpcs[0]
        .cidr_blocks
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(blocks, ["172.31.0.0/16", "100.64.0.0/16"]);
    assert!(!s.vpcs[0].dedicated_tenancy);
    // describe-subnets: only the associated subnets, with their zones and free addresses.
    let subnets: Vec<(&str, &str, u32)> = s
        .subnets
        .iter()
        .map(|x| {
            (
                x.id.as_str(),
                x.availability_zone.as_str(),
                x.available_ip_addresses,
            )
        })
        .collect();
    assert_eq!(
        subnets,
        [
            ("subnet-0aaa1111bbbb2222a", "us-east-1a", 4089),
            ("subnet-0aaa1111bbbb2222b", "us-east-1b", 4075)
        ]
    );
    assert_eq!(s.associations.len(), 2);
    // Routes: the two added by hand and active; the association routes are implicit.
    let routes: Vec<(String, &str)> = s
        .routes
        .iter()
        .map(|r| match r.target {
            RouteTarget::Association(a) => (r.destination.to_string(), s.subnet_of(a).id.as_str()),
            RouteTarget::Local => (r.destination.to_string(), "local"),
        })
        .collect();
    assert_eq!(
        routes,
        [
            ("192.168.0.0/16".to_string(), "subnet-0aaa1111bbbb2222a"),
            ("192.168.0.0/16".to_string(), "subnet-0aaa1111bbbb2222b")
        ]
    );
    let rules: Vec<(String, Grant)> = s
        .authorization_rules
        .iter()
        .map(|r| (r.destination.to_string(), r.grant.clone()))
        .collect();
    assert_eq!(
        rules,
        [
            (
                "172.31.0.0/16".into(),
                Grant::Group("S-1-5-21-engineering".into())
            ),
            ("172.31.10.0/24".into(), Grant::AllGroups),
            (
                "192.168.0.0/16".into(),
                Grant::Group("S-1-5-21-engineering".into())
            ),
        ]
    );
    // Not active / not associated: reported, not used.
    assert_eq!(
        lines(&imp, Level::Warning),
        [
            "warning: target-networks.json:27:9: $.ClientVpnTargetNetworks[2]: subnet subnet-0aaa1111bbbb2222c is associating, not associated: left out",
            "warning: routes.json:47:9: $.Routes[4]: route to 0.0.0.0/0 via subnet-0aaa1111bbbb2222a is creating, not active: left out",
            "warning: authorization-rules.json:33:9: $.AuthorizationRules[3]: authorization rule for 0.0.0.0/0 is authorizing, not active: left out",
            "warning: vpcs.json:25:17: $.Vpcs[0].CidrBlockAssociationSet[2]: VPC block 100.65.0.0/16 is disassociated, not associated: left out",
        ]
    );
}

#[test]
fn the_population_is_a_placeholder_marked_edit_me() {
    let imp = import(&inputs(true));
    let text = imp.text.as_deref().unwrap();
    assert!(text.contains("# edit me: a placeholder population"));
    let s = scenario(&imp);
    assert_eq!(s.populations.len(), 1);
    assert_eq!(s.populations[0].name, "edit-me");
    // Every group the rules name, so that the rules are exercised.
    assert_eq!(s.populations[0].groups, ["S-1-5-21-engineering"]);
    // The handler's latency and concurrency are not in the configuration: marked, and said.
    assert!(text.contains("# edit me: the Lambda function's duration"));
    assert!(lines(&imp, Level::Note)
        .iter()
        .any(|n| n.contains("endpoint.client_connect_handler.concurrency = 1000")));
}

#[test]
fn without_subnets_and_vpcs_every_default_is_stated() {
    let imp = import(&inputs(false));
    assert!(imp.ok(), "{:#?}", imp.findings);
    let s = scenario(&imp);
    // The VPC's block comes from the routes AWS added at association (Origin: associate).
    assert_eq!(s.vpcs[0].cidr_blocks[0].to_string(), "172.31.0.0/16");
    let zones: Vec<&str> = s
        .subnets
        .iter()
        .map(|x| x.availability_zone.as_str())
        .collect();
    assert_eq!(zones, ["unknown-az-1", "unknown-az-2"]);
    // Placeholder subnet blocks: inside the VPC, disjoint.
    let blocks: Vec<String> = s.subnets.iter().map(|x| x.cidr_block.to_string()).collect();
    assert_eq!(blocks, ["172.31.0.0/20", "172.31.16.0/20"]);
    let text = imp.text.as_deref().unwrap();
    assert_eq!(
        text.matches("# assumed: the Availability Zone of").count(),
        2
    );
    let notes = lines(&imp, Level::Note);
    assert!(notes.iter().any(|n| n.starts_with(
        "note: target-networks.json:3:9: $.ClientVpnTargetNetworks[0]: `subnet[0].availability_zone = \"unknown-az-1\"`: assumed"
    ) && n.contains("pass --subnets")));
    assert!(notes.iter().any(|n| n.starts_with(
        "note: routes.json:5:32: $.Routes[0].DestinationCidr: `vpc[0].cidr_blocks = [\"172.31.0.0/16\"]`"
    )));
}

#[test]
fn a_missing_field_names_the_file_and_json_path() {
    let mut i = inputs(true);
    i.endpoints = replace(&i.endpoints, "\"ClientCidrBlock\": \"10.100.0.0/18\",", "");
    let imp = import(&i);
    assert!(
        imp.text.is_none(),
        "nothing is written when an input lacks a required field"
    );
    assert_eq!(
        lines(&imp, Level::Error),
        ["error: endpoints.json:3:9: $.ClientVpnEndpoints[0].ClientCidrBlock: missing"]
    );
}

#[test]
fn unknown_fields_and_wrong_types_are_reported() {
    let mut i = inputs(true);
    i.endpoints = replace(
        &i.endpoints,
        "\"SplitTunnel\": true,",
        "\"SplitTunnel\": \"yes\", \"SplitTunnelMode\": \"strict\",",
    );
    let imp = import(&i);
    assert_eq!(
        lines(&imp, Level::Error),
        ["error: endpoints.json:15:28: $.ClientVpnEndpoints[0].SplitTunnel: expected true or false, found a string"]
    );
    assert!(lines(&imp, Level::Warning).contains(
        &"warning: endpoints.json:15:54: $.ClientVpnEndpoints[0].SplitTunnelMode: unknown field, not imported".to_string()
    ));
}

#[test]
fn syntax_errors_have_line_and_column() {
    let mut i = inputs(false);
    i.routes = Text::new("routes.json", "{\n  \"Routes\": [\n    {,}\n  ]\n}\n");
    let imp = import(&i);
    assert_eq!(
        lines(&imp, Level::Error),
        ["error: routes.json:3:6: $: not valid JSON: expected a quoted key"]
    );
}

#[test]
fn a_rule_broken_by_the_input_is_traced_to_the_field() {
    // guide: Client VPN ports — the loader's rule, reported against the AWS field.
    let mut i = inputs(true);
    i.endpoints = replace(&i.endpoints, "\"VpnPort\": 443", "\"VpnPort\": 8443");
    let imp = import(&i);
    assert!(imp.text.is_some() && !imp.valid);
    let t = imp
        .diagnostics
        .iter()
        .find(|t| t.diagnostic.rule == "vpn-port")
        .unwrap();
    assert_eq!(t.diagnostic.path, "endpoint.vpn_port");
    assert_eq!(
        t.cause.as_ref().unwrap().to_string(),
        "endpoints.json:18:24: $.ClientVpnEndpoints[0].VpnPort"
    );
    let rendered = imp.render_diagnostics();
    assert!(
        rendered.contains("caused by input: endpoints.json:18:24: $.ClientVpnEndpoints[0].VpnPort")
    );
}

#[test]
fn a_route_to_a_subnet_being_disassociated_is_traced_to_the_route() {
    // guide: AWS Client VPN routes — a route must target an associated subnet.
    let mut i = inputs(true);
    i.target_networks = Text::new(
        "target-networks.json",
        i.target_networks
            .text
            .replacen("\"associated\"", "\"associated-x\"", 2)
            .replacen("\"associated-x\"", "\"associated\"", 1)
            .replace("\"associated-x\"", "\"disassociating\""),
    );
    let imp = import(&i);
    assert!(!imp.valid);
    let causes: Vec<(String, String)> = imp
        .diagnostics
        .iter()
        .filter(|t| t.diagnostic.is_error())
        .map(|t| {
            (
                t.diagnostic.rule.to_string(),
                t.cause.as_ref().unwrap().path.clone(),
            )
        })
        .collect();
    assert_eq!(
        causes,
        [(
            "route-target".to_string(),
            "$.Routes[3].TargetSubnet".to_string()
        )]
    );
    assert!(lines(&imp, Level::Warning)[0]
        .contains("subnet subnet-0aaa1111bbbb2222b is disassociating, not associated"));
}

#[test]
fn several_endpoints_need_a_choice() {
    let mut i = inputs(true);
    let e = &i.endpoints.text;
    let start = e.find("        {").unwrap();
    let end = e.rfind("        }").unwrap() + "        }".len();
    let second = e[start..end].replace("0a1b2c3d4e5f67890", "0ffff000011112222");
    i.endpoints = Text::new(
        "endpoints.json",
        format!("{},\n{second}{}", &e[..end], &e[end..]),
    );
    let imp = import(&i);
    assert_eq!(
        lines(&imp, Level::Error),
        ["error: endpoints.json:1:1: $.ClientVpnEndpoints: 2 endpoints in the file: choose one with --endpoint-id (cvpn-endpoint-0a1b2c3d4e5f67890, cvpn-endpoint-0ffff000011112222)"]
    );
    // Chosen: the routes, rules and associations of the other endpoint are reported and left out.
    let opts = AwsOptions {
        endpoint_id: Some("cvpn-endpoint-0ffff000011112222".into()),
        name: Some("second".into()),
    };
    let imp = aws::import(&i, &opts, "out.toml");
    // guide: AWS Client VPN target networks — clients cannot connect without one.
    assert!(!imp.valid);
    assert!(imp
        .diagnostics
        .iter()
        .any(|t| t.diagnostic.rule == "no-association"));
    assert!(lines(&imp, Level::Warning).iter().any(|w| w.contains(
        "$.Routes[2].ClientVpnEndpointId: route of endpoint cvpn-endpoint-0a1b2c3d4e5f67890, not cvpn-endpoint-0ffff000011112222: left out"
    )));
}

#[test]
fn authentication_types_map_to_the_scenario_names() {
    // guide: Client authentication — mutual may pair with one user-based method.
    let mut i = inputs(true);
    i.endpoints = replace(
        &i.endpoints,
        "\"Type\": \"federated-authentication\",",
        "\"Type\": \"certificate-authentication\", \"MutualAuthentication\": { \"ClientRootCertificateChain\": \"arn:aws:acm:us-east-1:111122223333:certificate/x\" } }, { \"Type\": \"directory-service-authentication\", \"ActiveDirectory\": { \"DirectoryId\": \"d-926example\" },",
    );
    let s = scenario(&import(&i));
    assert_eq!(
        s.endpoint.authentication,
        Authentication::MutualAnd(UserAuth::ActiveDirectory)
    );
    let mut bad = inputs(true);
    bad.endpoints = replace(&bad.endpoints, "federated-authentication", "kerberos");
    let imp = import(&bad);
    assert!(lines(&imp, Level::Error)[0].contains(
        "$.ClientVpnEndpoints[0].AuthenticationOptions[0].Type: unknown authentication type `kerberos`"
    ));
}

fn cvpnsim(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_writes_validates_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    for f in [
        "endpoints.json",
        "target-networks.json",
        "routes.json",
        "authorization-rules.json",
        "subnets.json",
        "vpcs.json",
    ] {
        std::fs::copy(format!("{DIR}/{f}"), tmp.path().join(f)).unwrap();
    }
    let args = [
        "import",
        "aws",
        "--endpoints",
        "endpoints.json",
        "--target-networks",
        "target-networks.json",
        "--routes",
        "routes.json",
        "--authorization-rules",
        "authorization-rules.json",
        "--subnets",
        "subnets.json",
        "--vpcs",
        "vpcs.json",
    ];
    let (code, _, err) = cvpnsim(&args, tmp.path());
    assert_eq!(code, 0, "{err}");
    let written = tmp.path().join("cvpn-endpoint-0a1b2c3d4e5f67890.toml");
    assert!(
        err.contains("wrote cvpn-endpoint-0a1b2c3d4e5f67890.toml: valid (0 errors, 0 warnings)")
    );
    let (code, _, err) = cvpnsim(&["validate", written.to_str().unwrap()], tmp.path());
    assert_eq!(code, 0, "{err}");

    let (code, _, err) = cvpnsim(&args, tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains(
        "refusing to overwrite cvpn-endpoint-0a1b2c3d4e5f67890.toml: it exists (pass --force to replace it)"
    ));
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(cvpnsim(&forced, tmp.path()).0, 0);

    // A missing input file: exit 2, named.
    let (code, _, err) = cvpnsim(
        &[
            "import",
            "aws",
            "--endpoints",
            "nope.json",
            "--target-networks",
            "t",
            "--routes",
            "r",
            "--authorization-rules",
            "a",
        ],
        tmp.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot read nope.json"));
}

#[test]
fn import_validate_run() {
    // The imported scenario, placeholder population included, runs in the engine: 100 users on
    // weekdays, each connected at most once at a time.
    let s = scenario(&import(&inputs(false)));
    let r = cvpnsim::sim::simulate(&s, &cvpnsim::sim::SimOptions::default());
    assert!(r.summary.successes >= 500, "{:?}", r.summary.successes);
    assert!(r.summary.peak_concurrency <= 100);
    assert!(r.audit.is_empty());
}

#[test]
fn truncated_or_altered_inputs_never_panic() {
    // Prefixes of each file (every 13th byte), and characters (every 31st) replaced by a
    // quote, a brace, a digit or null: an error or a scenario, never a panic.
    let base = inputs(true);
    let files = |i: &AwsInputs| {
        vec![
            i.endpoints.clone(),
            i.target_networks.clone(),
            i.routes.clone(),
            i.authorization_rules.clone(),
        ]
    };
    for which in 0..4 {
        let original = files(&base)[which].text.clone();
        let mut variants: Vec<String> = (0..original.len())
            .step_by(13)
            .filter(|&n| original.is_char_boundary(n))
            .map(|n| original[..n].to_string())
            .collect();
        for (n, c) in original.char_indices().step_by(31) {
            for r in ["\"", "}", "7", "null"] {
                let mut v = original.clone();
                v.replace_range(n..n + c.len_utf8(), r);
                variants.push(v);
            }
        }
        for v in variants {
            let mut i = base.clone();
            let t = Text::new(files(&base)[which].name.clone(), v);
            match which {
                0 => i.endpoints = t,
                1 => i.target_networks = t,
                2 => i.routes = t,
                _ => i.authorization_rules = t,
            }
            let imp = import(&i);
            assert!(imp.text.is_some() || imp.findings.iter().any(|f| f.is_error()));
        }
    }
}
