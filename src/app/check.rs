//! `cvpnsim check FILE --expect EXPECT.toml [--junit OUT.xml]`: simulate the scenario (every
//! replica the expectations ask for, and once more per Availability Zone lost when survival is
//! asked), evaluate the expectations, print a concise report naming each failed assertion with
//! the measured value, and exit 0 when all hold, 1 when any fails, 2 on bad input.

use std::process::ExitCode;

use rayon::prelude::*;

use super::AppError;
use crate::check::expect::{self, Expectations};
use crate::check::verdict::{self, Gap, Observation, ZoneLoss};
use crate::cli::{CheckArgs, ReportFormat};
use crate::model::{Event, EventKind, Scenario};
use crate::net::{weighted_gaps, Matrix, Status, DNS_TARGET};
use crate::output;
use crate::scenario;
use crate::sim::{simulate, FailureReason, SimOptions};

pub fn run(args: &CheckArgs) -> Result<ExitCode, AppError> {
    let loaded = scenario::load_file(&args.file).map_err(|e| AppError::usage(e.to_string()))?;
    let sc = loaded.scenario;
    super::within_budget(&loaded.source, &sc, false, args.allow_large)?;
    let text = crate::scenario::read_text(&args.expect)
        .map_err(|e| AppError::usage(format!("cannot read {}: {e}", args.expect.display())))?;
    let reasons: Vec<&str> = FailureReason::ALL.iter().map(|r| r.name()).collect();
    let exp = expect::parse(&args.expect.display().to_string(), &text, &reasons)
        .map_err(|e| AppError::usage(e.to_string()))?;
    check_names(&sc, &exp, &args.expect.display().to_string())?;

    let observations = observe(&sc, &exp);
    let reproduce = verdict::Reproduce {
        scenario: args.file.display().to_string(),
        seed: sc.seed,
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

/// Every (population, network) pair named in the expectations exists in the scenario.
fn check_names(sc: &Scenario, e: &Expectations, file: &str) -> Result<(), AppError> {
    let accepted = e
        .accepted_gaps
        .iter()
        .map(|g| (g.population.clone(), g.network.clone()));
    for (pop, net) in e.reachable.iter().cloned().chain(accepted) {
        let (pop, net) = (&pop, &net);
        let p = sc.populations.iter().find(|p| &p.name == pop).ok_or_else(|| {
            let known: Vec<&str> = sc.populations.iter().map(|p| p.name.as_str()).collect();
            AppError::usage(format!("{file}: reachable: population `{pop}` is not in the scenario (populations: {})", known.join(", ")))
        })?;
        let mut needed: Vec<&str> = p
            .needs
            .iter()
            .map(|n| sc.network(*n).name.as_str())
            .collect();
        if !sc.endpoint.dns_servers.is_empty() {
            needed.push(DNS_TARGET);
        }
        if !needed.contains(&net.as_str()) {
            return Err(AppError::usage(format!(
                "{file}: reachable: population `{pop}` does not need `{net}` in the scenario (its needs: {})",
                needed.join(", ")
            )));
        }
    }
    Ok(())
}

/// The scenario with every association of `zone` lost at `at`, for the rest of the run.
fn without_zone(sc: &Scenario, zone: &str, at: u64) -> Scenario {
    let mut s = sc.clone();
    let associations = (0..s.associations.len())
        .filter(|&a| {
            s.subnet_of(crate::model::AssocId(a as u32))
                .availability_zone
                == zone
        })
        .map(|a| crate::model::AssocId(a as u32))
        .collect();
    s.events.push(Event {
        at,
        kind: EventKind::AzOutage {
            availability_zone: zone.to_string(),
            associations,
            duration: None,
        },
        description: Some(format!("{zone} lost (check)")),
    });
    s.events.sort_by_key(|e| e.at);
    s
}

fn observe(sc: &Scenario, e: &Expectations) -> Vec<Observation> {
    // Count users against every wait the expectations name, besides the scenario's own.
    let mut with_thresholds;
    let waits: Vec<crate::model::Millis> = e
        .max_share_not_connected_within
        .iter()
        .chain(
            e.survive_az_loss
                .iter()
                .flat_map(|a| &a.max_share_not_connected_within),
        )
        .map(|x| x.0)
        .collect();
    let sc = if waits.is_empty() {
        sc
    } else {
        with_thresholds = sc.clone();
        let t = &mut with_thresholds.output.outcome_thresholds;
        t.extend(waits);
        t.sort_unstable();
        t.dedup();
        &with_thresholds
    };
    let matrix = Matrix::all_live(sc);
    // The status of each pair without a gap, in the words of every other output.
    let mut statuses: Vec<(String, String, String)> = Vec::new();
    for c in &matrix.cells {
        let key = (
            sc.populations[c.population.index()].name.clone(),
            c.target.name(sc).to_string(),
        );
        let status = c.verdict.status();
        match statuses
            .iter_mut()
            .find(|s| (&s.0, &s.1) == (&key.0, &key.1))
        {
            Some(s) if status == Status::BypassesVpn => s.2 = status.name().to_string(),
            Some(_) => {}
            None => statuses.push((key.0, key.1, status.name().to_string())),
        }
    }
    let mut zones: Vec<String> = Vec::new();
    for a in 0..sc.associations.len() {
        let z = &sc
            .subnet_of(crate::model::AssocId(a as u32))
            .availability_zone;
        if !zones.contains(z) {
            zones.push(z.clone());
        }
    }
    (0..e.replicas)
        .into_par_iter()
        .map(|replica| {
            let opts = SimOptions {
                replica,
                sample_sink: Some(&crate::sim::discard_rows),
                ..SimOptions::default()
            };
            let r = simulate(sc, &opts);
            let s = &r.summary;
            let gaps = weighted_gaps(&matrix, &r.client_ms)
                .into_iter()
                .map(|g| Gap {
                    population: sc.populations[g.population.index()].name.clone(),
                    network: g.target.name(sc).to_string(),
                    associations: g
                        .failing
                        .iter()
                        .map(|&a| sc.subnet_of(a).id.clone())
                        .collect(),
                    reason: g.reason.name().to_string(),
                    client_time_share: g.share(),
                    address_share: g.address_share,
                })
                .collect();
            let az_loss = match &e.survive_az_loss {
                None => Vec::new(),
                Some(loss) => zones
                    .par_iter()
                    .map(|z| {
                        let lost = simulate(
                            &without_zone(sc, z, loss.at.min(sc.duration.saturating_sub(1))),
                            &opts,
                        );
                        ZoneLoss::of(z, loss.at.min(sc.duration.saturating_sub(1)), &lost.summary)
                    })
                    .collect(),
            };
            Observation {
                replica,
                blocking_probability: s.attempt_failure_rate,
                refusals: FailureReason::ALL
                    .iter()
                    .map(|r| (r.name().to_string(), s.failures_by_reason.0[r.index()]))
                    .collect(),
                peak_addresses_used: s.addresses_peak as u64,
                usable_addresses: s.addresses_usable as u64,
                below_floor_minutes: s.below_floor_connection_minutes,
                gaps,
                az_loss,
                statuses: statuses.clone(),
                share_not_within: s
                    .outcomes
                    .not_connected_within
                    .iter()
                    .map(|n| {
                        (
                            libm::round(n.within_s * 1000.0) as crate::model::Millis,
                            n.share,
                        )
                    })
                    .collect(),
                time_to_connect_p99_s: match s.outcomes.time_to_connect.p99_s {
                    Some(v) => v,
                    None if s.outcomes.episodes == 0 => 0.0,
                    None => f64::INFINITY,
                },
                reconnect_p99_s: worst_event(s, |r| r.time_to_99_percent_back_s),
                recovery_s: worst_event(s, |r| r.time_to_all_back_s),
                cost_per_month: crate::cost::of_run(sc, &s.usage).per_month,
            }
        })
        .collect()
}

/// The worst over the run's recoveries of `f` (a missing time is "never", infinite); `None`
/// when no event dropped a connection.
fn worst_event(
    s: &crate::sim::Summary,
    f: fn(&crate::sim::outcomes::RecoverySummary) -> Option<f64>,
) -> Option<f64> {
    s.recovery
        .iter()
        .map(|r| f(r).unwrap_or(f64::INFINITY))
        .reduce(f64::max)
}
