//! Fuzzing the readers of untrusted input (the scenario reader, the AWS and Terraform importers,
//! the connection-log reader) with a committed corpus, `tests/fixtures/fuzz-corpus/`: every seed
//! is replayed as is, then a bounded number of generated cases (byte edits, truncation and
//! splicing of seeds) runs in CI within a few seconds. A case that fails is kept by proptest in
//! `tests/fuzz.proptest-regressions` and replayed first from then on.
//!
//! What must hold for any input: no panic and no hang; every diagnostic names a known rule and a
//! span inside the text, and renders to a bounded length (a 100 kB line gives a line of output);
//! a scenario the reader accepts either exceeds a budget (refused up front) or simulates to the
//! end without aborting.

use std::path::{Path, PathBuf};

use cvpnsim::import::aws::{self, AwsInputs, AwsOptions, DataPlaneText, Text};
use cvpnsim::import::calibrate::{self, CalibrateOptions};
use cvpnsim::import::logs;
use cvpnsim::import::terraform::{self, TerraformOptions};
use cvpnsim::scenario::{budget, load_str, rules, LoadError};
use cvpnsim::sim::{simulate, SimOptions};
use cvpnsim::source::diag;
use proptest::prelude::*;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-corpus")
        .join(target)
}

/// The seeds of a target, sorted by name, as (name, text).
fn seeds(target: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(corpus_dir(target))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let bytes = std::fs::read(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no seeds for {target}");
    v
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

/// Longest rendering of one diagnostic: a headline, the location, a line cut around its column,
/// the rule and a hint.
const MAX_RENDERED: usize = 4096;

/// Simulated only when this small: enough to reach the engine with odd accepted values, quick in
/// a debug build.
const MAX_SIMULATED_EVENTS: f64 = 200_000.0;

/// Returns whether the scenario was simulated.
fn scenario_target(name: &str, text: &str) -> bool {
    match load_str(name, text) {
        Ok(loaded) => {
            let sc = &loaded.scenario;
            let over = budget::check(sc, sc.output.connection_log);
            let est = budget::estimate(sc, sc.output.connection_log);
            if over.is_empty() && est.events < MAX_SIMULATED_EVENTS && est.sample_rows < 100_000.0 {
                let r = simulate(sc, &SimOptions::default());
                assert_eq!(r.summary.duration_ms, sc.duration);
                return true;
            }
            false
        }
        Err(LoadError::Invalid {
            source,
            diagnostics,
        }) => {
            assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                assert!(
                    rules::find(d.rule.id()).is_some(),
                    "unknown rule {}",
                    d.rule
                );
                assert!(d.span.start <= d.span.end && d.span.end <= text.len());
                let shown = diag::render(&source, std::slice::from_ref(d));
                assert!(
                    shown.len() <= MAX_RENDERED,
                    "{} bytes for one diagnostic:\n{}",
                    shown.len(),
                    &shown[..shown.len().min(2000)]
                );
            }
            false
        }
        Err(e) => panic!("load_str cannot fail to read: {e}"),
    }
}

fn aws_inputs(endpoints: &str) -> AwsInputs {
    AwsInputs {
        endpoints: Text::new("endpoints.json", endpoints),
        target_networks: Text::new("target-networks.json", fixture("aws/target-networks.json")),
        routes: Text::new("routes.json", fixture("aws/routes.json")),
        authorization_rules: Text::new(
            "authorization-rules.json",
            fixture("aws/authorization-rules.json"),
        ),
        subnets: Some(Text::new("subnets.json", fixture("aws/subnets.json"))),
        vpcs: Some(Text::new("vpcs.json", fixture("aws/vpcs.json"))),
        data_plane: Vec::new(),
    }
}

fn aws_target(endpoints: &str) {
    let i = aws::import(&aws_inputs(endpoints), &AwsOptions::default(), "out.toml");
    if let Some(text) = &i.text {
        // What the importer writes, the reader reads.
        scenario_target("out.toml", text);
    }
    for f in &i.findings {
        assert!(f.to_string().len() <= 16 * MAX_RENDERED);
    }
}

/// One data-plane output (any kind, also as a transit gateway route table's routes) beside the
/// troubleshooting configuration's endpoint files.
fn aws_data_plane_target(text: &str) {
    let dir = |n: &str| fixture(&format!("aws/dataplane/{n}"));
    let inputs = AwsInputs {
        endpoints: Text::new("endpoints.json", dir("endpoints.json")),
        target_networks: Text::new("target-networks.json", dir("target-networks.json")),
        routes: Text::new("routes.json", dir("routes.json")),
        authorization_rules: Text::new("authorization-rules.json", dir("authorization-rules.json")),
        subnets: Some(Text::new("subnets.json", dir("subnets.json"))),
        vpcs: Some(Text::new("vpcs.json", dir("vpcs.json"))),
        data_plane: vec![
            DataPlaneText {
                table: Some("tgw-rtb-0a1b2c3d4e5f60741".into()),
                text: Text::new("dp.json", text),
            },
            DataPlaneText {
                table: None,
                text: Text::new("prefix-lists.json", dir("prefix-lists.json")),
            },
        ],
    };
    let i = aws::import(&inputs, &AwsOptions::default(), "out.toml");
    if let Some(text) = &i.text {
        scenario_target("out.toml", text);
    }
    for f in &i.findings {
        assert!(f.to_string().len() <= 16 * MAX_RENDERED);
    }
}

fn terraform_target(plan: &str) {
    let i = terraform::import(
        &Text::new("plan.json", plan),
        &TerraformOptions::default(),
        "out.toml",
    );
    if let Some(text) = &i.text {
        scenario_target("out.toml", text);
    }
    for f in &i.findings {
        assert!(f.to_string().len() <= 16 * MAX_RENDERED);
    }
}

fn logs_target(text: &str) {
    let read = logs::read(&[Text::new("log.jsonl", text)], 0);
    let conns = logs::pair(&read.entries);
    let _ = calibrate::calibrate(&conns, &CalibrateOptions::default());
}

fn run_target(target: &str, name: &str, text: &str) {
    match target {
        "scenario" => {
            scenario_target(name, text);
        }
        "aws-endpoints" => aws_target(text),
        "aws-data-plane" => aws_data_plane_target(text),
        "terraform" => terraform_target(text),
        "logs" => logs_target(text),
        other => unreachable!("{other}"),
    }
}

const TARGETS: [&str; 5] = [
    "scenario",
    "aws-endpoints",
    "aws-data-plane",
    "terraform",
    "logs",
];

#[test]
fn every_seed_of_the_corpus_is_read_without_panic() {
    // The scenario seeds reach the engine, not only the reader.
    let simulated: Vec<String> = seeds("scenario")
        .into_iter()
        .filter(|(name, text)| scenario_target(name, text))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        simulated,
        [
            "escaping-name.toml",
            "formula-names.toml",
            "huge-per-connection.toml",
            "many-events.toml",
            "minimal.toml"
        ],
    );
    for target in TARGETS {
        for (name, text) in seeds(target) {
            run_target(target, &name, &text);
        }
    }
}

