//! The GitHub Action (action.yml) run locally: its `run:` steps, in order, with the inputs set as
//! the runner sets them (environment variables from `${{ inputs.* }}`, `$GITHUB_OUTPUT`), against
//! the built binary instead of the install step, on a Terraform plan combined with maintained
//! populations. The `uses:` steps (SARIF and JUnit upload) are checked by name only.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_yaml::Value;

fn action() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string("action.yml").unwrap()).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// Runs every shell step but the install; returns the outputs written and each step's exit.
fn run_action(
    work: &Path,
    inputs: &[(&str, &str)],
) -> (BTreeMap<String, String>, Vec<(String, i32)>) {
    let a = action();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in a["inputs"].as_mapping().unwrap() {
        values.insert(s(k).to_string(), s(&v["default"]).to_string());
    }
    for (k, v) in inputs {
        values.insert(k.to_string(), v.to_string());
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cvpnsim")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let output_file = work.join("github-output");
    std::fs::write(&output_file, "").unwrap();
    let mut outputs: BTreeMap<String, String> = BTreeMap::new();
    let mut exits = Vec::new();
    for step in a["runs"]["steps"].as_sequence().unwrap() {
        let id = s(&step["id"]).to_string();
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        if id == "install" {
            continue;
        }
        match s(&step["if"]) {
            "" => {}
            "inputs.terraform-plan != ''" => {
                if values["terraform-plan"].is_empty() {
                    continue;
                }
            }
            other => panic!("condition `{other}` is not simulated by this test"),
        }
        // As the runner runs a `shell: bash` step.
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
            .arg(script)
            .current_dir(work)
            .env("PATH", &path)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", work.join("github-path"));
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                let expr = s(v);
                let value = if let Some(name) = expr
                    .strip_prefix("${{ inputs.")
                    .and_then(|x| x.strip_suffix(" }}"))
                {
                    values[name].clone()
                } else if let Some(name) = expr
                    .strip_prefix("${{ steps.check.outputs.")
                    .and_then(|x| x.strip_suffix(" }}"))
                {
                    outputs.get(name).cloned().unwrap_or_default()
                } else {
                    panic!("env `{expr}` is not simulated by this test")
                };
                cmd.env(s(k), value);
            }
        }
        let out = cmd.output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        eprintln!(
            "step {id}: exit {code}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        exits.push((id.clone(), code));
        for line in std::fs::read_to_string(&output_file).unwrap().lines() {
            if let Some((k, v)) = line.split_once('=') {
                outputs.insert(k.to_string(), v.to_string());
            }
        }
    }
    (outputs, exits)
}

/// A repository with Terraform's plan of two associations (for_each over subnets) and a
/// scenario that combines the imported configuration with the maintained people.
fn repository(headroom: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Partial files live outside the checked glob (scenarios/*.toml).
    std::fs::create_dir_all(d.join("scenarios/parts")).unwrap();
    std::fs::copy(
        "tests/fixtures/terraform/idioms/foreach-resource.json",
        d.join("plan.json"),
    )
    .unwrap();
    std::fs::write(
        d.join("scenarios/parts/people.toml"),
        "[[population]]\nname = \"engineers\"\nusers = 20\nworkday = { start = \"09:00\", length = \"8h\" }\nneeds = [\"aws_vpc.main\"]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("scenarios/ci.toml"),
        "include = [\"imported.toml\", \"parts/people.toml\"]\nname = \"ci\"\nduration = \"1d\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("scenarios/ci.expect.toml"),
        format!("replicas = 1\nmin_address_headroom = {headroom}\n\n[[reachable]]\npopulation = \"engineers\"\nnetwork = \"aws_vpc.main\"\n"),
    )
    .unwrap();
    dir
}

fn sarif_results(path: &Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    v["runs"][0]["results"].as_array().unwrap().clone()
}

#[test]
fn the_action_installs_checks_and_uploads() {
    let a = action();
    assert_eq!(s(&a["runs"]["using"]), "composite");
    let steps = a["runs"]["steps"].as_sequence().unwrap();
    let uses: Vec<&str> = steps.iter().map(|st| s(&st["uses"])).collect();
    assert!(uses
        .iter()
        .any(|u| u.starts_with("github/codeql-action/upload-sarif@")));
    assert!(uses
        .iter()
        .any(|u| u.starts_with("actions/upload-artifact@")));
    let install = steps.iter().find(|st| s(&st["id"]) == "install").unwrap();
    assert!(s(&install["run"]).contains("cargo install --locked --path \"$ACTION_PATH\""));
}

#[test]
fn a_plan_combined_with_the_people_passes_its_expectations() {
    // 20 users on a /22 (512 usable addresses): at least 96 % stays free.
    let repo = repository("0.9");
    let d = repo.path();
    let (outputs, exits) = run_action(d, &[("terraform-plan", "plan.json")]);
    assert_eq!(outputs["exit-code"], "0");
    assert_eq!(exits.last().unwrap(), &("verdict".to_string(), 0));
    // The plan was imported where ci.toml includes it, and the placeholder population replaced.
    assert!(d.join("scenarios/imported.toml").exists());
    let junit = std::fs::read_to_string(d.join("cvpnsim-results/junit/scenarios-ci.xml")).unwrap();
    assert!(junit.contains("failures=\"0\""), "{junit}");
    let results = sarif_results(&d.join("cvpnsim-results/sarif/scenarios-ci.check.sarif"));
    assert!(results.iter().all(|r| r["kind"] == "pass"));
    // The import's findings are located in the plan: the association ["b"]'s subnet_id.
    let import = sarif_results(&d.join("cvpnsim-results/sarif/import.sarif"));
    assert!(import.iter().any(|r| r["level"] == "note"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "plan.json"
        && r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("this[\"b\"].subnet_id")));
    // imported.toml has no expectations: validated, with SARIF
    assert!(
        sarif_results(&d.join("cvpnsim-results/sarif/scenarios-imported.validate.sarif"))
            .is_empty()
    );
}

#[test]
fn a_failed_expectation_fails_the_action_with_its_line_in_sarif() {
    let repo = repository("0.999");
    let d = repo.path();
    let (outputs, exits) = run_action(d, &[("terraform-plan", "plan.json")]);
    assert_eq!(outputs["exit-code"], "1");
    assert_eq!(exits.last().unwrap(), &("verdict".to_string(), 1));
    let results = sarif_results(&d.join("cvpnsim-results/sarif/scenarios-ci.check.sarif"));
    let failed: Vec<_> = results.iter().filter(|r| r["kind"] == "fail").collect();
    assert_eq!(failed.len(), 1);
    let loc = &failed[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "scenarios/ci.expect.toml");
    assert_eq!(loc["region"]["startLine"], 2);
}

#[test]
fn an_invalid_scenario_is_reported_on_its_line() {
    let repo = repository("0.9");
    let d = repo.path();
    std::fs::write(
        d.join("scenarios/parts/people.toml"),
        "[[population]]\nname = \"engineers\"\nusers = -1\nworkday = { start = \"09:00\", length = \"8h\" }\nneeds = [\"aws_vpc.main\"]\n",
    )
    .unwrap();
    let (outputs, _) = run_action(d, &[("terraform-plan", "plan.json")]);
    assert_eq!(outputs["exit-code"], "1");
    let results = sarif_results(&d.join("cvpnsim-results/sarif/scenarios-ci.validate.sarif"));
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "scenarios/parts/people.toml"
    );
    assert_eq!(loc["region"]["startLine"], 3);
}
