//! End-to-end reachability through a VPC data plane: a hub VPC (the endpoint's, 5
//! associations) and 19 spoke VPCs behind 2 transit gateways, 100 routes (VPC and transit
//! gateway route tables), 200 network ACL rules, a security group rule per spoke; 20 populations
//! × 6 needed networks × 5 landing subnets (600 verdicts).

use criterion::{criterion_group, criterion_main, Criterion};
use cvpnsim::model::Scenario;
use cvpnsim::net::{Matrix, RouteTables};
use cvpnsim::scenario::load_str;

const AZS: [&str; 5] = ["a", "b", "c", "d", "e"];
const SPOKES: usize = 19;

fn topology() -> Scenario {
    let mut t = String::from(
        r#"name = "dataplane-large"
seed = 1
duration = "1d"

[endpoint]
client_cidr_block = "100.64.0.0/16"
authentication = ["federated"]
vpc_id = "vpc-hub"
security_group_ids = ["sg-cvpn"]

[[vpc]]
id = "vpc-hub"
cidr_blocks = ["10.0.0.0/16"]

[[security_group]]
id = "sg-cvpn"

[[authorization_rule]]
target_network_cidr = "10.0.0.0/8"
authorize_all_groups = true

[[transit_gateway]]
id = "tgw-1"

[[transit_gateway]]
id = "tgw-2"
"#,
    );
    for (i, az) in AZS.iter().enumerate() {
        t += &format!(
            "\n[[subnet]]\nid = \"subnet-{az}\"\nvpc_id = \"vpc-hub\"\ncidr_block = \"10.0.{i}.0/24\"\navailability_zone = \"us-east-1{az}\"\n\n[[association]]\nsubnet_id = \"subnet-{az}\"\n\n[[route]]\ndestination_cidr_block = \"10.0.0.0/8\"\ntarget_vpc_subnet_id = \"subnet-{az}\"\n"
        );
    }
    let hub_subnets = "[\"subnet-a\", \"subnet-b\", \"subnet-c\", \"subnet-d\", \"subnet-e\"]";
    let mut hub_routes = Vec::new();
    let mut tgw_routes: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    let mut attachments: [Vec<String>; 2] = [vec!["att-hub-1".into()], vec!["att-hub-2".into()]];
    t += &format!("\n[[transit_gateway_vpc_attachment]]\nid = \"att-hub-1\"\ntransit_gateway_id = \"tgw-1\"\nvpc_id = \"vpc-hub\"\nsubnet_ids = {hub_subnets}\n");
    t += &format!("\n[[transit_gateway_vpc_attachment]]\nid = \"att-hub-2\"\ntransit_gateway_id = \"tgw-2\"\nvpc_id = \"vpc-hub\"\nsubnet_ids = {hub_subnets}\n");
    for v in 1..=SPOKES {
        let g = v % 2; // tgw-1 or tgw-2
        let tgw = format!("tgw-{}", g + 1);
        t += &format!(
            "\n[[vpc]]\nid = \"vpc-{v}\"\ncidr_blocks = [\"10.{v}.0.0/16\"]\n\n[[subnet]]\nid = \"subnet-{v}\"\nvpc_id = \"vpc-{v}\"\ncidr_block = \"10.{v}.0.0/24\"\navailability_zone = \"us-east-1a\"\n\n[[subnet]]\nid = \"subnet-{v}-b\"\nvpc_id = \"vpc-{v}\"\ncidr_block = \"10.{v}.1.0/24\"\navailability_zone = \"us-east-1b\"\n\n[[transit_gateway_vpc_attachment]]\nid = \"att-{v}\"\ntransit_gateway_id = \"{tgw}\"\nvpc_id = \"vpc-{v}\"\nsubnet_ids = [\"subnet-{v}\"]\n"
        );
        attachments[g].push(format!("att-{v}"));
        // Spoke route tables: back to the hub, and a blackhole for a retired range.
        t += &format!(
            "\n[[route_table]]\nid = \"rtb-{v}\"\nvpc_id = \"vpc-{v}\"\nmain = true\nroute = [\n  {{ destination_cidr_block = \"10.0.0.0/16\", transit_gateway_id = \"{tgw}\" }},\n  {{ destination_cidr_block = \"10.200.{v}.0/24\", transit_gateway_id = \"{tgw}\", state = \"blackhole\" }},\n]\n"
        );
        hub_routes.push(format!(
            "  {{ destination_cidr_block = \"10.{v}.0.0/16\", transit_gateway_id = \"{tgw}\" }},\n"
        ));
        tgw_routes[g].push(format!(
            "  {{ destination_cidr_block = \"10.{v}.128.0/17\", blackhole = true }},\n"
        ));
        tgw_routes[g].push(format!(
            "  {{ destination_cidr_block = \"10.{v}.0.0/16\", transit_gateway_attachment_id = \"att-{v}\" }},\n"
        ));
        // Security groups are not referenced across a transit gateway: the spokes admit the
        // hub's addresses (the source-NATed interfaces) by CIDR.
        // Ten numbered rules per spoke subnet: HTTPS and ephemeral ports in, a denied range.
        t += &format!(
            "\n[[network_acl]]\nid = \"acl-{v}\"\nvpc_id = \"vpc-{v}\"\nsubnet_ids = [\"subnet-{v}\"]\ningress = [\n  {{ rule_number = 50, protocol = \"tcp\", rule_action = \"deny\", cidr_block = \"10.0.4.0/24\", from_port = 0, to_port = 65535 }},\n  {{ rule_number = 100, protocol = \"tcp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/16\", from_port = 443, to_port = 443 }},\n  {{ rule_number = 110, protocol = \"tcp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/16\", from_port = 22, to_port = 22 }},\n  {{ rule_number = 120, protocol = \"udp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/16\", from_port = 53, to_port = 53 }},\n  {{ rule_number = 130, protocol = \"tcp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/8\", from_port = 1024, to_port = 65535 }},\n]\negress = [\n  {{ rule_number = 50, protocol = \"tcp\", rule_action = \"deny\", cidr_block = \"10.0.3.0/24\", from_port = 0, to_port = 65535 }},\n  {{ rule_number = 100, protocol = \"tcp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/16\", from_port = 1024, to_port = 65535 }},\n  {{ rule_number = 110, protocol = \"udp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/16\", from_port = 1024, to_port = 65535 }},\n  {{ rule_number = 120, protocol = \"tcp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/8\", from_port = 443, to_port = 443 }},\n  {{ rule_number = 130, protocol = \"-1\", rule_action = \"deny\", cidr_block = \"0.0.0.0/0\" }},\n]\n"
        );
        t += &format!(
            "\n[[security_group]]\nid = \"sg-{v}\"\n\n[[security_group_rule]]\nsecurity_group_id = \"sg-{v}\"\ntype = \"ingress\"\nprotocol = \"tcp\"\nfrom_port = 443\nto_port = 443\ncidr_blocks = [\"10.0.0.0/16\"]\n\n[[network]]\nname = \"app-{v}\"\ncidr_blocks = [\"10.{v}.0.0/23\"]\nsecurity_group_id = \"sg-{v}\"\nport = \"tcp/443\"\n"
        );
    }
    for i in 0..5 {
        hub_routes.push(format!(
            "  {{ destination_cidr_block = \"10.250.{i}.0/24\", transit_gateway_id = \"tgw-1\", state = \"blackhole\" }},\n"
        ));
    }
    // The hub's subnets: ten rules that allow what the spokes send back, one denied range.
    let mut hub_acl = String::new();
    for (dir, first) in [("ingress", 1024), ("egress", 443)] {
        hub_acl += &format!("{dir} = [\n  {{ rule_number = 10, protocol = \"tcp\", rule_action = \"deny\", cidr_block = \"10.200.0.0/16\", from_port = 0, to_port = 65535 }},\n");
        for k in 1..4 {
            hub_acl += &format!("  {{ rule_number = {}, protocol = \"tcp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/8\", from_port = {first}, to_port = 65535 }},\n", 100 * k);
        }
        hub_acl += "  { rule_number = 400, protocol = \"udp\", rule_action = \"allow\", cidr_block = \"10.0.0.0/8\", from_port = 53, to_port = 65535 },\n]\n";
    }
    t += &format!(
        "\n[[network_acl]]\nid = \"acl-hub\"\nvpc_id = \"vpc-hub\"\ndefault = true\n{hub_acl}"
    );
    t += &format!(
        "\n[[route_table]]\nid = \"rtb-hub\"\nvpc_id = \"vpc-hub\"\nmain = true\nroute = [\n{}]\n",
        hub_routes.concat()
    );
    for g in 0..2 {
        t += &format!(
            "\n[[transit_gateway_route_table]]\nid = \"tgw-rtb-{}\"\ntransit_gateway_id = \"tgw-{}\"\nassociations = [{}]\npropagations = [\"att-hub-{}\"]\nroute = [\n{}]\n",
            g + 1,
            g + 1,
            attachments[g].iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", "),
            g + 1,
            tgw_routes[g].concat()
        );
    }
    for p in 0..20 {
        let needs: Vec<String> = (0..6)
            .map(|k| format!("\"app-{}\"", (p + k * 3) % SPOKES + 1))
            .collect();
        t += &format!(
            "\n[[population]]\nname = \"p{p}\"\nusers = 100\nworkday = {{ start = \"09:00\", length = \"8h\", days = \"mon-fri\" }}\nneeds = [{}]\n",
            needs.join(", ")
        );
    }
    load_str("dataplane-large.toml", &t)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn bench(c: &mut Criterion) {
    let s = topology();
    let dp = &s.data_plane;
    let routes = dp
        .route_tables
        .iter()
        .map(|t| t.routes.len())
        .sum::<usize>()
        + dp.tgw_route_tables
            .iter()
            .map(|t| t.routes.len())
            .sum::<usize>();
    let rules = dp
        .network_acls
        .iter()
        .map(|a| a.ingress.len() + a.egress.len())
        .sum::<usize>()
        + dp.security_group_rules.len();
    let tables = RouteTables::all_live(&s);
    let m = Matrix::build(&s, &tables);
    eprintln!(
        "dataplane-large: {} VPCs, {} transit gateways, {routes} routes, {rules} rules; {} cells, {} gaps, {} segments",
        s.vpcs.len(),
        dp.transit_gateways.len(),
        m.cells.len(),
        m.gaps().count(),
        m.cells.iter().map(|c| c.verdict.segments.len()).sum::<usize>()
    );
    c.bench_function("matrix/dataplane (600 cells, 20 VPCs, 2 TGWs)", |b| {
        b.iter(|| Matrix::build(&s, &tables))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
