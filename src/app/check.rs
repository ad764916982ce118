//! `cvpnsim check FILE --expect EXPECT.toml [--junit OUT.xml]`: simulate the scenario (every
//! replica the expectations ask for, and once more per Availability Zone lost when survival is
//! asked), evaluate the expectations, print a concise report naming each failed assertion with
//! the measured value, and exit 0 when all hold, 1 when any fails, 2 on bad input.

use std::process::ExitCode;

use super::AppError;
use crate::check::expect;
use crate::check::verdict;
use crate::cli::{CheckArgs, ReportFormat};
use crate::output;
use crate::sim::FailureReason;
use crate::study::{observe, Base};

pub fn run(args: &CheckArgs) -> Result<ExitCode, AppError> {
    let base = Base::read(&args.file).map_err(|e| AppError::usage(e.to_string()))?;
    let sc = base.scenario();
    super::within_budget(base.source(), sc, false, args.allow_large)?;
    let text = crate::scenario::read_text(&args.expect)
        .map_err(|e| AppError::usage(format!("cannot read {}: {e}", args.expect.display())))?;
    let reasons: Vec<&str> = FailureReason::ALL.iter().map(|r| r.name()).collect();
    let exp = expect::parse(&args.expect.display().to_string(), &text, &reasons)
        .map_err(|e| AppError::usage(e.to_string()))?;
    observe::check_names(sc, &exp, &args.expect.display().to_string()).map_err(AppError::usage)?;

    let observations = observe::observe(&base, &exp).map_err(super::study_err)?;
    let reproduce = verdict::Reproduce {
        scenario: args.file.display().to_string(),
        seed: sc.seed,
        zone_loss_at: exp
            .survive_az_loss
            .as_ref()
            .map(|l| l.at.min(sc.duration.saturating_sub(1))),
    };
    let outcomes = verdict::evaluate(&exp, &observations);
    if outcomes.is_empty() {
        return Err(AppError::usage(format!(
            "{}: no expectation to check",
            args.expect.display()
        )));
    }
    let expect_name = args.expect.display().to_string();
    let sarif_log = || {
        let source = crate::source::diag::Source::new(expect_name.clone(), text.clone());
        let tree = crate::scenario::parse_tree(&expect_name, &text).ok();
        output::sarif::check(&source, tree.as_ref(), &outcomes)
    };
    match args.format {
        ReportFormat::Text => print!("{}", verdict::text(&outcomes, &reproduce)),
        ReportFormat::Json => print!(
            "{}",
            output::to_text(&output::json::check(&sc.name, &outcomes))
        ),
        ReportFormat::Sarif => print!("{}", output::to_text(&sarif_log())),
    }
    if let Some(path) = &args.sarif {
        super::write_output(path, &output::to_text(&sarif_log()), args.force)?;
    }
    if let Some(path) = &args.junit {
        let xml = verdict::junit(&sc.name, &outcomes, &reproduce);
        crate::report::files::write_file(path, xml.as_bytes(), args.force)
            .map_err(super::run::out_err)?;
    }
    Ok(ExitCode::from(if outcomes.iter().all(|o| o.passed) {
        0
    } else {
        1
    }))
}
