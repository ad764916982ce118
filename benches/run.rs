//! Whole-process benchmarks of `cvpnsim run` as a user runs it (release build): the open Erlang
//! model of `benches/scenarios/erlang-2000d.toml` with every default output and with
//! `--summary-only` (the simulation alone), the peak resident memory of the 10,000-day version,
//! and, when `python3` can import SimPy (`pip install -r benches/simpy/requirements.txt`), the
//! SimPy script of the same model run side by side.
//!
//!     cargo bench --bench run            # everything
//!     CVPNSIM_BENCH_RUNS=5 cargo bench --bench run
//!
//! Figures go to standard output; nothing is asserted (timings are not tests).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cvpnsim");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Wall time and peak resident memory (KiB) of one child process; its CPU time (user and
/// system) goes to standard error, since on a shared machine the wall time is mostly waiting.
fn measure(cmd: &mut Command) -> (Duration, i64) {
    let start = Instant::now();
    let child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet waited for; both pointers are valid.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(r, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed with status {status}"
    );
    std::mem::forget(child);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    eprintln!(
        "{:?}: wall {:.2} s, cpu {:.2} s",
        cmd.get_args().collect::<Vec<_>>(),
        elapsed.as_secs_f64(),
        secs(usage.ru_utime) + secs(usage.ru_stime)
    );
    (elapsed, usage.ru_maxrss)
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
    let tmp = tempfile::tempdir().unwrap();
    let small = root().join("benches/scenarios/erlang-2000d.toml");
    let large = root().join("benches/scenarios/erlang-10000d.toml");

    let mut rows: Vec<(String, Duration, i64)> = Vec::new();
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
        let mut times = Vec::new();
        let mut rss = 0;
        for _ in 0..runs {
            let (t, m) = measure(&mut cvpnsim_run(&small, &tmp.path().join("r"), flags));
            times.push(t);
            rss = rss.max(m);
        }
        rows.push((format!("erlang 2,000 d: {label}"), median(times), rss));
    }
    let (t, rss) = measure(&mut cvpnsim_run(&large, &tmp.path().join("l"), &[]));
    rows.push(("erlang 10,000 d: run, every default output".into(), t, rss));
    // A 10,000-run sweep of a 2,000-user, 2-day scenario: memory stays bounded.
    let (t, rss) = measure(
        Command::new(BIN)
            .arg("sweep")
            .arg(root().join("benches/scenarios/sweep-2000users.toml"))
            .args(["--replicas", "10000", "--force", "--out"])
            .arg(tmp.path().join("sweep"))
            .stdout(std::process::Stdio::null()),
    );
    rows.push(("sweep, 10,000 runs of 2,000 users".into(), t, rss));

    let simpy = Command::new("python3")
        .args(["-c", "import simpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if simpy {
        let mut times = Vec::new();
        let mut rss = 0;
        for _ in 0..runs {
            let mut c = Command::new("python3");
            c.arg(root().join("benches/simpy/erlang.py"))
                .arg("2000")
                .arg(tmp.path().join("simpy"))
                .stdout(std::process::Stdio::null());
            let (t, m) = measure(&mut c);
            times.push(t);
            rss = rss.max(m);
        }
        rows.push(("erlang 2,000 d: SimPy script".into(), median(times), rss));
    } else {
        println!("(python3 cannot import simpy: pip install -r benches/simpy/requirements.txt)");
    }

    println!("{:<52} {:>10} {:>12}", "whole process", "wall", "peak RSS");
    for (label, t, rss) in &rows {
        println!(
            "{label:<52} {:>8.2} s {:>9.1} MB",
            t.as_secs_f64(),
            *rss as f64 / 1024.0
        );
    }
    let full = rows[0].1.as_secs_f64();
    let sim = rows[4].1.as_secs_f64();
    println!("whole run / simulation only: {:.2}×", full / sim);
    if let Some((_, t, _)) = rows.iter().find(|r| r.0.contains("SimPy")) {
        println!("SimPy / whole run: {:.1}×", t.as_secs_f64() / full);
    }
}
