//! `cvpnsim import aws|terraform`: read the inputs, import, report every finding on stderr,
//! write the scenario (never over an existing file without `--force`) and say whether it is
//! valid. Exit 0 valid, 1 not importable or invalid, 2 unreadable input or refused output, 3 the
//! file could not be written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::AppError;
use crate::cli::{ImportArgs, ImportOutput, ImportSource};
use crate::import::aws::{self, AwsInputs, AwsOptions, Text};
use crate::import::terraform::{self, TerraformOptions};
use crate::import::Imported;
use crate::source::diag;

pub fn run(args: &ImportArgs) -> Result<ExitCode, AppError> {
    let (imported, output, input) = match &args.source {
        ImportSource::Aws(a) => {
            let inputs = AwsInputs {
                endpoints: read(&a.endpoints)?,
                target_networks: read(&a.target_networks)?,
                routes: read(&a.routes)?,
                authorization_rules: read(&a.authorization_rules)?,
                subnets: a.subnets.as_deref().map(read).transpose()?,
                vpcs: a.vpcs.as_deref().map(read).transpose()?,
                data_plane: a
                    .data_plane
                    .iter()
                    .map(|d| read_data_plane(d))
                    .collect::<Result<_, _>>()?,
            };
            let opts = AwsOptions {
                endpoint_id: a.endpoint_id.clone(),
                name: a.output.name.clone(),
            };
            (
                aws::import(&inputs, &opts, "scenario.toml"),
                &a.output,
                &a.endpoints,
            )
        }
        ImportSource::Terraform(t) => {
            let opts = TerraformOptions {
                endpoint: t.endpoint.clone(),
                name: t.output.name.clone(),
                subnets: t.subnets.as_deref().map(read).transpose()?,
                vpcs: t.vpcs.as_deref().map(read).transpose()?,
            };
            (
                terraform::import(&read(&t.plan)?, &opts, "scenario.toml"),
                &t.output,
                &t.plan,
            )
        }
    };
    let code = finish(imported.clone(), output)?;
    if let Some(path) = &output.sarif {
        let mut shown = imported;
        if let Some(o) = &output.output {
            shown.source.name = o.display().to_string();
        }
        let log = crate::output::sarif::import(&shown, &input.display().to_string());
        super::write_output(path, &crate::output::to_text(&log), output.force)?;
    }
    Ok(code)
}

/// `FILE`, or `TGW_RTB_ID=FILE` for the outputs that do not name their route table.
fn read_data_plane(arg: &Path) -> Result<aws::DataPlaneText, AppError> {
    let s = arg.to_string_lossy();
    match s.split_once('=') {
        Some((table, file)) if table.starts_with("tgw-rtb-") => Ok(aws::DataPlaneText {
            table: Some(table.to_string()),
            text: read(Path::new(file))?,
        }),
        _ => Ok(aws::DataPlaneText {
            table: None,
            text: read(arg)?,
        }),
    }
}

fn read(path: &Path) -> Result<Text, AppError> {
    crate::scenario::read_text(path)
        .map(|text| Text::new(path.display().to_string(), text))
        .map_err(|e| AppError::usage(format!("cannot read {}: {e}", path.display())))
}

fn finish(mut imported: Imported, output: &ImportOutput) -> Result<ExitCode, AppError> {
    for f in &imported.findings {
        eprintln!("{f}");
    }
    let Some(text) = imported.text.clone() else {
        let errors = imported.findings.iter().filter(|f| f.is_error()).count();
        println!(
            "nothing written: {errors} error{} in the inputs",
            if errors == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(1));
    };
    let path = output
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.toml", file_stem(&imported))));
    imported.source.name = path.display().to_string();
    write_output(&path, &text, output.force)?;
    eprint!("{}", imported.render_diagnostics());
    let diags: Vec<_> = imported
        .diagnostics
        .iter()
        .map(|t| t.diagnostic.clone())
        .collect();
    let verdict = if imported.valid { "valid" } else { "invalid" };
    let shown = if path.as_os_str() == "-" {
        "standard output".to_string()
    } else {
        path.display().to_string()
    };
    eprintln!("wrote {shown}: {verdict} ({})", diag::tally(&diags));
    Ok(ExitCode::from(if imported.valid { 0 } else { 1 }))
}

/// A file name from the scenario's name, cleaned like every name cvpnsim derives from input
/// ([`crate::report::files::clean_name`]), so it stays in the current folder.
fn file_stem(imported: &Imported) -> String {
    let name = imported
        .text
        .as_deref()
        .and_then(|t| crate::source::toml::parse(t).ok())
        .and_then(|n| match n.get("name").map(|v| v.value.clone()) {
            Some(crate::source::tree::Value::String(s)) => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| "imported".into());
    crate::report::files::clean_name(&name, "imported")
}

/// Writes `text` to `path` (`-`: standard output); an existing file is replaced only when
/// `force` is set.
pub fn write_output(path: &Path, text: &str, force: bool) -> Result<(), AppError> {
    if path.as_os_str() == "-" {
        print!("{text}");
        return Ok(());
    }
    crate::report::files::write_file(path, text.as_bytes(), force).map_err(super::run::out_err)
}
