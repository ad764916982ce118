//! Results that are never lost, mixed or misplaced, and limits refused up front: a fault-injection
//! suite for the results-folder writer (killed runs, injected write and commit failures, a full
//! disk and a read-only folder where the test may mount one, concurrent writers, planted links),
//! and one regression test for each defect of the robustness review.
//!
//! After every fault the folder holds the earlier set or the new one, byte for byte, never a mix;
//! no temporary file remains once the next run has gone through; the next run succeeds without
//! `--force`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const SCENARIO: &str = concat!("\nname = \"faults\"\n", one_association!());

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cvpnsim"));
    c.env_remove("CVPNSIM_FAULT");
    c
}

fn cvpnsim(args: &[&str], cwd: &Path) -> Output {
    bin().args(args).current_dir(cwd).output().unwrap()
}

fn cvpnsim_fault(args: &[&str], cwd: &Path, fault: &str) -> Output {
    bin()
        .args(args)
        .env("CVPNSIM_FAULT", fault)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Names in `dir` that are temporary files or folders of a writer.
fn temporaries(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return v;
    };
    for e in entries {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy().into_owned();
        if n.contains(".staging-")
            || n.contains(".old-")
            || n.contains(".partial-")
            || n.contains(".tmp-")
        {
            v.push(n);
        }
        if e.file_type().unwrap().is_dir() {
            v.extend(temporaries(&e.path()));
        }
    }
    v
}

/// A folder with the scenario, and reference results of replica 0 (the "old" set) and replica 1
/// (the "new" set): the same scenario, so neither needs `--force` over the other.
struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    old: BTreeMap<String, Vec<u8>>,
    new: BTreeMap<String, Vec<u8>>,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    fs::write(dir.join("s.toml"), SCENARIO).unwrap();
    ok(&cvpnsim(&["run", "s.toml", "-q", "--out", "ref0"], &dir));
    ok(&cvpnsim(
        &["run", "s.toml", "-q", "--out", "ref1", "--replica", "1"],
        &dir,
    ));
    let old = snapshot(&dir.join("ref0"));
    let new = snapshot(&dir.join("ref1"));
    assert_ne!(
        old, new,
        "the two replicas must differ for the test to mean anything"
    );
    Fixture {
        _tmp: tmp,
        dir,
        old,
        new,
    }
}

impl Fixture {
    fn write_old(&self, out: &str) {
        ok(&cvpnsim(&["run", "s.toml", "-q", "--out", out], &self.dir));
        assert_eq!(snapshot(&self.dir.join(out)), self.old);
    }

    fn new_args<'a>(&self, out: &'a str) -> Vec<&'a str> {
        vec!["run", "s.toml", "-q", "--out", out, "--replica", "1"]
    }

    /// The folder holds the old set or the new set, whole.
    fn intact_or_complete(&self, out: &str) -> bool {
        let now = snapshot(&self.dir.join(out));
        assert!(
            now == self.old || now == self.new,
            "a mix or a partial set: {:?}",
            now.keys().collect::<Vec<_>>()
        );
        now == self.new
    }

    /// The next run goes through without `--force` and leaves no temporary file.
    fn next_run_succeeds(&self, out: &str) {
        ok(&cvpnsim(&self.new_args(out), &self.dir));
        assert_eq!(snapshot(&self.dir.join(out)), self.new);
        assert_eq!(temporaries(&self.dir), Vec::<String>::new());
    }
}

// ---- fault injection -------------------------------------------------------------------------

