//! Writing to a closed pipe: every command piped into `head -c1`, 50 times each, ends quietly —
//! killed by SIGPIPE (141 in a shell) or done (0, or the command's own verdict code) — and never
//! panics (exit 101, "panicked" or "Broken pipe" on stderr).
#![cfg(unix)]

use std::path::Path;
use std::process::Command;

const TIMES: usize = 50;

fn small_scenario(dir: &Path) -> String {
    let text = std::fs::read_to_string("scenarios/guide-vpc.toml").unwrap();
    let text = text
        .replace("duration = \"7d\"", "duration = \"2h\"")
        .replace("users = 300", "users = 5");
    let path = dir.join("small.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::write(
        dir.join("small.expect.toml"),
        "replicas = 1\nmax_blocking_probability = 0.5\n",
    )
    .unwrap();
    path.display().to_string()
}

/// Runs `args` `TIMES` times with standard output into `head -c1`; returns the exit statuses
/// and everything written to standard error.
fn piped(dir: &Path, args: &str) -> (Vec<i32>, String) {
    let bin = env!("CARGO_BIN_EXE_cvpnsim");
    let script = format!(
        "for i in $(seq {TIMES}); do \"{bin}\" {args} 2>>\"$D/err\" | head -c1 >/dev/null; \
         echo ${{PIPESTATUS[0]}} >>\"$D/codes\"; done"
    );
    let _ = std::fs::remove_file(dir.join("err"));
    let _ = std::fs::remove_file(dir.join("codes"));
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("D", dir)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args}: the loop itself failed");
    let codes = std::fs::read_to_string(dir.join("codes"))
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    let err = std::fs::read_to_string(dir.join("err")).unwrap_or_default();
    (codes, err)
}

#[test]
fn every_command_into_head_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = small_scenario(d);
    let root = std::env::current_dir().unwrap();
    let vpc = root.join("scenarios/guide-vpc.toml").display().to_string();
    let restrict = root
        .join("scenarios/guide-restrict-by-group.toml")
        .display()
        .to_string();
    let plan = root
        .join("tests/fixtures/terraform/plan.json")
        .display()
        .to_string();
    // (arguments, exit statuses the command may end with besides 141)
    let commands: Vec<(String, Vec<i32>)> = vec![
        ("rules".into(), vec![0]),
        (format!("validate {vpc} {restrict}"), vec![0]),
        (format!("validate --format json {vpc}"), vec![0]),
        (format!("validate --format sarif {vpc}"), vec![0]),
        (format!("reach {vpc}"), vec![0]),
        (format!("reach {vpc} --csv"), vec![0]),
        (format!("reach {vpc} --format json"), vec![0]),
        (format!("reach {vpc} --from engineers --to 172.31.0.9"), vec![0]),
        (format!("diff {vpc} {restrict}"), vec![0, 1]),
        (format!("diff {vpc} {restrict} --format json"), vec![0, 1]),
        ("plan --connections 5000 --survive-az-loss".into(), vec![0]),
        ("plan --connections 5000 --format json".into(), vec![0]),
        (format!("run {small} --out run --force"), vec![0]),
        (
            format!("sweep {small} --vary endpoint.session_timeout_hours=8,12 --out sweep --force"),
            vec![0],
        ),
        (
            format!("sweep {small} --vary endpoint.session_timeout_hours=8,12 --out sweep --force --format json"),
            vec![0],
        ),
        (format!("check {small} --expect small.expect.toml"), vec![0]),
        (format!("check {small} --expect small.expect.toml --format json"), vec![0]),
        (format!("check {small} --expect small.expect.toml --format sarif"), vec![0]),
        (format!("import terraform {plan} -o -"), vec![0]),
        ("schema".into(), vec![0]),
        ("completions bash".into(), vec![0]),
        ("man".into(), vec![0]),
    ];
    // Four loops at a time, each in its own folder.
    let results: Vec<(String, Vec<i32>, Vec<i32>, String)> = std::thread::scope(|scope| {
        let chunks: Vec<_> = commands.chunks(commands.len().div_ceil(4)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .enumerate()
            .map(|(k, chunk)| {
                let work = d.join(format!("w{k}"));
                std::fs::create_dir_all(&work).unwrap();
                std::fs::copy(d.join("small.expect.toml"), work.join("small.expect.toml")).unwrap();
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(args, ok)| {
                            let (codes, err) = piped(&work, args);
                            (args.clone(), ok.clone(), codes, err)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (args, ok, codes, err) in &results {
        assert_eq!(codes.len(), TIMES, "{args}");
        for c in codes {
            assert!(
                *c == 141 || ok.contains(c),
                "`cvpnsim {args} | head -c1` exited {c}; stderr:\n{err}"
            );
        }
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "`cvpnsim {args} | head -c1`: {err}"
        );
    }
}
