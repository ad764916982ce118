//! Engine benchmark on the large scenario of the engine issue: 126,000 users on five
//! associations, 7 simulated days, 24 h maximum sessions, an AZ outage and a reset storm.
//!
//! Reports (criterion) the wall time of the whole scenario and the engine's events per second,
//! and prints the events handled and the peak heap bytes per user, measured by a counting
//! allocator. `cargo bench --bench engine` runs it; nothing here asserts a time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cvpnsim::model::Scenario;
use cvpnsim::sim::{self, SimOptions};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const LARGE: &str = r#"
name = "large-126k-7d"
seed = 1
duration = "7d"
sample_interval = "5m"

[endpoint]
client_cidr_block = "10.0.0.0/12"
authentication = ["mutual"]
vpc_id = "vpc-main"
session_timeout_hours = 24

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

[[subnet]]
id = "subnet-c"
vpc_id = "vpc-main"
cidr_block = "172.31.32.0/20"
availability_zone = "us-east-1c"

[[subnet]]
id = "subnet-d"
vpc_id = "vpc-main"
cidr_block = "172.31.48.0/20"
availability_zone = "us-east-1d"

[[subnet]]
id = "subnet-e"
vpc_id = "vpc-main"
cidr_block = "172.31.64.0/20"
availability_zone = "us-east-1e"

[[association]]
subnet_id = "subnet-a"

[[association]]
subnet_id = "subnet-b"

[[association]]
subnet_id = "subnet-c"

[[association]]
subnet_id = "subnet-d"

[[association]]
subnet_id = "subnet-e"

[[population]]
name = "everyone"
users = 126000
workday = { start = { normal = { mean = "09:00", sd = "1h" } }, length = { normal = { mean = "9h", sd = "1h" } }, days = "all" }
retry = { initial = "2s", multiplier = 2.0, max = "2m", jitter = 0.5, give_up_after = 20 }

[[event]]
at = "1d 10:00"
description = "one AZ down for two hours"
az_outage = { availability_zone = "us-east-1c", duration = "2h" }

[[event]]
at = "3d 11:40"
description = "authorization rules edited: every connection resets at noon"
modify = ["authorization_rules"]
propagation = "20m"
"#;

fn large() -> Scenario {
    match cvpnsim::scenario::load_str("large.toml", LARGE) {
        Ok(loaded) => loaded.scenario,
        Err(e) => panic!("the benchmark scenario is invalid:\n{e}"),
    }
}

fn engine(c: &mut Criterion) {
    let sc = large();
    let users = 126_000f64;
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let probe = sim::simulate(&sc, &SimOptions::default());
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let s = &probe.summary;
    eprintln!(
        "large scenario: {} events ({} cancelled timers skipped), {} attempts, {} failed, peak {} connections, \
         {} reset, {} dropped by the outage",
        probe.stats.events,
        probe.stats.stale_events,
        s.attempts,
        s.failures,
        s.peak_concurrency,
        s.sessions.reset_by_modification,
        s.sessions.dropped_by_association_failure
    );
    eprintln!(
        "memory: peak heap {:.1} MB during the run = {:.0} bytes per user (engine state {:.0} bytes per user, \
         peak queue {} entries)",
        peak as f64 / 1e6,
        peak as f64 / users,
        probe.stats.state_bytes as f64 / users,
        probe.stats.peak_queue_len
    );
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(probe.stats.events));
    group.bench_function("large-126k-users-7d", |b| {
        b.iter(|| sim::simulate(&sc, &SimOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