/// Issue item 3 and the kill case of the suite: a run killed with SIGKILL at varied moments.
#[cfg(unix)]
#[test]
fn killed_runs_leave_the_old_set_or_the_new_one() {
    let f = fixture();
    let mut saw_new = false;
    for (i, delay_ms) in [0u64, 40, 120, 250, 400, 600, 900, 1300, 2000]
        .iter()
        .enumerate()
    {
        let out = format!("k{i}");
        f.write_old(&out);
        let mut child = bin()
            .args(f.new_args(&out))
            .current_dir(&f.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(*delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        saw_new |= f.intact_or_complete(&out);
        f.next_run_succeeds(&out);
    }
    // Not asserted (timing), but reported: whether some kill came after the commit.
    eprintln!("a killed run had already committed: {saw_new}");
}

/// SIGTERM and SIGINT: the handler removes the staging folder; the old set stays; exit 128+n.
#[cfg(unix)]
#[test]
fn interrupted_runs_clean_up_and_keep_the_old_set() {
    let f = fixture();
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        let out = format!("sig{signal}");
        f.write_old(&out);
        // Paused just before the exchange, with every file staged.
        let child = bin()
            .args(f.new_args(&out))
            .env("CVPNSIM_FAULT", "pause:3000")
            .current_dir(&f.dir)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the staging folder holds the summary, then signal.
        let staged = || {
            fs::read_dir(&f.dir).unwrap().any(|e| {
                let p = e.unwrap().path();
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!(".{out}.staging-"))
                    && p.join(".cvpnsim-results").exists()
            })
        };
        let mut waited = 0;
        while !staged() && waited < 600 {
            std::thread::sleep(Duration::from_millis(50));
            waited += 1;
        }
        assert!(staged(), "the run never staged its files");
        unsafe {
            libc::kill(child.id() as i32, signal);
        }
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
        assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
        assert!(!f.intact_or_complete(&out), "the old set stays");
        assert_eq!(
            temporaries(&f.dir),
            Vec::<String>::new(),
            "no temporary file after the signal"
        );
        f.next_run_succeeds(&out);
    }
}

/// Injected failures: writing one file, and the final exchange. Exit 3, the old set intact, no
/// temporary file, and the next run goes through.
#[test]
fn injected_write_and_commit_failures_keep_the_old_set() {
    let f = fixture();
    for (i, fault) in [
        "write:summary.json",
        "write:timeseries.csv",
        "write:charts/connections.svg",
        "write:connection-log.jsonl",
        "commit",
    ]
    .iter()
    .enumerate()
    {
        let out = format!("w{i}");
        f.write_old(&out);
        let mut args = f.new_args(&out);
        args.push("--connection-log");
        let o = cvpnsim_fault(&args, &f.dir, fault);
        assert_eq!(o.status.code(), Some(3), "{fault}: {}", stderr(&o));
        assert!(stderr(&o).contains("injected failure"), "{}", stderr(&o));
        assert!(!f.intact_or_complete(&out), "{fault}: the old set stays");
        assert_eq!(temporaries(&f.dir), Vec::<String>::new(), "{fault}");
        f.next_run_succeeds(&out);
    }
}

/// Two writers at once: the second is refused (exit 2) and told who holds the folder; the first
/// completes. Then both race freely many times: the folder always holds one complete set.
#[test]
fn concurrent_writers_never_mix() {
    let f = fixture();
    f.write_old("c");
    let first = bin()
        .args(f.new_args("c"))
        .env("CVPNSIM_FAULT", "pause:2500")
        .current_dir(&f.dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first holds the lock (its staging folder exists).
    let mut waited = 0;
    while !fs::read_dir(&f.dir).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".c.staging-")
    }) && waited < 600
    {
        std::thread::sleep(Duration::from_millis(20));
        waited += 1;
    }
    let second = cvpnsim(&["run", "s.toml", "-q", "--out", "c"], &f.dir);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    let msg = stderr(&second);
    assert!(
        msg.contains("being written by another cvpnsim")
            && msg.contains(&format!("pid {}", first.id()))
            && msg.contains("run faults sha256:"),
        "{msg}"
    );
    let o = first.wait_with_output().unwrap();
    ok(&o);
    assert!(f.intact_or_complete("c"));

    // Free races: replica 0 and replica 1 started together, ten times.
    for _ in 0..10 {
        let a = bin()
            .args(["run", "s.toml", "-q", "--out", "c"])
            .current_dir(&f.dir)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let b = bin()
            .args(f.new_args("c"))
            .current_dir(&f.dir)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        for o in [&a, &b] {
            assert!(
                o.status.success()
                    || (o.status.code() == Some(2) && stderr(o).contains("being written")),
                "{}",
                stderr(o)
            );
        }
        f.intact_or_complete("c");
        assert_eq!(temporaries(&f.dir), Vec::<String>::new());
    }
}

