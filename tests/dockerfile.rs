//! The Dockerfile's structure (hadolint lints it in CI, `.ci/docker.sh`; the image is built
//! there when a container runtime answers): a build stage and a small runtime stage that runs
//! cvpnsim as a non-root user; and the Kubernetes and Slurm examples run that image.

fn dockerfile() -> Vec<String> {
    std::fs::read_to_string("Dockerfile")
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_build_stage_and_a_small_non_root_runtime_stage() {
    let lines = dockerfile();
    let froms: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("FROM "))
        .collect();
    assert_eq!(froms.len(), 2, "two stages");
    assert!(lines[froms[0]].starts_with("FROM rust:") && lines[froms[0]].ends_with(" AS build"));
    let runtime = &lines[froms[1]..];
    assert!(
        lines[froms[1]].contains("-slim") || lines[froms[1]].contains("distroless"),
        "a small runtime base: {}",
        lines[froms[1]]
    );
    let build = &lines[froms[0]..froms[1]];
    assert!(build
        .iter()
        .any(|l| l.contains("cargo build --release --locked")));
    // Only the binary (and the scenarios) cross over: no toolchain in the runtime image.
    assert!(runtime
        .iter()
        .any(|l| l.starts_with("COPY --from=build ") && l.ends_with("/usr/local/bin/cvpnsim")));
    let user = runtime
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the runtime stage sets USER");
    let uid = user.split(':').next().unwrap();
    assert!(uid != "0" && uid != "root", "runs as {user}");
    assert_eq!(
        runtime
            .iter()
            .find(|l| l.starts_with("ENTRYPOINT"))
            .unwrap(),
        "ENTRYPOINT [\"cvpnsim\"]"
    );
    // Every path the build copies exists in the repository.
    for l in &lines {
        if let Some(args) = l.strip_prefix("COPY ") {
            if args.starts_with("--from") {
                continue;
            }
            let parts: Vec<&str> = args.split_whitespace().collect();
            for src in &parts[..parts.len() - 1] {
                assert!(std::path::Path::new(src).exists(), "COPY {src}: missing");
            }
        }
    }
    let ignore = std::fs::read_to_string(".dockerignore").unwrap();
    for p in ["target/", ".git/", "results/"] {
        assert!(ignore.lines().any(|l| l == p), ".dockerignore lacks {p}");
    }
}

#[test]
fn the_kubernetes_and_slurm_examples_run_the_image() {
    let k8s = std::fs::read_to_string("deploy/sweep-indexed-job.yaml").unwrap();
    assert!(k8s.contains("docker build -t registry.example.com/cvpnsim:latest ."));
    assert!(k8s.contains("image: registry.example.com/cvpnsim:latest"));
    let slurm = std::fs::read_to_string("deploy/sweep-slurm.sh").unwrap();
    assert!(slurm.contains("apptainer build cvpnsim.sif docker-daemon://cvpnsim:latest"));
    assert!(slurm.contains("$CVPNSIM sweep"));
}
