//! Whole-process benchmarks of `cvpnsim run` as a user runs it (release build): the open Erlang
//! model of `benches/scenarios/erlang-2000d.toml` with every default output and with
//! `--summary-only` (the simulation alone), the peak resident memory of the 10,000-day version,
//! and, when `python3` can import SimPy (`pip install -r benches/simpy/requirements.txt`), the
//! SimPy script of the same model run side by side: each SimPy run right after a whole run, and
//! the ratio taken per pair.
//!
//!     cargo bench --bench run            # everything
//!     CVPNSIM_BENCH_RUNS=5 CVPNSIM_BENCH_PAIRS=11 cargo bench --bench run
//!
//! `CVPNSIM_BENCH_RUNS` (default 3) is how many times each variant runs, `CVPNSIM_BENCH_PAIRS`
//! (default 7, at least the runs) how many pairs of a whole run and a SimPy run: on a shared
//! machine whose speed drifts, one short run samples the moment it ran in while a SimPy run
//! spans many, so the median of the pairs' ratios needs more pairs than the table needs runs.
//!
//! Each run writes into a new folder (the one before is deleted outside the timing), as a
//! first run does, and starts with every earlier run's writes on disk (`sync`, outside the
//! timing); one more row times replacing an earlier set with `--force`, which adds
//! deleting that set. Figures go to standard output with wall and CPU time (user and system);
//! nothing is asserted (timings are not tests).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cvpnsim");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One child process: wall time, CPU time (user and system) and peak resident memory (KiB).
struct Measured {
    wall: Duration,
    cpu: Duration,
    rss: i64,
}

fn measure(cmd: &mut Command) -> Measured {
    // Outside the timing: what earlier runs wrote reaches the disk first, so that no run waits
    // for another's write-back (a run's own commit syncs its files).
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let start = Instant::now();
    let child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet waited for; both pointers are valid.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(r, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed with status {status}"
    );
    std::mem::forget(child);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = Duration::from_secs_f64(secs(usage.ru_utime) + secs(usage.ru_stime));
    eprintln!(
        "{:?}: wall {:.3} s, cpu {:.3} s",
        cmd.get_args().collect::<Vec<_>>(),
        wall.as_secs_f64(),
        cpu.as_secs_f64()
    );
    Measured {
        wall,
        cpu,
        rss: usage.ru_maxrss,
    }
}