/// Mounts a small tmpfs at `dir` (root on Linux only), unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, options: &str) -> Option<Mount> {
        fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(dir.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A full disk: a 512 KiB file system holds the old set but not a second one beside it (the log
/// is large). The run fails with exit 3, the old set is intact, nothing temporary remains.
#[test]
fn a_full_disk_keeps_the_old_set() {
    let f = fixture();
    let mnt = f.dir.join("small");
    let Some(_m) = Mount::tmpfs(&mnt, "size=8m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root on Linux)");
        return;
    };
    let out = "small/r";
    f.write_old(out);
    // Fill the disk so that the new set (with a connection log) cannot fit.
    let used: usize = f.old.values().map(Vec::len).sum();
    let filler = vec![0u8; (8 << 20) - 2 * used - 100 * 1024];
    let _ = fs::write(mnt.join("filler"), &filler);
    let mut args = f.new_args(out);
    args.push("--connection-log");
    let o = cvpnsim(&args, &f.dir);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    assert!(!f.intact_or_complete(out));
    assert_eq!(temporaries(&mnt), Vec::<String>::new());
    fs::remove_file(mnt.join("filler")).unwrap();
    f.next_run_succeeds(out);
}

/// A read-only file system: exit 3 with a message, the old set intact.
#[test]
fn a_read_only_folder_is_reported_and_left_alone() {
    let f = fixture();
    let mnt = f.dir.join("ro");
    let Some(_m) = Mount::tmpfs(&mnt, "size=4m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root on Linux)");
        return;
    };
    f.write_old("ro/r");
    let remount = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&mnt)
        .status()
        .unwrap();
    assert!(remount.success());
    let o = cvpnsim(&f.new_args("ro/r"), &f.dir);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Read-only file system"),
        "{}",
        stderr(&o)
    );
    assert!(!f.intact_or_complete("ro/r"));
    Command::new("mount")
        .args(["-o", "remount,rw"])
        .arg(&mnt)
        .status()
        .unwrap();
    f.next_run_succeeds("ro/r");
}

/// Issue item 5: links planted where a writer might write are never followed.
#[cfg(unix)]
#[test]
fn planted_links_are_never_followed() {
    let f = fixture();
    let victim = f.dir.join("victim");
    fs::write(&victim, "precious").unwrap();
    f.write_old("p");
    let pid_guess = std::process::id();
    // Links at the old predictable names, in the folder and beside it, and at the lock's name.
    for n in 0..50 {
        for name in [
            format!("p/.summary.json.partial-{}", pid_guess + n),
            format!(".p.staging-{n:016x}"),
        ] {
            let _ = std::os::unix::fs::symlink(&victim, f.dir.join(name));
        }
    }
    ok(&cvpnsim(&f.new_args("p"), &f.dir));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(snapshot(&f.dir.join("p")), f.new);

    // A link at the lock file's name is refused, not followed.
    let _ = fs::remove_file(f.dir.join(".q.lock"));
    std::os::unix::fs::symlink(&victim, f.dir.join(".q.lock")).unwrap();
    let o = cvpnsim(&f.new_args("q"), &f.dir);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");

    // A link at the --junit path is replaced by a file with --force, never written through.
    fs::write(f.dir.join("e.toml"), "max_blocking_probability = 1.0\n").unwrap();
    std::os::unix::fs::symlink(&victim, f.dir.join("j.xml")).unwrap();
    let o = cvpnsim(
        &["check", "s.toml", "--expect", "e.toml", "--junit", "j.xml"],
        &f.dir,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refusing to overwrite"),
        "{}",
        stderr(&o)
    );
    let o = cvpnsim(
        &[
            "check", "s.toml", "--expect", "e.toml", "--junit", "j.xml", "--force",
        ],
        &f.dir,
    );
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(fs::read_to_string(f.dir.join("j.xml"))
        .unwrap()
        .contains("<testsuite"));
}

// ---- regression tests, one per item of the review --------------------------------------------

/// Item 1: sweep's default folder is cleaned like run's; nothing lands outside `results/`.
#[test]
fn sweep_names_cannot_escape_the_results_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("a/b/c");
    fs::create_dir_all(&cwd).unwrap();
    for (name, folder) in [
        ("../../../escaped", ".._.._.._escaped-sweep"),
        ("/abs/elsewhere", "_abs_elsewhere-sweep"),
    ] {
        let sc = SCENARIO.replace("name = \"faults\"", &format!("name = \"{name}\""));
        fs::write(cwd.join("s.toml"), sc).unwrap();
        ok(&cvpnsim(&["sweep", "s.toml", "--vary", "seed=1,2"], &cwd));
        assert!(
            cwd.join("results").join(folder).join("sweep.csv").exists(),
            "{folder}"
        );
        ok(&cvpnsim(
            &["sweep", "s.toml", "--vary", "seed=1,2", "--shard", "1/2"],
            &cwd,
        ));
        assert!(cwd
            .join("results")
            .join(format!("{folder}-shard-1-of-2"))
            .join("sweep.csv")
            .exists());
    }
    assert!(!tmp.path().join("escaped-sweep").exists());
    assert!(!tmp.path().join("a/escaped-sweep").exists());
    assert!(!Path::new("/abs/elsewhere-sweep").exists());
}

