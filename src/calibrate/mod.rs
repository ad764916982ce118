//! `cvpnsim calibrate`: fits a population to connection logs (paired by
//! [`crate::import::logs`]).
//!
//! - **Arrivals.** Attempts are grouped per user into *work sessions*: a user's attempts and
//!   reconnects less than `chain_gap` apart (retries after failures, reconnects after a session
//!   timeout or a reset) are one session; its first attempt is an arrival. Arrivals are fitted
//!   as an open Poisson population with a rate for each hour of the week (each hour of the day
//!   when the logs span less than a week), or as a closed workday population (users, start of
//!   day, working days); `auto` chooses by the criterion in [`choose_model`].
//! - **Session lengths** (first attempt to last end, sessions still open at the end of the logs
//!   left out): exponential, normal and log-normal are fitted by maximum likelihood and the one
//!   with the lowest AIC is kept if its Kolmogorov–Smirnov distance is below the 1 % critical
//!   value 1.628/√n; otherwise an empirical distribution of 20 quantiles is used.
//! - **Failures**: rates by reason; `authentication-failed` gives the population's
//!   `auth_failure_rate`, users whose every attempt is `certificate-revoked` its
//!   `revoked_fraction`; handler and capacity reasons are reported (they belong to the endpoint).
//! - **Reconnects**: the retry policy from the gaps between a failed attempt and the next
//!   (initial delay, multiplier, cap, jitter, give-up count), and the manual reconnect delay and
//!   probability after connections that reached the maximum session duration.
//!
//! The work is split by what it fits: [`sessions`] (work sessions), [`stats`], [`families`]
//! (session lengths and start of day), [`arrivals`], [`retries`] (failures, retries,
//! reconnects); then [`report`] (the text report), [`population`] (the TOML section) and
//! [`charts`] (chart data).
//!
//! Pure computation: no I/O, deterministic (ordered maps, a fixed-seed generator for the
//! fitted quantiles).

mod arrivals;
mod charts;
mod families;
mod population;
mod report;
mod retries;
mod sessions;
mod stats;

use arrivals::{choose_model, hourly_counts, observed_rates, workday};
pub use charts::{arrivals_chart, sessions_chart};
use families::{fit, ALL};
pub use population::{dist_value, population_toml, rotate_profile, with_population};
use report::report;
use retries::{failures, reconnects, retry_fit};
use sessions::{chain_length, chains, identity, window, Chain};
pub use stats::dist_quantiles;
use stats::round3;
use std::collections::BTreeMap;

use crate::dist::Dist;
use crate::import::logs::{Connection, Outcome};
use crate::model::{Arrivals, Millis, Population, RetryPolicy, DAY, HOUR};

/// Which arrival model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalModel {
    Auto,
    Poisson,
    Workday,
}

#[derive(Debug, Clone)]
pub struct CalibrateOptions {
    /// Name of the fitted population.
    pub name: String,
    pub model: ArrivalModel,
    /// Attempts of one user less than this apart (seconds) belong to one work session.
    pub chain_gap: i64,
}

impl Default for CalibrateOptions {
    fn default() -> Self {
        CalibrateOptions {
            name: "calibrated".into(),
            model: ArrivalModel::Auto,
            chain_gap: 30 * 60,
        }
    }
}

/// One fitted candidate distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub name: &'static str,
    pub dist: Dist,
    /// Akaike information criterion (lower is better).
    pub aic: f64,
    /// Kolmogorov–Smirnov distance to the observations.
    pub ks: f64,
}

/// A distribution fitted to observations (milliseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub dist: Dist,
    /// `exponential`, `normal`, `lognormal` or `empirical`.
    pub chosen: &'static str,
    pub candidates: Vec<Candidate>,
    pub n: usize,
    pub ks_critical: f64,
    /// The observations, sorted.
    pub observed: Vec<f64>,
}

/// The fitted retry policy and what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryFit {
    pub policy: RetryPolicy,
    /// Gaps observed after the n-th consecutive failure (index n−1), milliseconds.
    pub samples_by_rank: Vec<usize>,
    pub notes: Vec<String>,
}

