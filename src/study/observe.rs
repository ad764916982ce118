//! `check`'s study: the scenario simulated once per replica the expectations ask for, and, when
//! they ask for survival, once more per replica and Availability Zone lost for good; what each
//! replica measured, as [`Observation`]s for [`crate::check::verdict::evaluate`].

use rayon::prelude::*;

use super::{grid, zones, Base, StudyError};
use crate::check::expect::Expectations;
use crate::check::verdict::{Gap, Observation, ZoneLoss};
use crate::model::{Millis, Scenario};
use crate::net::{weighted_gaps, Matrix, Status, DNS_TARGET};
use crate::sim::{outcomes::RecoverySummary, simulate, FailureReason, SimOptions, Summary};

/// Every (population, network) pair named in the expectations exists in the scenario; `file`
/// names the expectations in the message.
pub fn check_names(sc: &Scenario, e: &Expectations, file: &str) -> Result<(), String> {
    let accepted = e
        .accepted_gaps
        .iter()
        .map(|g| (g.population.clone(), g.network.clone()));
    for (pop, net) in e.reachable.iter().cloned().chain(accepted) {
        let (pop, net) = (&pop, &net);
        let p = sc.populations.iter().find(|p| &p.name == pop).ok_or_else(|| {
            let known: Vec<&str> = sc.populations.iter().map(|p| p.name.as_str()).collect();
            format!("{file}: reachable: population `{pop}` is not in the scenario (populations: {})", known.join(", "))
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
            return Err(format!(
                "{file}: reachable: population `{pop}` does not need `{net}` in the scenario (its needs: {})",
                needed.join(", ")
            ));
        }
    }
    Ok(())
}

/// The variants `check` simulates: the scenario counting users against every wait the
/// expectations name besides its own, and that scenario with each zone lost for good at the
/// expectations' time (none unless survival is asked). All are checked before anything runs.
fn variants(base: &Base, e: &Expectations) -> Result<(Base, Vec<(String, Base)>), StudyError> {
    let sc = base.scenario();
    let named: Vec<Millis> = e
        .max_share_not_connected_within
        .iter()
        .chain(
            e.survive_az_loss
                .iter()
                .flat_map(|a| &a.max_share_not_connected_within),
        )
        .map(|x| x.0)
        .collect();
    let counted = if named.is_empty() {
        base.clone()
    } else {
        let mut waits = sc.output.outcome_thresholds.clone();
        waits.extend(named);
        waits.sort_unstable();
        waits.dedup();
        base.variant(base.source().name.clone(), |t| {
            grid::outcome_thresholds(t, &waits)
        })
        .map_err(|err| {
            format!(
                "the scenario counting users against the expectations' waits is not valid:\n{err}"
            )
        })?
    };
    let mut lost = Vec::new();
    if let Some(loss) = &e.survive_az_loss {
        let at = loss.at.min(sc.duration.saturating_sub(1));
        for z in zones(sc) {
            let v = counted
                .variant(format!("{} ({z} lost)", sc.name), |t| {
                    grid::lose_zone(t, &z, at, &format!("{z} lost (check)"))
                })
                .map_err(|err| format!("the scenario with {z} lost is not valid:\n{err}"))?;
            lost.push((z, v));
        }
    }
    Ok((counted, lost))
}

/// Simulates every replica (with its zone losses) and returns what each measured, in replica
/// order.
pub fn observe(base: &Base, e: &Expectations) -> Result<Vec<Observation>, StudyError> {
    let (counted, lost) = variants(base, e)?;
    let sc = counted.scenario();
    let matrix = Matrix::all_live(sc);
    let statuses = statuses(sc, &matrix);
    let loss_at = e
        .survive_az_loss
        .as_ref()
        .map_or(0, |l| l.at.min(sc.duration.saturating_sub(1)));
    Ok((0..e.replicas)
        .into_par_iter()
        .map(|replica| {
            let opts = SimOptions {
                replica,
                sample_sink: Some(&crate::sim::discard_rows),
                ..SimOptions::default()
            };
            let r = simulate(sc, &opts);
            let az_loss = lost
                .par_iter()
                .map(|(z, v)| {
                    let run = simulate(v.scenario(), &opts);
                    ZoneLoss::of(z, loss_at, &run.summary)
                })
                .collect();
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
            Observation {
                replica,
                gaps,
                az_loss,
                statuses: statuses.clone(),
                ..measured(sc, &r.summary)
            }
        })
        .collect())
}

/// The status of each pair without a gap, in the words of every other output.
fn statuses(sc: &Scenario, matrix: &Matrix) -> Vec<(String, String, String)> {
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
    statuses
}

/// The figures of one run's summary the expectations read.
fn measured(sc: &Scenario, s: &Summary) -> Observation {
    Observation {
        blocking_probability: s.attempt_failure_rate,
        refusals: FailureReason::ALL
            .iter()
            .map(|r| (r.name().to_string(), s.failures_by_reason.0[r.index()]))
            .collect(),
        peak_addresses_used: s.addresses_peak as u64,
        usable_addresses: s.addresses_usable as u64,
        below_floor_minutes: s.below_floor_connection_minutes,
        share_not_within: s
            .outcomes
            .not_connected_within
            .iter()
            .map(|n| (libm::round(n.within_s * 1000.0) as Millis, n.share))
            .collect(),
        time_to_connect_p99_s: match s.outcomes.time_to_connect.p99_s {
            Some(v) => v,
            None if s.outcomes.episodes == 0 => 0.0,
            None => f64::INFINITY,
        },
        reconnect_p99_s: worst_event(s, |r| r.time_to_99_percent_back_s),
        recovery_s: worst_event(s, |r| r.time_to_all_back_s),
        cost_per_month: crate::cost::of_run(sc, &s.usage).per_month,
        ..Observation::default()
    }
}

/// The worst over the run's recoveries of `f` (a missing time is "never", infinite); `None`
/// when no event dropped a connection.
fn worst_event(s: &Summary, f: fn(&RecoverySummary) -> Option<f64>) -> Option<f64> {
    s.recovery
        .iter()
        .map(|r| f(r).unwrap_or(f64::INFINITY))
        .reduce(f64::max)
}