/// Item 4: a folder left by an older version killed while writing its marker is recovered.
#[test]
fn a_folder_with_a_half_written_marker_is_recovered() {
    let f = fixture();
    let out = f.dir.join("m");
    fs::create_dir_all(out.join("charts")).unwrap();
    fs::write(out.join(".cvpnsim-results.partial-4242"), "run fau").unwrap();
    fs::write(out.join("timeseries.csv"), "half").unwrap();
    fs::write(out.join(".summary.json.partial-4242"), "half").unwrap();
    f.next_run_succeeds("m");
}

/// Item 6: `--force` into another scenario's folder leaves nothing of the old set.
#[test]
fn force_replaces_the_whole_set() {
    let f = fixture();
    f.write_old("x");
    // Another scenario's files, including a chart this scenario does not draw.
    let other = SCENARIO.replace("name = \"faults\"", "name = \"other\"");
    fs::write(f.dir.join("o.toml"), other).unwrap();
    fs::write(f.dir.join("x/charts/other-busiest.png"), "old").unwrap();
    let o = cvpnsim(&["run", "o.toml", "-q", "--out", "x"], &f.dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"));
    ok(&cvpnsim(
        &["run", "o.toml", "-q", "--out", "x", "--force"],
        &f.dir,
    ));
    ok(&cvpnsim(&["run", "o.toml", "-q", "--out", "fresh"], &f.dir));
    assert_eq!(snapshot(&f.dir.join("x")), snapshot(&f.dir.join("fresh")));
}

fn budget_case(tmp: &Path, name: &str, scenario: &str) -> Output {
    fs::write(tmp.join(name), scenario).unwrap();
    cvpnsim(&["validate", "-q", name], tmp)
}

const WORKDAY: &str =
    "users = 600\nworkday = { start = \"09:00\", length = \"8h\", days = \"all\" }";

/// Item 7: what would not fit is refused by `validate` (and so before `run` simulates), with the
/// rule, the estimate and a hint; `[limits]` and `--allow-large` override.
#[test]
fn budgets_refuse_what_would_not_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cases = [
        (
            "users.toml",
            SCENARIO
                .replace("users = 600", "users = 1000000000")
                .replace("10.100.0.0/22", "10.0.0.0/12"),
            "budget-memory",
        ),
        (
            "ms.toml",
            SCENARIO.replace(
                "duration = \"1d\"",
                "duration = \"7d\"\nsample_interval = \"1ms\"",
            ),
            "budget-sample-rows",
        ),
        (
            "weeks.toml",
            SCENARIO.replace("duration = \"1d\"", "duration = \"146000w\""),
            "budget-sample-rows",
        ),
        (
            "century.toml",
            SCENARIO.replace("duration = \"1d\"", "duration = \"36500d\""),
            // 10.5 million rows stream to disk, but would write about 6 GB.
            "budget-output",
        ),
        (
            "rate.toml",
            SCENARIO.replace(WORKDAY, "arrivals = { per_hour = 1e18, session = \"1h\" }"),
            "budget-events",
        ),
        (
            "never.toml",
            SCENARIO
                .replace(
                    "duration = \"1d\"",
                    "duration = \"28d\"\nsample_interval = \"1ms\"",
                )
                .replace(WORKDAY, "arrivals = { per_hour = 0.0, session = \"1h\" }"),
            "budget-sample-rows",
        ),
    ];
    for (name, sc, rule) in &cases {
        let o = budget_case(dir, name, sc);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&format!("error[{rule}]")), "{name}: {err}");
        assert!(
            err.contains("over the budget of") && err.contains("hint:"),
            "{err}"
        );
        assert!(String::from_utf8_lossy(&o.stdout).contains("over budget"));
        // run refuses before simulating: exit 1, nothing written.
        let o = cvpnsim(&["run", name, "-q", "--out", "never-written"], dir);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(!dir.join("never-written").exists());
    }
    // A raised budget in [limits] is accepted by validate.
    let raised = format!(
        "{}\n[limits]\nmax_sample_rows = 30000000\nmax_output_mb = 100000\nmax_memory_mb = 100000\n",
        cases[3].1
    );
    let o = budget_case(dir, "raised.toml", &raised);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = cvpnsim(&["validate", "-q", "--allow-large", "century.toml"], dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Item 7: a huge per-connection limit and many events run to completion; the report stays
/// bounded (the charts mark the first 50 events, the page says how many there are).
#[test]
fn huge_limits_and_many_events_run_with_a_bounded_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut sc = SCENARIO.replace(
        "vpc_id = \"vpc-main\"\n\n[[vpc]]",
        "vpc_id = \"vpc-main\"\nassociation_throughput_mbps = 1e9\n\n[[vpc]]",
    );
    assert!(sc.contains("association_throughput_mbps"));
    sc.push_str("\n[limits]\nper_connection_mbps = 1e12\n");
    let mut events = String::new();
    for i in 0..1000 {
        events.push_str(&format!(
            "\n[[event]]\nat = \"{}s\"\naz_outage = {{ availability_zone = \"us-east-1a\", duration = \"20s\" }}\n",
            i * 60
        ));
    }
    fs::write(dir.join("few.toml"), &sc).unwrap();
    fs::write(dir.join("many.toml"), format!("{sc}{events}")).unwrap();
    ok(&cvpnsim(&["run", "few.toml", "-q", "--out", "few"], dir));
    ok(&cvpnsim(&["run", "many.toml", "-q", "--out", "many"], dir));
    let few = fs::metadata(dir.join("few/report.html")).unwrap().len();
    let many = fs::metadata(dir.join("many/report.html")).unwrap().len();
    // 1,000 events used to add 64 KB each; now at most the 50 marks the charts draw.
    assert!(many < few + 50 * 64 * 1024, "{few} → {many}");
    let page = fs::read_to_string(dir.join("many/report.html")).unwrap();
    assert!(
        page.contains("the charts show the first 50"),
        "the page says marks were left out"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("many/summary.json")).unwrap()).unwrap();
    assert!(summary["marks"].as_array().unwrap().len() >= 1000);
}