/// Everything calibration found.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub population: Population,
    /// The arrival model and why.
    pub model: ArrivalModel,
    pub model_reason: String,
    /// Length of the arrival profile's period: 7 days or 1 day.
    pub period: Millis,
    /// Observed arrivals per hour for each hour of the period: (mean, lowest, highest) over
    /// the period's repetitions in the logs.
    pub observed_rate: Vec<(f64, f64, f64)>,
    /// The fitted model's expected arrivals per hour for each hour of the period.
    pub fitted_rate: Vec<f64>,
    pub session: Fit,
    /// For a workday model: the fitted start of day.
    pub start: Option<Fit>,
    pub retry: RetryFit,
    /// Attempts by outcome: reason → count (`connected` for successes).
    pub outcomes: BTreeMap<String, usize>,
    /// Suggested client connect handler rates (field name, rate), from the logs.
    pub handler_rates: Vec<(&'static str, f64)>,
    pub report: String,
    /// Things the user should know (defaults kept, censoring, …).
    pub notes: Vec<String>,
}

const DAY_S: i64 = 86_400;
/// Fewer observations than this and a parameter keeps its default (said in the notes).
const MIN_SAMPLES: usize = 20;

/// Fits the population. `Err` says why nothing can be fitted.
pub fn calibrate(conns: &[Connection], opts: &CalibrateOptions) -> Result<Calibration, String> {
    let decided: Vec<&Connection> = conns
        .iter()
        .filter(|c| c.outcome != Outcome::Incomplete)
        .collect();
    if decided.is_empty() {
        return Err("no connection attempt with an outcome in the logs".into());
    }
    let mut notes = Vec::new();
    let chains = chains(conns, opts.chain_gap);
    let (d0, d1) = window(conns);
    let days = d1 - d0;
    let id = identity(conns, &chains);
    let (model, model_reason) = choose_model(opts.model, &id);
    if id.identified < 0.9 {
        notes.push(format!(
            "{:.0} % of connections carry no username or common name: their retries and \
             reconnects cannot be told from new arrivals",
            100.0 * (1.0 - id.identified)
        ));
    }

    let session = session_lengths(conns, &chains, &mut notes)?;

    let period_days = if days >= 7 { 7 } else { 1 };
    if period_days == 1 {
        notes.push(format!(
            "the logs span {days} day(s), less than a week: arrivals are fitted by hour of day, \
             the same every day"
        ));
    }
    let counts = hourly_counts(&chains, d0, d1, period_days);
    let observed_rate = observed_rates(&counts, d0, d1, period_days);
    for (w, name) in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .enumerate()
    {
        if period_days == 7 && observed_rate[w * 24].0.is_nan() {
            notes.push(format!(
                "no {name} in the logs: its arrival rate is taken as 0"
            ));
        }
    }

    let (arrivals, fitted_rate, start) = match model {
        ArrivalModel::Poisson | ArrivalModel::Auto => {
            let rates: Vec<f64> = observed_rate
                .iter()
                .map(|r| if r.0.is_nan() { 0.0 } else { round3(r.0) })
                .collect();
            let profile: Vec<(Millis, f64)> = rates
                .iter()
                .enumerate()
                .map(|(h, &r)| (h as Millis * HOUR, r))
                .collect();
            (
                Arrivals::Poisson {
                    profile,
                    period: Some(period_days as Millis * DAY),
                    session: session.dist.clone(),
                },
                rates,
                None,
            )
        }
        ArrivalModel::Workday => workday(conns, &chains, d0, d1, &session, &mut notes)?,
    };

    let (outcomes, auth_failure_rate, revoked_fraction, handler_rates) =
        failures(conns, &mut notes);
    let retry = retry_fit(conns, &chains, d1 * DAY_S);
    notes.extend(retry.notes.iter().cloned());
    let (manual_delay, manual_p) = reconnects(conns, &chains, d1 * DAY_S, &mut notes);

    let population = Population {
        name: opts.name.clone(),
        arrivals,
        groups: Vec::new(),
        lan_cidr: None,
        demand_mbps: Dist::Fixed(1.0),
        needs: Vec::new(),
        retry: retry.policy.clone(),
        dns_caching: false,
        auth_failure_rate,
        revoked_fraction,
        manual_reconnect_delay: manual_delay,
        manual_reconnect_probability: manual_p,
        outage_detection_delay: crate::model::default_outage_detection_delay(),
    };
    let mut c = Calibration {
        population,
        model: if model == ArrivalModel::Auto {
            ArrivalModel::Poisson
        } else {
            model
        },
        model_reason,
        period: period_days as Millis * DAY,
        observed_rate,
        fitted_rate,
        session,
        start,
        retry,
        outcomes,
        handler_rates,
        report: String::new(),
        notes,
    };
    c.report = report(&c, conns, &chains, d0, d1);
    Ok(c)
}

