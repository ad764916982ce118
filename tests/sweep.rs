//! `cvpnsim sweep` and `cvpnsim merge` end to end: the output does not depend on the number of
//! threads, and shards merged give the same files as one run.

use std::path::{Path, PathBuf};
use std::process::Command;

const SCENARIO: &str = r#"
name = "sweep-check"
seed = 7
duration = "1d"
[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["mutual"]
vpc_id = "vpc-1"
[limits]
connections_by_associations = [40, 80]
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
name = "ops"
arrivals = { per_hour = 60, session = { exponential = { mean = "1h" } } }
retry = { give_up_after = 1 }
"#;

fn cvpnsim(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cvpnsim {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every file below `dir` (relative name → bytes), sorted.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn setup() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    (dir, file.display().to_string())
}

const VARY: [&str; 4] = [
    "--vary",
    "population.ops.arrivals.per_hour=30,90",
    "--vary",
    "associations=1,2",
];

/// `cvpnsim sweep FILE --replicas 3 --threads T` and the grid, into `out`.
fn sweep_on(file: &str, threads: &str, out: &Path) {
    let mut a = vec![
        "sweep",
        file,
        "--replicas",
        "3",
        "--threads",
        threads,
        "--out",
        out.to_str().unwrap(),
    ];
    a.extend(VARY);
    cvpnsim(&a);
}

#[test]
fn output_is_identical_with_one_and_many_threads() {
    let (dir, file) = setup();
    let one = dir.path().join("one");
    sweep_on(&file, "1", &one);
    let fa = files(&one);
    assert!(fa.iter().any(|(p, _)| p.ends_with("sweep-summary.csv")));
    assert!(fa
        .iter()
        .any(|(p, _)| p.extension().is_some_and(|e| e == "png")));
    for threads in ["2", "4"] {
        let many = dir.path().join(format!("threads-{threads}"));
        sweep_on(&file, threads, &many);
        assert_eq!(fa, files(&many), "1 thread against {threads}");
    }
    // 2 × 2 variants × 3 replicas = 12 rows, plus the header.
    let csv = std::fs::read_to_string(one.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 13);
    // More load on fewer associations refuses more: the grid really changes the runs.
    let summary = std::fs::read_to_string(one.join("sweep-summary.csv")).unwrap();
    let head: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let col = head
        .iter()
        .position(|h| *h == "attempt_failure_rate_mean")
        .unwrap();
    let blocking: Vec<f64> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect();
    // Variant order: (30/h, 1 assoc), (30/h, 2), (90/h, 1), (90/h, 2).
    assert!(blocking[2] > blocking[0], "{blocking:?}");
    assert!(blocking[2] > blocking[3], "{blocking:?}");
}

#[test]
fn streamed_files_equal_the_tables_of_held_rows() {
    use cvpnsim::study::{grid, sweep, Base};
    let (dir, file) = setup();
    let out = dir.path().join("streamed");
    sweep_on(&file, "2", &out);
    // The same grid run by the library, every row held, then rendered from the held table.
    let axes = [VARY[1], VARY[3]]
        .iter()
        .map(|v| grid::parse_axis(v).unwrap())
        .collect();
    let base = Base::read(Path::new(&file)).unwrap();
    let held = sweep::prepare(base, axes, 3, None, false)
        .unwrap()
        .run(None);
    assert_eq!(held.rows.len(), 12);
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    assert_eq!(read("sweep.csv"), held.rows_csv().unwrap());
    assert_eq!(read("sweep-summary.csv"), held.summary_csv().unwrap());
    assert_eq!(read("sweep.json"), held.manifest_json());
}

#[test]
fn a_sweep_of_many_runs_holds_no_more_rows_than_its_window() {
    use cvpnsim::study::{grid, run, sweep, Base};
    let (dir, file) = setup();
    std::fs::write(
        &file,
        SCENARIO.replace("duration = \"1d\"", "duration = \"2h\""),
    )
    .unwrap();
    let base = Base::read(Path::new(&file)).unwrap();
    let axes = vec![grid::parse_axis("associations=1,2").unwrap()];
    let s = sweep::prepare(base, axes, 200, None, false).unwrap();
    assert_eq!(s.jobs(), 400);
    let threads = 2;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut order = Vec::new();
    let held = pool
        .install(|| {
            s.stream::<()>(None, &mut |r| {
                order.push(r.job.index);
                Ok(())
            })
        })
        .unwrap();
    assert_eq!(order, (0..400).collect::<Vec<_>>());
    // 128 rows at most, whatever the number of runs: the window is not the sweep.
    assert_eq!(run::window(threads), 128);
    assert!(held.max_waiting < run::window(threads), "{held:?}");
    drop(dir);
}

#[test]
fn shards_merged_equal_a_single_run() {
    let (dir, file) = setup();
    let whole = dir.path().join("whole");
    let mut a = vec![
        "sweep",
        &file,
        "--replicas",
        "2",
        "--out",
        whole.to_str().unwrap(),
    ];
    a.extend(VARY);
    cvpnsim(&a);
    let mut shard_dirs = Vec::new();
    for k in 1..=3 {
        let d = dir.path().join(format!("shard{k}"));
        let shard = format!("{k}/3");
        let mut s = vec![
            "sweep",
            &file,
            "--replicas",
            "2",
            "--shard",
            &shard,
            "--out",
            d.to_str().unwrap(),
        ];
        s.extend(VARY);
        cvpnsim(&s);
        shard_dirs.push(d);
    }
    let merged = dir.path().join("merged");
    let mut m = vec!["merge".to_string()];
    m.extend(shard_dirs.iter().map(|d| d.display().to_string()));
    m.extend(["--out".into(), merged.display().to_string()]);
    cvpnsim(&m.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(files(&whole), files(&merged));
    // A missing shard is refused with the reason.
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args([
            "merge",
            shard_dirs[0].to_str().unwrap(),
            shard_dirs[2].to_str().unwrap(),
            "--out",
            dir.path().join("x").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 2/3 is missing"));
    // Rows are read one at a time as the merged folder is written: a shard that lost its last
    // row is refused when the gap comes up, and nothing of the half-written folder is left.
    let csv = std::fs::read_to_string(shard_dirs[1].join("sweep.csv")).unwrap();
    let cut = csv.trim_end().rfind('\n').unwrap() + 1;
    std::fs::write(shard_dirs[1].join("sweep.csv"), &csv[..cut]).unwrap();
    let target = dir.path().join("cut");
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(["merge"])
        .args(&shard_dirs)
        .args(["--out", target.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // 8 jobs in 3 shards: shard 2 holds jobs 1, 4 and 7.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("job 7 is missing or duplicated"), "{err}");
    assert!(!target.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_bad_key_is_a_usage_error_naming_the_variant() {
    let (_dir, file) = setup();
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(["sweep", &file, "--vary", "endpoint.vpn_prot=443,1194"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("variant 0 (endpoint.vpn_prot=443)")
            && err.contains("did you mean `vpn_port`"),
        "{err}"
    );
}

#[test]
fn plan_reproduces_the_guides_sizing_example() {
    // Guide, "Client VPN scaling considerations": 8,000 connections → /18 and 2 associations
    // (the guide's rules alone: no headroom margin).
    let out = cvpnsim(&["plan", "--connections", "8000", "--margin", "0", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["client_cidr_prefix"], 18);
    assert_eq!(v["associations"], 2);
    // By default 20 % of the addresses stay free at the peak: a /17, not a /18 at 2.3 %.
    let out = cvpnsim(&["plan", "--connections", "8000", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["client_cidr_prefix"], 17);
    assert!(v["address_headroom"].as_f64().unwrap() >= 0.2);
    // Two associations for a month at $0.10 an hour (guide: "Pricing for Client VPN").
    assert_eq!(v["monthly_cost_associations"], 146.0);
}

#[test]
fn plan_from_a_scenario_confirms_by_simulation() {
    // Guide, "Client VPN scaling considerations": 8,000 users on /18 and two associations hold,
    // also with either Availability Zone lost at the peak.
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/guide-sizing-8000.toml"
    );
    let out = cvpnsim(&[
        "plan",
        "--connections",
        "8000",
        "--margin",
        "0",
        "--survive-az-loss",
        "--from",
        scenario,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["simulated"]["as_planned"]["peak_concurrency"], 8000);
    assert_eq!(v["simulated"]["as_planned"]["capacity_refusals"], 0);
    assert_eq!(v["simulated"]["zone_lost"].as_array().unwrap().len(), 2);
    // The planned run's bill: two associations for the simulated 5 days are 240 h × $0.10.
    let items = v["simulated"]["cost"]["items"].as_array().unwrap();
    assert_eq!(items[0]["item"], "associations");
    assert_eq!(items[0]["quantity"], 240.0);
    assert!(v["simulated"]["cost"]["total"].as_f64().unwrap() > 24.0);
    // Planning for too small a peak is caught by the simulation: exit 1, capacity refusals.
    let small = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(["plan", "--connections", "3000", "--from", scenario])
        .output()
        .unwrap();
    assert_eq!(small.status.code(), Some(1));
    let text = String::from_utf8_lossy(&small.stdout);
    assert!(
        text.contains("/19") && text.contains("peak 4096 connections"),
        "{text}"
    );
}

#[test]
fn plan_sizes_the_handler_for_the_reset_storm() {
    // 1,000 clients that reconnect by themselves (first retry after 1 to 2 s: the default 2 s
    // less up to half of it) through a handler of 1 s a call, 99 % back within 20 s of the reset.
    // A perfect queue serves them in batches of C a second: the 990th user starts ⌊989 / C⌋ s
    // after its arrival and is back 1 s later, so with arrivals at 1 s C ≥ 53 (⌊989 / 53⌋ = 18),
    // with arrivals at 2 s C ≥ 55 (⌊989 / 55⌋ = 17).
    let out = cvpnsim(&[
        "plan",
        "--connections",
        "1000",
        "--margin",
        "0",
        "--handler-latency",
        "1s",
        "--reconnect-p99",
        "20s",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let h = &v["handler"];
    assert_eq!(h["users"], 1000);
    assert_eq!(h["target_p99_s"], 20.0);
    assert_eq!(h["mean_latency_s"], 1.0);
    let bound = h["queue_bound"].as_u64().unwrap();
    assert!((53..=55).contains(&bound), "{h}");
    // Throttled clients wait for their back-off, so the storm needs at least the bound.
    let needed = h["needed"].as_u64().unwrap();
    assert!(needed >= bound, "{h}");
    assert_eq!(h["concurrency"], needed);
    assert!(h["modelled_p99_s"].as_f64().unwrap() <= 20.0, "{h}");
    // A target below the handler's own latency cannot be met.
    let out = cvpnsim(&[
        "plan",
        "--connections",
        "1000",
        "--handler-latency",
        "1s",
        "--reconnect-p99",
        "500ms",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no concurrency meets the target"), "{text}");
    // A distribution the scenario reader refuses is bad usage, located in the option.
    let bad = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args([
            "plan",
            "--connections",
            "10",
            "--handler-latency",
            "{ lognormal = { median = \"300ms\" } }",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--handler-latency.lognormal.p99"));
}

#[test]
fn plan_confirms_the_handler_sizing_on_the_engine() {
    // The guide's 8,000 SAML users: reset at the planned run's peak, they log in again by hand
    // after 2 minutes, through a handler of 1 s a call. The target defaults to their own delay
    // and the handler's latency plus a minute (181 s); the engine, with the recommended
    // concurrency and every connection reset at the peak, brings 99 % back within it.
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/guide-sizing-8000.toml"
    );
    let out = cvpnsim(&[
        "plan",
        "--connections",
        "8000",
        "--from",
        scenario,
        "--handler-latency",
        "1s",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let h = &v["handler"];
    assert_eq!(h["target_p99_s"], 181.0, "{h}");
    let c = h["concurrency"].as_u64().unwrap();
    let storm = &v["simulated"]["reset_storm"];
    assert_eq!(storm["handler_concurrency"], c);
    // Everyone connected at that instant (the peak's 8,000 but those whose day ends with it).
    assert!(storm["users_dropped"].as_u64().unwrap() > 7900, "{storm}");
    assert_eq!(storm["within_target"], true, "{storm}");
    assert!(storm["time_to_99_percent_back_s"].as_f64().unwrap() <= 181.0);
}