/// Item 7: the connection log streamed to disk during the run has exactly the bytes of the log
/// rendered from memory.
#[test]
fn the_streamed_connection_log_equals_the_rendered_one() {
    use cvpnsim::report::{connlog, Exporter, RunOutput};
    use cvpnsim::scenario::load_str;
    use cvpnsim::sim::{simulate, LogEntry, SimOptions};
    let sc = load_str("s.toml", SCENARIO).unwrap().scenario;
    let kept = simulate(
        &sc,
        &SimOptions {
            connection_log: true,
            ..SimOptions::default()
        },
    );
    let out = RunOutput {
        scenario: &sc,
        result: &kept,
        scenario_hash: "x",
        gaps: &[],
    };
    let rendered = connlog::ConnectionLog.render(&out).unwrap();
    let streamed = connlog::Streamed::new(&sc, Vec::new());
    let sink = |e: &LogEntry| streamed.entry(e);
    let r = simulate(
        &sc,
        &SimOptions {
            log_sink: Some(&sink),
            ..SimOptions::default()
        },
    );
    assert!(r.connection_log.is_empty(), "nothing kept in memory");
    assert_eq!(r.summary, kept.summary, "streaming changes nothing else");
    let bytes = streamed.finish().unwrap();
    assert!(!bytes.is_empty());
    assert_eq!(bytes, rendered);
}

/// Item 8: a population named like a formula does not start a CSV cell as one.
#[test]
fn csv_cells_a_spreadsheet_would_run_are_neutralised() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let sc = SCENARIO.replace(
        "name = \"staff\"",
        "name = \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\"\nneeds = [\"vpc-main\"]",
    );
    fs::write(dir.join("s.toml"), sc).unwrap();
    let o = cvpnsim(&["reach", "s.toml", "--csv"], dir);
    ok(&o);
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(csv.contains("'=HYPERLINK("), "{csv}");
    assert!(
        !csv.lines().any(|l| l
            .split(',')
            .any(|c| c.trim_start_matches('"').starts_with('='))),
        "{csv}"
    );
}