/// Session lengths (first attempt to last end of each work session) fitted; sessions still
/// connected at the end of the logs are left out and said in `notes`.
fn session_lengths(
    conns: &[Connection],
    chains: &[Chain],
    notes: &mut Vec<String>,
) -> Result<Fit, String> {
    let lengths: Vec<f64> = chains
        .iter()
        .filter_map(|c| chain_length(c, conns))
        .map(|s| s as f64 * 1000.0)
        .collect();
    let open = chains
        .iter()
        .filter(|c| {
            let last = &conns[*c.conns.last().unwrap_or(&0)];
            last.outcome == Outcome::Connected && last.end.is_none()
        })
        .count();
    if open > 0 {
        notes.push(format!(
            "{open} work sessions were still connected at the end of the logs: left out of the \
             session lengths (long sessions are under-represented when many are)"
        ));
    }
    fit(&lengths, ALL).ok_or_else(|| {
        format!(
            "only {} work sessions connected and ended within the logs: at least {MIN_SAMPLES} \
             are needed to fit session lengths",
            lengths.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::retries::nominal_and_jitter;
    use super::*;
    use crate::model::{Weekday, MINUTE};
    use rand::RngCore;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn draws(d: &Dist, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    #[test]
    fn the_criterion_picks_the_family_that_generated_the_data() {
        let hour = HOUR as f64;
        for (truth, name) in [
            (Dist::Exponential { mean: hour }, "exponential"),
            (
                Dist::LogNormal {
                    median: hour,
                    p99: 8.0 * hour,
                },
                "lognormal",
            ),
            (
                Dist::Normal {
                    mean: 8.0 * hour,
                    sd: hour,
                },
                "normal",
            ),
        ] {
            let f = fit(&draws(&truth, 5_000, 3), ALL).unwrap();
            assert_eq!(f.chosen, name, "{truth:?}: {:?}", f.candidates);
            // Means within 3 % (standard error ≤ 1.5 % at n = 5,000 for these shapes).
            let rel = (f.dist.mean() - truth.mean()).abs() / truth.mean();
            assert!(rel < 0.03, "{truth:?} fitted as {:?}", f.dist);
        }
    }

    #[test]
    fn a_mixture_falls_back_to_the_empirical_distribution() {
        // Half 10 minutes, half 8 hours: no single family passes the KS check.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let xs: Vec<f64> = (0..4_000)
            .map(|_| {
                let base = if rng.next_u32() % 2 == 0 {
                    10.0 * MINUTE as f64
                } else {
                    8.0 * HOUR as f64
                };
                base * (0.9 + 0.2 * crate::dist::unit(&mut rng))
            })
            .collect();
        let f = fit(&xs, ALL).unwrap();
        assert_eq!(f.chosen, "empirical");
        let q = dist_quantiles(&f.dist, &[0.25, 0.75]);
        assert!((q[0] / (10.0 * MINUTE as f64) - 1.0).abs() < 0.1);
        assert!((q[1] / (8.0 * HOUR as f64) - 1.0).abs() < 0.1);
    }

    #[test]
    fn jitter_and_nominal_delay_are_recovered_from_quantiles() {
        // Delays 60 s × (1 − 0.5 U).
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut xs: Vec<f64> = (0..5_000)
            .map(|_| 60_000.0 * (1.0 - 0.5 * crate::dist::unit(&mut rng)))
            .collect();
        xs.sort_by(f64::total_cmp);
        let (nominal, j) = nominal_and_jitter(&xs);
        assert!((nominal - 60_000.0).abs() < 600.0, "{nominal}");
        assert!((j - 0.5).abs() < 0.02, "{j}");
    }

    #[test]
    fn profiles_rotate_to_the_scenario_start() {
        let p = vec![(0, 1.0), (DAY, 2.0), (6 * DAY, 7.0)];
        // Starting on a Tuesday: Tuesday's rate (2.0) comes first, Monday's last.
        let r = rotate_profile(&p, Weekday::Tue);
        assert_eq!(r, vec![(0, 2.0), (5 * DAY, 7.0), (6 * DAY, 1.0)]);
    }
}
