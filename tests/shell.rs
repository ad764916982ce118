//! Shell completions and the manual page come from the command-line definitions: every command
//! and option that exists is in them.

use std::process::Command;

use clap::CommandFactory;
use cvpnsim::cli::Cli;

fn cvpnsim(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn bash_completion_is_valid_bash_and_knows_every_command_and_option() {
    let script = cvpnsim(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cvpnsim.bash");
    std::fs::write(&path, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).status().unwrap();
    assert!(syntax.success(), "bash -n rejects the completion script");
    for name in subcommands() {
        assert!(script.contains(&name), "completion lacks `{name}`");
    }
    for opt in [
        "--format",
        "--sarif",
        "--junit",
        "--expect",
        "--survive-az-loss",
    ] {
        assert!(script.contains(opt), "completion lacks `{opt}`");
    }
    // Sourcing it registers the completion function for cvpnsim.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p cvpnsim", path.display()))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("cvpnsim"));
}

#[test]
fn zsh_and_fish_completions_name_the_commands() {
    for shell in ["zsh", "fish"] {
        let script = cvpnsim(&["completions", shell]);
        for name in subcommands() {
            assert!(script.contains(&name), "{shell} completion lacks `{name}`");
        }
    }
    assert!(cvpnsim(&["completions", "zsh"]).starts_with("#compdef cvpnsim"));
}

#[test]
fn man_page_has_a_page_per_command_with_its_options() {
    let page = cvpnsim(&["man"]);
    assert!(page.starts_with(".ie") || page.contains(".TH cvpnsim 1"));
    let titles: Vec<&str> = page.lines().filter(|l| l.starts_with(".TH ")).collect();
    assert_eq!(titles.len(), 1 + subcommands().len());
    for name in subcommands() {
        assert!(
            titles
                .iter()
                .any(|t| t.starts_with(&format!(".TH cvpnsim-{name} 1"))),
            "no page for {name}"
        );
    }
    assert!(page.contains("\\-\\-format"), "options are listed");
}