/// Item 9: arithmetic, long lines, invalid UTF-8, exit codes, overwrites, shard counts.
#[test]
fn plan_refuses_peaks_that_would_wrap() {
    let tmp = tempfile::tempdir().unwrap();
    for (peak, need) in [
        ("18446744073709551615", "36893488147419103230"),
        ("9223372036854775808", "18446744073709551616"),
    ] {
        let o = cvpnsim(&["plan", "--connections", peak], tmp.path());
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("need {need} addresses")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_one_line_30_mb_file_gives_a_short_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("name = \"x\" ");
    text.push_str(&"y".repeat(30 << 20));
    fs::write(tmp.path().join("big.toml"), text).unwrap();
    let o = cvpnsim(&["validate", "big.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stderr.len() < 4096, "{} bytes of errors", o.stderr.len());
    assert!(stderr(&o).contains("big.toml:1:"), "{}", stderr(&o));
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = SCENARIO.as_bytes().to_vec();
    let at = SCENARIO.find("staff").unwrap() + 2;
    bytes[at] = 0xff;
    fs::write(tmp.path().join("bad.toml"), &bytes).unwrap();
    let line = SCENARIO[..at].matches('\n').count() + 1;
    for args in [
        vec!["validate", "bad.toml"],
        vec!["run", "bad.toml"],
        vec!["sweep", "bad.toml"],
    ] {
        let o = cvpnsim(&args, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains(&format!(
                "invalid UTF-8 at byte {at} (line {line}, column 11)"
            )),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn exit_codes_agree_across_commands() {
    let f = fixture();
    fs::write(f.dir.join("a-file"), "x").unwrap();
    // A folder that cannot be created: exit 3 for run and sweep alike.
    for args in [
        vec!["run", "s.toml", "-q", "--out", "a-file/sub"],
        vec![
            "sweep",
            "s.toml",
            "--vary",
            "seed=1,2",
            "--out",
            "a-file/sub",
        ],
    ] {
        let o = cvpnsim(&args, &f.dir);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    }
    // --out naming a file: "not a directory", exit 2, with or without --force.
    for force in [false, true] {
        let mut args = vec!["run", "s.toml", "-q", "--out", "a-file"];
        if force {
            args.push("--force");
        }
        let o = cvpnsim(&args, &f.dir);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
        assert_eq!(fs::read_to_string(f.dir.join("a-file")).unwrap(), "x");
    }
    // check --junit never overwrites without --force.
    fs::write(f.dir.join("e.toml"), "max_blocking_probability = 1.0\n").unwrap();
    fs::write(f.dir.join("junit.xml"), "mine").unwrap();
    let o = cvpnsim(
        &[
            "check",
            "s.toml",
            "--expect",
            "e.toml",
            "--junit",
            "junit.xml",
        ],
        &f.dir,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(f.dir.join("junit.xml")).unwrap(), "mine");
}

#[test]
fn merge_refuses_an_absurd_shard_count_before_allocating() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("s.toml"), SCENARIO).unwrap();
    ok(&cvpnsim(
        &[
            "sweep", "s.toml", "--vary", "seed=1,2", "--shard", "1/2", "--out", "s1",
        ],
        dir,
    ));
    let manifest = fs::read_to_string(dir.join("s1/sweep.json")).unwrap();
    fs::write(
        dir.join("s1/sweep.json"),
        manifest.replace("\"1/2\"", "\"1/4294967295\""),
    )
    .unwrap();
    let o = cvpnsim(&["merge", "s1", "--out", "m"], dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("shard 2/4294967295 is missing"),
        "{}",
        stderr(&o)
    );
    // And a sweep whose job list would not fit is refused before it is built.
    let o = cvpnsim(&["sweep", "s.toml", "--replicas", "4294967295"], dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--shard"), "{}", stderr(&o));
    let o = cvpnsim(&["sweep", "s.toml", "--threads", "1000000"], dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("at most 1024"), "{}", stderr(&o));
}

/// `calibrate` writes its folder through the same writer: an injected failure on its last file
/// leaves no folder and no temporary file (all or nothing), and the next run writes the whole set.
#[test]
fn calibrate_writes_all_or_nothing() {
    let f = fixture();
    ok(&cvpnsim(
        &["run", "s.toml", "-q", "--out", "logrun", "--connection-log"],
        &f.dir,
    ));
    let args = ["calibrate", "logrun/connection-log.jsonl", "-o", "fit"];
    let o = cvpnsim_fault(&args, &f.dir, "write:sessions.png");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        !f.dir.join("fit").exists(),
        "nothing of a failed calibration"
    );
    assert_eq!(temporaries(&f.dir), Vec::<String>::new());
    ok(&cvpnsim(&args, &f.dir));
    let names: Vec<String> = snapshot(&f.dir.join("fit")).into_keys().collect();
    assert_eq!(
        names,
        [
            ".cvpnsim-results",
            "arrivals.png",
            "population.toml",
            "report.md",
            "sessions.png"
        ]
    );
}
