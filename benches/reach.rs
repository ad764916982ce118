//! Reachability throughput on a large endpoint: 5 associations, 200 authorization rules,
//! 100 routes, 20 populations × 6 needed networks (600 verdicts).

use criterion::{criterion_group, criterion_main, Criterion};
use cvpnsim::model::Scenario;
use cvpnsim::net::{Matrix, RouteTables};
use cvpnsim::scenario::load_str;

const AZS: [&str; 5] = ["a", "b", "c", "d", "e"];

fn large() -> Scenario {
    let mut t = String::from(
        r#"name = "large"
seed = 1
duration = "1d"

[endpoint]
client_cidr_block = "100.64.0.0/16"
authentication = ["federated"]
vpc_id = "vpc-main"
split_tunnel = true

[limits]
authorization_rules = 200
routes = 100

[[vpc]]
id = "vpc-main"
cidr_blocks = ["10.0.0.0/16"]
"#,
    );
    for (i, az) in AZS.iter().enumerate() {
        t += &format!(
            "\n[[subnet]]\nid = \"subnet-{az}\"\nvpc_id = \"vpc-main\"\ncidr_block = \"10.0.{}.0/24\"\navailability_zone = \"us-east-1{az}\"\n\n[[association]]\nsubnet_id = \"subnet-{az}\"\n",
            i
        );
    }
    // 20 destinations routed from every subnet but the last, which misses the odd ones.
    for d in 0..20 {
        for (i, az) in AZS.iter().enumerate() {
            if i == 4 && d % 2 == 1 {
                t += &format!("\n[[route]]\ndestination_cidr_block = \"0.0.0.0/0\"\ntarget_vpc_subnet_id = \"subnet-{az}\"\n");
                continue;
            }
            t += &format!("\n[[route]]\ndestination_cidr_block = \"172.{}.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-{az}\"\n", 16 + d);
        }
    }
    // 200 rules: /16s, /24s inside them and single hosts, for 20 groups, plus 0.0.0.0/0.
    for r in 0..200 {
        let (d, g) = (r % 20, (r * 7) % 20);
        let cidr = match r % 4 {
            0 => format!("172.{}.0.0/16", 16 + d),
            1 => format!("172.{}.{}.0/24", 16 + d, r % 256),
            2 => format!("172.{}.{}.{}/32", 16 + d, r % 256, r % 250),
            _ => "0.0.0.0/0".to_string(),
        };
        t += &format!("\n[[authorization_rule]]\ntarget_network_cidr = \"{cidr}\"\naccess_group_id = \"S-g{g}\"\n");
    }
    for n in 0..6 {
        t += &format!(
            "\n[[network]]\nname = \"n{n}\"\ncidr_blocks = [\"172.{}.0.0/16\", \"172.{}.0.0/16\"]\n",
            16 + 3 * n,
            17 + 3 * n
        );
    }
    for p in 0..20 {
        t += &format!(
            "\n[[population]]\nname = \"p{p}\"\nusers = 100\ngroups = [\"S-g{p}\", \"S-g{}\"]\nworkday = {{ start = \"09:00\", length = \"8h\", days = \"mon-fri\" }}\nneeds = [\"n0\", \"n1\", \"n2\", \"n3\", \"n4\", \"n5\"]\n",
            (p + 1) % 20
        );
    }
    load_str("large.toml", &t)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn bench(c: &mut Criterion) {
    let s = large();
    let tables = RouteTables::all_live(&s);
    let m = Matrix::build(&s, &tables);
    eprintln!(
        "large: {} cells, {} gaps, {} segments",
        m.cells.len(),
        m.gaps().count(),
        m.cells
            .iter()
            .map(|c| c.verdict.segments.len())
            .sum::<usize>()
    );
    c.bench_function("matrix/large (600 cells, 200 rules, 100 routes)", |b| {
        b.iter(|| Matrix::build(&s, &tables))
    });
    c.bench_function("route_tables/large", |b| {
        b.iter(|| RouteTables::all_live(&s))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