/// The median wall and CPU times (each its own median) and the highest peak memory of runs.
fn summarise(v: Vec<Measured>) -> Measured {
    Measured {
        wall: median(v.iter().map(|m| m.wall).collect()),
        cpu: median(v.iter().map(|m| m.cpu).collect()),
        rss: v.iter().map(|m| m.rss).max().unwrap_or(0),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn cvpnsim_run(scenario: &Path, out: &Path, flags: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["-q", "--force", "--allow-large"])
        .args(flags);
    c
}

fn main() {
    let runs: usize = std::env::var("CVPNSIM_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let pairs_wanted: usize = std::env::var("CVPNSIM_BENCH_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7)
        .max(runs);
    let tmp = tempfile::tempdir().unwrap();
    let small = root().join("benches/scenarios/erlang-2000d.toml");
    let large = root().join("benches/scenarios/erlang-10000d.toml");

    let fresh = |name: &str| {
        let p = tmp.path().join(name);
        let _ = std::fs::remove_dir_all(&p);
        p
    };
    let mut rows: Vec<(String, Measured)> = Vec::new();
    for (label, flags) in [
        ("run, every default output", &[][..]),
        ("run --no-charts", &["--no-charts"][..]),
        ("run --no-report", &["--no-report"][..]),
        (
            "run --no-charts --no-report",
            &["--no-charts", "--no-report"][..],
        ),
        ("run --summary-only (simulation)", &["--summary-only"][..]),
    ] {
        let v = (0..runs)
            .map(|_| measure(&mut cvpnsim_run(&small, &fresh("r"), flags)))
            .collect();
        rows.push((format!("erlang 2,000 d: {label}"), summarise(v)));
    }
    // Replacing the set just written: the same run, plus deleting the earlier files.
    let v = (0..runs)
        .map(|_| measure(&mut cvpnsim_run(&small, &tmp.path().join("r"), &[])))
        .collect();
    rows.push((
        "erlang 2,000 d: run, replacing an earlier set".into(),
        summarise(v),
    ));
    let m = measure(&mut cvpnsim_run(&large, &fresh("l"), &[]));
    rows.push(("erlang 10,000 d: run, every default output".into(), m));
    // A 10,000-run sweep of a 2,000-user, 2-day scenario: memory stays bounded.
    let m = measure(
        Command::new(BIN)
            .arg("sweep")
            .arg(root().join("benches/scenarios/sweep-2000users.toml"))
            .args(["--replicas", "10000", "--force", "--out"])
            .arg(fresh("sweep"))
            .stdout(std::process::Stdio::null()),
    );
    rows.push(("sweep, 10,000 runs of 2,000 users".into(), m));

    let simpy = Command::new("python3")
        .args(["-c", "import simpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    // Each SimPy run is paired with a whole run just before it, so that both see the same load
    // (the machine's speed drifts over the minutes a set takes): the ratio is taken per pair.
    let mut pairs = Vec::new();
    if simpy {
        let (mut py_runs, mut our_runs) = (Vec::new(), Vec::new());
        for _ in 0..pairs_wanted {
            let ours = measure(&mut cvpnsim_run(&small, &fresh("p"), &[]));
            let mut c = Command::new("python3");
            c.arg(root().join("benches/simpy/erlang.py"))
                .arg("2000")
                .arg(tmp.path().join("simpy"))
                .stdout(std::process::Stdio::null());
            let py = measure(&mut c);
            pairs.push(py.wall.as_secs_f64() / ours.wall.as_secs_f64());
            py_runs.push(py);
            our_runs.push(ours);
        }
        rows.push((
            "erlang 2,000 d: run, each right before a SimPy run".into(),
            summarise(our_runs),
        ));
        rows.push(("erlang 2,000 d: SimPy script".into(), summarise(py_runs)));
    } else {
        println!("(python3 cannot import simpy: pip install -r benches/simpy/requirements.txt)");
    }

    println!(
        "{:<52} {:>10} {:>10} {:>12}",
        "whole process", "wall", "cpu", "peak RSS"
    );
    for (label, m) in &rows {
        println!(
            "{label:<52} {:>8.3} s {:>8.3} s {:>9.1} MB",
            m.wall.as_secs_f64(),
            m.cpu.as_secs_f64(),
            m.rss as f64 / 1024.0
        );
    }
    let (full, sim) = (&rows[0].1, &rows[4].1);
    println!(
        "whole run / simulation only: {:.2}× wall, {:.2}× cpu",
        full.wall.as_secs_f64() / sim.wall.as_secs_f64(),
        full.cpu.as_secs_f64() / sim.cpu.as_secs_f64()
    );
    if let Some((_, py)) = rows.iter().find(|r| r.0.ends_with("SimPy script")) {
        println!(
            "SimPy / whole run: {:.1}× wall, {:.1}× cpu (medians of the table)",
            py.wall.as_secs_f64() / full.wall.as_secs_f64(),
            py.cpu.as_secs_f64() / full.cpu.as_secs_f64()
        );
        pairs.sort_by(f64::total_cmp);
        let n = pairs.len();
        println!(
            "SimPy / whole run, paired runs: {:.1}× wall (median of {n}; quartiles {:.1}× and \
             {:.1}×; {:.1}× to {:.1}×)",
            pairs[n / 2],
            pairs[n / 4],
            pairs[(3 * n) / 4],
            pairs[0],
            pairs[n - 1]
        );
    }
}
