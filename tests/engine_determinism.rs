//! Determinism (docs/model.md §2): the same scenario and seed give byte-identical output files, run
//! after run and whatever the thread count; different replicas or seeds give different runs.

use cvpnsim::report::{self, RunOutput};
use cvpnsim::scenario;
use cvpnsim::sim::{self, RunResult, SimOptions};
use rayon::prelude::*;

const SCENARIO: &str = r#"
name = "determinism"
seed = 2024
duration = "2d"
sample_interval = "10m"

[endpoint]
client_cidr_block = "10.100.0.0/20"
authentication = ["mutual", "federated"]
vpc_id = "vpc-main"
session_timeout_hours = 8
association_throughput_mbps = 400

[endpoint.client_connect_handler]
function_name = "AWSClientVPN-posture"
latency = { lognormal = { median = "300ms", p99 = "4s" } }
concurrency = 10
error_rate = 0.01
deny_rate = 0.02

[[vpc]]
id = "vpc-main"
cidr_blocks = ["172.31.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-main"
cidr_block = "172.31.0.0/20"
availability_zone = "us-east-1a"

[[subnet]]
id = "subnet-b"
vpc_id = "vpc-main"
cidr_block = "172.31.16.0/20"
availability_zone = "us-east-1b"

[[association]]
subnet_id = "subnet-a"

[[association]]
subnet_id = "subnet-b"

[limits]
connections_by_associations = [150, 220]

[[population]]
name = "office"
users = 250
workday = { start = { normal = { mean = "09:00", sd = "30m" } }, length = { normal = { mean = "9h", sd = "1h" } }, days = "all" }
demand_mbps = { uniform = [1.0, 10.0] }
retry = { initial = "2s", multiplier = 2.0, max = "2m", jitter = 0.5, give_up_after = 8 }
auth_failure_rate = 0.02
revoked_fraction = 0.01

[[population]]
name = "walk-ins"
arrivals = { per_hour = 30, session = { exponential = { mean = "1h" } } }
dns_caching = true

[[event]]
at = "10:00"
az_outage = { availability_zone = "us-east-1a", duration = "1h" }

[[event]]
at = "1d 12:00"
modify = ["authorization_rules"]
propagation = "20m"
"#;

fn scenario() -> cvpnsim::model::Scenario {
    scenario::load_str("determinism.toml", SCENARIO)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn run(replica: u32) -> RunResult {
    sim::simulate(
        &scenario(),
        &SimOptions {
            replica,
            connection_log: true,
            ..SimOptions::default()
        },
    )
}

/// Every output file's bytes, by name.
fn files(r: &RunResult) -> Vec<(&'static str, Vec<u8>)> {
    let sc = scenario();
    let hash = cvpnsim::scenario::fingerprint(&sc);
    let out = RunOutput {
        scenario: &sc,
        result: r,
        scenario_hash: &hash,
        gaps: &[],
    };
    report::standard_exporters(true)
        .iter()
        .map(|e| (e.file_name(), e.render(&out).unwrap()))
        .collect()
}

#[test]
fn two_runs_write_identical_bytes() {
    let (a, b) = (run(0), run(0));
    assert!(
        a.summary.failures > 0 && a.summary.sessions.reset_by_modification > 0,
        "the scenario exercises faults"
    );
    assert_eq!(a, b);
    assert_eq!(files(&a), files(&b));
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let in_pool = |threads: usize| -> Vec<Vec<(&'static str, Vec<u8>)>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            (0..3u32)
                .into_par_iter()
                .map(|replica| files(&run(replica)))
                .collect()
        })
    };
    let one = in_pool(1);
    let four = in_pool(4);
    assert_eq!(one, four);
    assert_ne!(one[0], one[1], "replicas draw independent streams");
}

#[test]
fn a_different_seed_changes_the_run_and_the_hash() {
    let mut other = scenario();
    other.seed += 1;
    let r = sim::simulate(&other, &SimOptions::default());
    assert_ne!(r.summary, run(0).summary);
    assert_ne!(
        cvpnsim::scenario::fingerprint(&other),
        cvpnsim::scenario::fingerprint(&scenario())
    );
}