/// Applies byte edits at relative positions: replace, insert or delete.
fn mutate(text: &str, edits: &[(f64, u8, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for (pos, byte, op) in edits {
        let i = ((bytes.len() as f64) * pos) as usize;
        match op {
            0 if i < bytes.len() => bytes[i] = *byte,
            1 => bytes.insert(i.min(bytes.len()), *byte),
            2 if i < bytes.len() => {
                bytes.remove(i);
            }
            // Duplicate a run of bytes: repeated keys, tables and brackets.
            3 if i < bytes.len() => {
                let end = (i + 1 + *byte as usize).min(bytes.len());
                let run = bytes[i..end].to_vec();
                bytes.splice(i..i, run);
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The head of one seed followed by the tail of another.
fn splice(a: &str, b: &str, at_a: f64, at_b: f64) -> String {
    let cut = |s: &str, f: f64| {
        let mut i = (s.len() as f64 * f) as usize;
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    format!("{}{}", &a[..cut(a, at_a)], &b[cut(b, at_b)..])
}

fn config() -> ProptestConfig {
    // Bounded for CI: a few seconds per target in a debug build.
    ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_inputs_never_panic(
        target in 0usize..TARGETS.len(),
        seed in any::<prop::sample::Index>(),
        other in any::<prop::sample::Index>(),
        edits in prop::collection::vec((0.0f64..1.0, any::<u8>(), 0u8..4), 0..12),
        cut in (0.0f64..=1.0, 0.0f64..=1.0),
        spliced in any::<bool>(),
    ) {
        let target = TARGETS[target];
        let all = seeds(target);
        let (name, text) = &all[seed.index(all.len())];
        let base = if spliced {
            splice(text, &all[other.index(all.len())].1, cut.0, cut.1)
        } else {
            text.clone()
        };
        run_target(target, name, &mutate(&base, &edits));
    }
}
