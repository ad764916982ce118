//! Sweep throughput: variants × replicas per second on a small workday scenario, with 1 worker
//! thread and with every core, to show how the grid scales.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cvpnsim::scenario::load_str;
use cvpnsim::study::run::{jobs, run};

const SCENARIO: &str = r#"
name = "bench-sweep"
duration = "2d"
[endpoint]
client_cidr_block = "10.100.0.0/20"
authentication = ["federated"]
vpc_id = "vpc-1"
[[vpc]]
id = "vpc-1"
cidr_blocks = ["172.31.0.0/16"]
[[subnet]]
id = "s1"
vpc_id = "vpc-1"
cidr_block = "172.31.0.0/24"
availability_zone = "eu-west-1a"
[[subnet]]
id = "s2"
vpc_id = "vpc-1"
cidr_block = "172.31.1.0/24"
availability_zone = "eu-west-1b"
[[association]]
subnet_id = "s1"
[[association]]
subnet_id = "s2"
[[population]]
name = "staff"
users = 2000
workday = { start = { normal = { mean = "09:00", sd = "30m" } }, length = { normal = { mean = "8h", sd = "1h" } }, days = "all" }
"#;

fn bench(c: &mut Criterion) {
    let s = load_str("bench.toml", SCENARIO).unwrap().scenario;
    let scenarios = vec![s];
    let js = jobs(1, 16, None);
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(js.len() as u64));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("16 runs, {threads} thread(s)"), |b| {
            b.iter(|| pool.install(|| run(&scenarios, &js, None)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
