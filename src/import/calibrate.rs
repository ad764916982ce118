//! `cvpnsim calibrate`: fits a population to connection logs (paired by [`super::logs`]).
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
//! Pure computation: no I/O, deterministic (ordered maps, a fixed-seed generator for the
//! fitted quantiles).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use toml_edit::{InlineTable, Value};

use super::logs::{weekday, Connection, Outcome};
use crate::dist::Dist;
use crate::model::*;
use crate::report::chart::{CategoryChart, Mark, Series, SeriesKind, TimeChart};
use crate::scenario::duration;
use crate::scenario::section::populations::default_retry;

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

/// A user's work session: attempts and reconnects close together.
#[derive(Debug, Clone)]
struct Chain {
    user: Option<String>,
    start: i64,
    conns: Vec<usize>,
}

const DAY_S: i64 = 86_400;
const Z99: f64 = 2.326_347_874_040_841;
/// Fewer observations than this and a parameter keeps its default (said in the notes).
const MIN_SAMPLES: usize = 20;

fn chains(conns: &[Connection], gap: i64) -> Vec<Chain> {
    let mut by_user: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in conns.iter().enumerate() {
        let key = match &c.user {
            Some(u) => format!("u:{u}"),
            None => format!("c:{}", c.id),
        };
        by_user.entry(key).or_default().push(i);
    }
    let mut out = Vec::new();
    for idx in by_user.into_values() {
        let mut cur: Option<Chain> = None;
        let mut last_activity = i64::MIN;
        for i in idx {
            let c = &conns[i];
            let joins =
                cur.is_some() && last_activity != i64::MAX && c.start - last_activity <= gap;
            if !joins {
                out.extend(cur.take());
                cur = Some(Chain {
                    user: c.user.clone(),
                    start: c.start,
                    conns: Vec::new(),
                });
            }
            if let Some(ch) = cur.as_mut() {
                ch.conns.push(i);
            }
            last_activity = match c.outcome {
                Outcome::Connected => c.end.unwrap_or(i64::MAX),
                Outcome::Failed(_) => c.done,
                Outcome::Incomplete => c.start,
            };
        }
        out.extend(cur);
    }
    out.sort_by_key(|c| (c.start, c.conns[0]));
    out
}

/// The length of a chain that connected and ended within the logs (seconds).
fn chain_length(ch: &Chain, conns: &[Connection]) -> Option<i64> {
    let last = &conns[*ch.conns.last()?];
    match (last.outcome == Outcome::Connected, last.end) {
        (true, Some(end)) => Some(end - ch.start),
        _ => None,
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn phi(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Kolmogorov–Smirnov distance between sorted observations and a CDF.
fn ks(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The empirical distribution of `m` equally likely quantiles.
fn empirical(sorted: &[f64], m: usize) -> Dist {
    let m = m.min(sorted.len()).max(1);
    let pairs: Vec<(f64, f64)> = (0..m)
        .map(|k| {
            let v = quantile(sorted, (k as f64 + 0.5) / m as f64);
            (libm::round(v), 1.0)
        })
        .collect();
    Dist::empirical(&pairs).unwrap_or(Dist::Fixed(sorted[0]))
}

/// Which families to try.
#[derive(Clone, Copy)]
struct Families {
    exponential: bool,
    normal: bool,
    lognormal: bool,
}

/// Fits the families to `xs` (milliseconds) and chooses one by the criterion in the module
/// documentation; `None` when there are too few observations.
fn fit(xs: &[f64], families: Families) -> Option<Fit> {
    let mut sorted: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n < MIN_SAMPLES {
        return None;
    }
    let nf = n as f64;
    let mut candidates = Vec::new();
    let (mean, sd) = mean_sd(&sorted);
    if families.exponential && mean > 0.0 && sorted[0] >= 0.0 {
        let ll = -nf * libm::log(mean) - sorted.iter().sum::<f64>() / mean;
        candidates.push(Candidate {
            name: "exponential",
            dist: Dist::Exponential { mean },
            aic: 2.0 - 2.0 * ll,
            ks: ks(&sorted, |x| 1.0 - libm::exp(-x.max(0.0) / mean)),
        });
    }
    if families.normal && sd > 0.0 {
        let ll = -nf / 2.0 * libm::log(2.0 * std::f64::consts::PI * sd * sd) - nf / 2.0;
        candidates.push(Candidate {
            name: "normal",
            dist: Dist::Normal { mean, sd },
            aic: 4.0 - 2.0 * ll,
            ks: ks(&sorted, |x| phi((x - mean) / sd)),
        });
    }
    if families.lognormal && sorted[0] > 0.0 {
        let logs: Vec<f64> = sorted.iter().map(|&x| libm::log(x)).collect();
        let (mu, s) = mean_sd(&logs);
        if s > 0.0 {
            let ll = -logs.iter().sum::<f64>()
                - nf / 2.0 * libm::log(2.0 * std::f64::consts::PI * s * s)
                - nf / 2.0;
            candidates.push(Candidate {
                name: "lognormal",
                dist: Dist::LogNormal {
                    median: libm::exp(mu),
                    p99: libm::exp(mu + Z99 * s),
                },
                aic: 4.0 - 2.0 * ll,
                ks: ks(&sorted, |x| {
                    if x <= 0.0 {
                        0.0
                    } else {
                        phi((libm::log(x) - mu) / s)
                    }
                }),
            });
        }
    }
    let ks_critical = 1.628 / nf.sqrt();
    let best = candidates
        .iter()
        .min_by(|a, b| a.aic.total_cmp(&b.aic))
        .cloned();
    let (dist, chosen) = match best {
        Some(b) if b.ks <= ks_critical => (round_dist(b.dist), b.name),
        _ => (round_dist(empirical(&sorted, 20)), "empirical"),
    };
    Some(Fit {
        dist,
        chosen,
        candidates,
        n,
        ks_critical,
        observed: sorted,
    })
}

const ALL: Families = Families {
    exponential: true,
    normal: true,
    lognormal: true,
};

/// Observation window: whole days from the first to the last attempt in the logs (ends of
/// connections after the last attempt do not show arrivals).
fn window(conns: &[Connection]) -> (i64, i64) {
    let first = conns.iter().map(|c| c.start).min().unwrap_or(0);
    let last = conns.iter().map(|c| c.start.max(c.done)).max().unwrap_or(0);
    let d0 = first.div_euclid(DAY_S);
    let d1 = (last.div_euclid(DAY_S) + 1).max(d0 + 1);
    (d0, d1)
}

/// Model statistics for the `auto` choice.
struct Identity {
    identified: f64,
    days_per_user: f64,
    single_chain_days: f64,
}

fn identity(conns: &[Connection], chains: &[Chain]) -> Identity {
    let identified =
        conns.iter().filter(|c| c.user.is_some()).count() as f64 / conns.len().max(1) as f64;
    let mut user_days: BTreeMap<(&str, i64), usize> = BTreeMap::new();
    for ch in chains {
        if let Some(u) = &ch.user {
            *user_days
                .entry((u, ch.start.div_euclid(DAY_S)))
                .or_default() += 1;
        }
    }
    let users: BTreeSet<&str> = user_days.keys().map(|k| k.0).collect();
    let days_per_user = user_days.len() as f64 / users.len().max(1) as f64;
    let single =
        user_days.values().filter(|&&n| n == 1).count() as f64 / user_days.len().max(1) as f64;
    Identity {
        identified,
        days_per_user,
        single_chain_days: single,
    }
}

/// `auto`: workday when users are identified (≥ 90 % of connections carry a username or
/// common name), come back on several days (≥ 2 active days per user on average) and start at
/// most once a day (≥ 90 % of user-days have one work session); otherwise Poisson.
fn choose_model(opt: ArrivalModel, id: &Identity) -> (ArrivalModel, String) {
    let stats = format!(
        "{:.0} % of connections name their user, {:.1} active days per user, {:.0} % of \
         user-days have one work session",
        100.0 * id.identified,
        id.days_per_user,
        100.0 * id.single_chain_days
    );
    match opt {
        ArrivalModel::Auto => {
            if id.identified >= 0.9 && id.days_per_user >= 2.0 && id.single_chain_days >= 0.9 {
                (
                    ArrivalModel::Workday,
                    format!("workday (auto: {stats}; thresholds 90 %, 2 days, 90 %)"),
                )
            } else {
                (
                    ArrivalModel::Poisson,
                    format!("Poisson (auto: {stats}; workday needs 90 %, 2 days, 90 %)"),
                )
            }
        }
        ArrivalModel::Poisson => (ArrivalModel::Poisson, format!("Poisson (asked; {stats})")),
        ArrivalModel::Workday => (ArrivalModel::Workday, format!("workday (asked; {stats})")),
    }
}

/// Arrival counts per hour of the period for each repetition of the period in the window.
fn hourly_counts(chains: &[Chain], d0: i64, d1: i64, period_days: i64) -> Vec<Vec<f64>> {
    let hours = (period_days * 24) as usize;
    // Repetition r covers the days of the period's r-th occurrence, aligned to Monday for a
    // weekly period.
    let align = if period_days == 7 {
        weekday(d0) as i64
    } else {
        0
    };
    let reps = ((d1 - d0 + align) + period_days - 1) / period_days;
    let mut counts = vec![vec![0.0; hours]; reps as usize];
    for ch in chains {
        let day = ch.start.div_euclid(DAY_S);
        let rep = ((day - d0 + align) / period_days) as usize;
        let hour =
            ((day - d0 + align) % period_days * 24 + ch.start.rem_euclid(DAY_S) / 3600) as usize;
        counts[rep][hour] += 1.0;
    }
    counts
}

/// Whether hour `h` of repetition `rep` lies inside the observed window.
fn observed(rep: usize, h: usize, d0: i64, d1: i64, period_days: i64) -> bool {
    let align = if period_days == 7 {
        weekday(d0) as i64
    } else {
        0
    };
    let day = d0 - align + rep as i64 * period_days + (h / 24) as i64;
    day >= d0 && day < d1
}

/// (mean, lowest, highest) arrivals per hour over the observed repetitions.
fn observed_rates(counts: &[Vec<f64>], d0: i64, d1: i64, period_days: i64) -> Vec<(f64, f64, f64)> {
    let hours = (period_days * 24) as usize;
    (0..hours)
        .map(|h| {
            let seen: Vec<f64> = counts
                .iter()
                .enumerate()
                .filter(|(r, _)| observed(*r, h, d0, d1, period_days))
                .map(|(_, c)| c[h])
                .collect();
            if seen.is_empty() {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                let mean = seen.iter().sum::<f64>() / seen.len() as f64;
                let lo = seen.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = seen.iter().copied().fold(0.0, f64::max);
                (mean, lo, hi)
            }
        })
        .collect()
}

/// A fitted duration (ms) at the precision the logs support: whole seconds from a minute up,
/// tenths of a second below.
fn round_ms(x: f64) -> f64 {
    let step = if x.abs() >= 60_000.0 { 1_000.0 } else { 100.0 };
    libm::round(x / step) * step
}

/// A fitted duration distribution with its parameters rounded by [`round_ms`].
fn round_dist(d: Dist) -> Dist {
    match d {
        Dist::Fixed(x) => Dist::Fixed(round_ms(x)),
        Dist::Uniform { low, high } => Dist::Uniform {
            low: round_ms(low),
            high: round_ms(high),
        },
        Dist::Exponential { mean } => Dist::Exponential {
            mean: round_ms(mean),
        },
        Dist::Normal { mean, sd } => Dist::Normal {
            mean: round_ms(mean),
            sd: round_ms(sd),
        },
        Dist::LogNormal { median, p99 } => Dist::LogNormal {
            median: round_ms(median),
            p99: round_ms(p99),
        },
        Dist::Empirical { values, cumulative } => {
            let pairs: Vec<(f64, f64)> = values
                .iter()
                .zip(cumulative.iter().scan(0.0, |prev, c| {
                    let w = c - *prev;
                    *prev = *c;
                    Some(w)
                }))
                .map(|(v, w)| (round_ms(*v), w))
                .collect();
            Dist::empirical(&pairs).unwrap_or(Dist::Empirical { values, cumulative })
        }
    }
}

fn round3(x: f64) -> f64 {
    libm::round(x * 1000.0) / 1000.0
}

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
    let session = fit(&lengths, ALL).ok_or_else(|| {
        format!(
            "only {} work sessions connected and ended within the logs: at least {MIN_SAMPLES} \
             are needed to fit session lengths",
            lengths.len()
        )
    })?;

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

type WorkdayFit = (Arrivals, Vec<f64>, Option<Fit>);

fn workday(
    conns: &[Connection],
    chains: &[Chain],
    d0: i64,
    d1: i64,
    session: &Fit,
    notes: &mut Vec<String>,
) -> Result<WorkdayFit, String> {
    // First work session of each user on each day.
    let mut first: BTreeMap<(&str, i64), &Chain> = BTreeMap::new();
    for ch in chains {
        if let Some(u) = &ch.user {
            first.entry((u, ch.start.div_euclid(DAY_S))).or_insert(ch);
        }
    }
    let mut occurrences = [0i64; 7];
    for d in d0..d1 {
        occurrences[weekday(d)] += 1;
    }
    let mut per_weekday = [0usize; 7];
    for (_, day) in first.keys() {
        per_weekday[weekday(*day)] += 1;
    }
    let mean: Vec<f64> = (0..7)
        .map(|w| per_weekday[w] as f64 / occurrences[w].max(1) as f64)
        .collect();
    let top = mean.iter().copied().fold(0.0, f64::max);
    // A working day: observed, and at least a quarter of the busiest weekday's users.
    let working: Vec<bool> = (0..7)
        .map(|w| occurrences[w] > 0 && mean[w] >= 0.25 * top)
        .collect();
    if occurrences.contains(&0) {
        notes
            .push("some weekdays do not occur in the logs: they are taken as days off".to_string());
    }
    let workdays: i64 = (0..7).filter(|&w| working[w]).map(|w| occurrences[w]).sum();
    let user_days: usize = (0..7).filter(|&w| working[w]).map(|w| per_weekday[w]).sum();
    let users = (user_days as f64 / workdays.max(1) as f64).round().max(1.0) as u32;
    let starts: Vec<f64> = first
        .iter()
        .filter(|((_, day), _)| working[weekday(*day)])
        .map(|(_, ch)| (ch.start.rem_euclid(DAY_S) * 1000) as f64)
        .collect();
    let start = fit(
        &starts,
        Families {
            exponential: false,
            normal: true,
            lognormal: false,
        },
    )
    .ok_or_else(|| format!("only {} workday starts: too few to fit", starts.len()))?;
    let lengths: Vec<f64> = first
        .iter()
        .filter(|((_, day), _)| working[weekday(*day)])
        .filter_map(|(_, ch)| chain_length(ch, conns))
        .map(|s| s as f64 * 1000.0)
        .collect();
    let length = fit(&lengths, ALL).unwrap_or_else(|| session.clone());
    let days = DaySet(
        (0..7)
            .filter(|&w| working[w])
            .fold(0u8, |acc, w| acc | (1 << w)),
    );
    // Expected arrivals per hour of the week: users × P(start in that hour) on working days.
    let mut fitted = vec![0.0; 7 * 24];
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let draws = 20_000;
    let mut share = [0.0; 24];
    for _ in 0..draws {
        let t = start.dist.sample(&mut rng) / HOUR as f64;
        if (0.0..24.0).contains(&t) {
            share[t as usize] += 1.0 / draws as f64;
        }
    }
    for w in (0..7).filter(|&w| working[w]) {
        for h in 0..24 {
            fitted[w * 24 + h] = users as f64 * share[h];
        }
    }
    Ok((
        Arrivals::Workday {
            users,
            start: start.dist.clone(),
            length: length.dist,
            days,
        },
        fitted,
        Some(start),
    ))
}

type FailureFit = (BTreeMap<String, usize>, f64, f64, Vec<(&'static str, f64)>);

fn failures(conns: &[Connection], notes: &mut Vec<String>) -> FailureFit {
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for c in conns {
        let key = match &c.outcome {
            Outcome::Connected => "connected".to_string(),
            Outcome::Failed(r) => r.clone(),
            Outcome::Incomplete => "incomplete".to_string(),
        };
        *outcomes.entry(key).or_default() += 1;
    }
    let count = |k: &str| outcomes.get(k).copied().unwrap_or(0);
    // Users whose every attempt is refused for a revoked certificate.
    let mut per_user: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in conns {
        if let Some(u) = &c.user {
            let e = per_user.entry(u).or_default();
            e.0 += 1;
            if c.outcome == Outcome::Failed("certificate-revoked".into()) {
                e.1 += 1;
            }
        }
    }
    let revoked_users = per_user
        .values()
        .filter(|(n, r)| *n == *r && *r > 0)
        .count();
    let revoked_fraction = revoked_users as f64 / per_user.len().max(1) as f64;
    let decided: usize = outcomes
        .iter()
        .filter(|(k, _)| k.as_str() != "incomplete")
        .map(|(_, v)| v)
        .sum();
    // Attempts that reached authentication (docs/model.md §6: landing comes first).
    let at_auth = decided
        .saturating_sub(count("no-healthy-association"))
        .saturating_sub(count("certificate-revoked"));
    let auth_failed = count("authentication-failed");
    let auth_failure_rate = if at_auth > 0 {
        auth_failed as f64 / at_auth as f64
    } else {
        0.0
    };
    // The handler's outcome rates are per invocation that answered: a throttled attempt never
    // invoked it, and a timed-out one never answered (the engine decides a timeout before the
    // outcome draw, like the service, which stops waiting at 30 s).
    let at_handler = at_auth
        .saturating_sub(auth_failed)
        .saturating_sub(count("client-connect-handler-throttled"))
        .saturating_sub(count("client-connect-handler-timed-out"));
    let handler_rates: Vec<(&'static str, f64)> = [
        ("deny_rate", "client-connect-failed"),
        ("error_rate", "client-connect-handler-other-execution-error"),
        (
            "invalid_response_rate",
            "client-connect-handler-invalid-response",
        ),
        ("service_error_rate", "client-connect-handler-service-error"),
    ]
    .iter()
    .filter(|(_, reason)| count(reason) > 0)
    .map(|(field, reason)| (*field, count(reason) as f64 / at_handler.max(1) as f64))
    .collect();
    if auth_failed == 0 {
        notes.push(
            "no authentication-failed entry: auth_failure_rate is 0 (failed mutual \
             authentication attempts are not logged, guide: Connection logging)"
                .to_string(),
        );
    }
    (outcomes, auth_failure_rate, revoked_fraction, handler_rates)
}

/// Robust (low, high) of a retry delay with jitter j: delays are d·(1 − j·U); the 5th and 95th
/// percentiles are d·(1 − 0.95 j) and d·(1 − 0.05 j).
fn nominal_and_jitter(sorted: &[f64]) -> (f64, f64) {
    let lo = quantile(sorted, 0.05);
    let hi = quantile(sorted, 0.95);
    if hi <= 0.0 {
        return (0.0, 0.0);
    }
    let r = lo / hi;
    let j = ((1.0 - r) / (0.95 - 0.05 * r)).clamp(0.0, 1.0);
    (hi / (1.0 - 0.05 * j), j)
}

fn retry_fit(conns: &[Connection], chains: &[Chain], window_end: i64) -> RetryFit {
    let d = default_retry();
    let mut by_rank: Vec<Vec<f64>> = Vec::new();
    let mut give_up: Vec<u32> = Vec::new();
    for ch in chains {
        let mut run = 0usize;
        for (k, &i) in ch.conns.iter().enumerate() {
            let c = &conns[i];
            if matches!(c.outcome, Outcome::Failed(_)) {
                run += 1;
                if let Some(&next) = ch.conns.get(k + 1) {
                    if by_rank.len() < run {
                        by_rank.resize(run, Vec::new());
                    }
                    by_rank[run - 1].push(((conns[next].start - c.done) * 1000) as f64);
                } else if window_end - c.done > 3600 {
                    // Gave up (not merely cut off by the end of the logs).
                    give_up.push(run as u32);
                }
            } else {
                run = 0;
            }
        }
    }
    let mut notes = Vec::new();
    let samples_by_rank: Vec<usize> = by_rank.iter().map(Vec::len).collect();
    let mut nominal: Vec<(usize, f64, f64)> = Vec::new();
    for (r, gaps) in by_rank.iter_mut().enumerate() {
        if gaps.len() >= MIN_SAMPLES {
            gaps.sort_by(f64::total_cmp);
            let (n, j) = nominal_and_jitter(gaps);
            // Retries within the logs' one-second resolution carry no delay to fit.
            if n >= 500.0 {
                nominal.push((r + 1, n, j));
            }
        }
    }
    let mut policy = d.clone();
    match nominal.first() {
        Some(&(1, first, _)) => {
            policy.initial = round_ms(first) as Millis;
            // The cap: the first step whose growth falls below 80 % of the growth so far (or
            // below 10 %); that step and every later one are capped.
            let mut growing = vec![nominal[0]];
            let mut plateau: Vec<f64> = Vec::new();
            for w in nominal.windows(2) {
                let g = w[1].1 / w[0].1;
                let so_far = if growing.len() >= 2 {
                    let (k0, n0, _) = growing[0];
                    let (k1, n1, _) = growing[growing.len() - 1];
                    (n1 / n0).powf(1.0 / (k1 - k0) as f64)
                } else {
                    1.0
                };
                let grows = g > 1.1 && g >= 0.8 * so_far && w[1].0 == w[0].0 + 1;
                if plateau.is_empty() && grows {
                    growing.push(w[1]);
                } else {
                    plateau.push(w[1].1);
                }
            }
            let cap = if growing.len() >= 2 {
                let (k0, n0, _) = growing[0];
                let (k1, n1, _) = *growing.last().unwrap_or(&growing[0]);
                policy.multiplier =
                    round3((n1 / n0).powf(1.0 / (k1 - k0) as f64).clamp(1.0, 100.0));
                None
            } else if plateau.is_empty() {
                notes.push(format!(
                    "retry multiplier and cap: not observable (fewer than {MIN_SAMPLES} second \
                     retries), defaults {} and {} kept",
                    d.multiplier,
                    duration::format(d.max)
                ));
                Some(d.max as f64)
            } else {
                notes.push(format!(
                    "retry multiplier: the delays do not grow, {} kept",
                    d.multiplier
                ));
                policy.multiplier = d.multiplier;
                None
            };
            let cap = if let Some(c) = cap {
                c
            } else if plateau.is_empty() {
                let longest = growing.last().map_or(first, |g| g.1);
                notes.push(format!(
                    "retry cap: the delays never stop growing in the logs (longest {}); the \
                     default cap {} is kept when above it",
                    hms(longest),
                    duration::format(d.max)
                ));
                longest.max(d.max as f64)
            } else {
                let mut p = plateau.clone();
                p.sort_by(f64::total_cmp);
                quantile(&p, 0.5)
            };
            policy.max = (round_ms(cap) as Millis).max(policy.initial);
            // Jitter from the longest delays, where the logs' one-second resolution matters least.
            let best = nominal
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(d.jitter, |x| x.2);
            policy.jitter = libm::round(best * 100.0) / 100.0;
        }
        _ => notes.push(format!(
            "retry policy: fewer than {MIN_SAMPLES} retries after a first failure, defaults kept"
        )),
    }
    if give_up.len() >= 5 {
        let mut hist: BTreeMap<u32, usize> = BTreeMap::new();
        for g in &give_up {
            *hist.entry(*g).or_default() += 1;
        }
        // The most common count; the larger on a tie.
        policy.give_up_after = hist
            .iter()
            .max_by_key(|(k, v)| (**v, **k))
            .map_or(d.give_up_after, |(k, _)| *k);
    } else {
        notes.push(format!(
            "give-up count: {} users gave up in the logs, too few; default {} kept",
            give_up.len(),
            d.give_up_after
        ));
    }
    RetryFit {
        policy,
        samples_by_rank,
        notes,
    }
}

/// Manual reconnects after a connection reached the maximum session duration.
fn reconnects(
    conns: &[Connection],
    chains: &[Chain],
    window_end: i64,
    notes: &mut Vec<String>,
) -> (Dist, f64) {
    let default_delay = Dist::Fixed(2.0 * MINUTE as f64);
    let timeout = |c: &Connection| {
        c.end.is_some_and(|e| {
            SessionTimeout::ALLOWED_HOURS
                .iter()
                .any(|h| (e - c.start - *h as i64 * 3600).abs() <= 60)
        })
    };
    let mut timed_out = 0usize;
    let mut gaps: Vec<f64> = Vec::new();
    for ch in chains {
        for (k, &i) in ch.conns.iter().enumerate() {
            let c = &conns[i];
            if !timeout(c) || window_end - c.end.unwrap_or(0) < 3600 {
                continue;
            }
            timed_out += 1;
            if let Some(&next) = ch.conns.get(k + 1) {
                gaps.push(((conns[next].start - c.end.unwrap_or(0)) * 1000) as f64);
            }
        }
    }
    if timed_out < MIN_SAMPLES {
        notes.push(format!(
            "manual reconnects: {timed_out} connections reached the maximum session duration, \
             too few; defaults kept (2m, probability 1)"
        ));
        return (default_delay, 1.0);
    }
    let p = gaps.len() as f64 / timed_out as f64;
    gaps.sort_by(f64::total_cmp);
    if gaps.is_empty() || quantile(&gaps, 0.5) <= 2_000.0 {
        notes.push(
            "reconnects at the maximum session duration are immediate (certificate or \
             cached-credential clients): the manual reconnect delay keeps its default"
                .to_string(),
        );
        return (default_delay, libm::round(p * 1000.0) / 1000.0);
    }
    let delay = if gaps[gaps.len() - 1] - gaps[0] <= 1_000.0 {
        Dist::Fixed(round_ms(quantile(&gaps, 0.5)))
    } else {
        fit(&gaps, ALL).map_or(Dist::Fixed(round_ms(quantile(&gaps, 0.5))), |f| f.dist)
    };
    (delay, libm::round(p * 1000.0) / 1000.0)
}

/// Quantiles of a distribution by sampling with a fixed seed (so that every family, the
/// empirical one included, is treated alike).
pub fn dist_quantiles(d: &Dist, qs: &[f64]) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut xs: Vec<f64> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
    xs.sort_by(f64::total_cmp);
    qs.iter().map(|&q| quantile(&xs, q)).collect()
}

const QS: [f64; 8] = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

fn hms(ms: f64) -> String {
    if !ms.is_finite() {
        return "—".into();
    }
    duration::format(round_ms(ms.max(0.0)) as Millis)
}

fn dist_text(d: &Dist, as_duration: bool) -> String {
    if as_duration {
        dist_value(&round_dist(d.clone()), true).to_string()
    } else {
        dist_value(d, false).to_string()
    }
}

fn report(c: &Calibration, conns: &[Connection], chains: &[Chain], d0: i64, d1: i64) -> String {
    let mut r = String::new();
    let users: BTreeSet<&str> = conns.iter().filter_map(|x| x.user.as_deref()).collect();
    let _ = writeln!(r, "# Calibration report\n");
    let _ = writeln!(
        r,
        "Logs: {} connection attempts by {} users, {} work sessions, {} to {} ({} days).\n",
        conns.len(),
        users.len(),
        chains.len(),
        super::logs::format_time(d0 * DAY_S),
        super::logs::format_time(d1 * DAY_S),
        d1 - d0
    );
    let _ = writeln!(r, "## Arrivals\n\nModel: {}.\n", c.model_reason);
    match &c.population.arrivals {
        Arrivals::Poisson { period, .. } => {
            let total: f64 = c.fitted_rate.iter().sum();
            let _ = writeln!(
                r,
                "Rate for each hour of the {} (the observed mean; the profile starts on a \
                 Monday at 00:00, so use `start_weekday = \"mon\"`): {:.1} arrivals per {}.\n",
                if *period == Some(7 * DAY) {
                    "week"
                } else {
                    "day"
                },
                total,
                if *period == Some(7 * DAY) {
                    "week"
                } else {
                    "day"
                },
            );
            let _ = writeln!(
                r,
                "| day | arrivals (fitted) | busiest hour | its rate /h |"
            );
            let _ = writeln!(r, "|---|---:|---|---:|");
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            for (d, day) in c.fitted_rate.chunks(24).enumerate() {
                let (h, peak) =
                    day.iter()
                        .enumerate()
                        .fold((0, 0.0), |b, (h, &v)| if v > b.1 { (h, v) } else { b });
                let label = if c.fitted_rate.len() == 24 {
                    "every day"
                } else {
                    names[d]
                };
                let _ = writeln!(
                    r,
                    "| {label} | {:.1} | {h:02}:00 | {peak:.1} |",
                    day.iter().sum::<f64>()
                );
            }
        }
        Arrivals::Workday {
            users, days, start, ..
        } => {
            let names: Vec<&str> = Weekday::ALL
                .iter()
                .filter(|w| days.contains(**w))
                .map(|w| w.name())
                .collect();
            let _ = writeln!(
                r,
                "{users} users each working day ({}), starting `{}`.\n",
                names.join(", "),
                dist_text(start, true)
            );
            if let Some(s) = &c.start {
                fit_table(&mut r, "Start of day", s);
            }
        }
    }
    let _ = writeln!(r, "\n## Session lengths\n");
    fit_table(
        &mut r,
        "Work session length (first attempt to last end)",
        &c.session,
    );
    if let Arrivals::Workday { length, .. } = &c.population.arrivals {
        let _ = writeln!(r, "Workday length: `{}`.\n", dist_text(length, true));
    }
    let _ = writeln!(
        r,
        "## Outcomes of attempts\n\n| outcome | attempts | share |\n|---|---:|---:|"
    );
    let total: usize = c.outcomes.values().sum();
    for (k, v) in &c.outcomes {
        let _ = writeln!(
            r,
            "| {k} | {v} | {:.2} % |",
            100.0 * *v as f64 / total.max(1) as f64
        );
    }
    let p = &c.population;
    let _ = writeln!(
        r,
        "\nPopulation: `auth_failure_rate = {:.4}`, `revoked_fraction = {:.4}`.",
        p.auth_failure_rate, p.revoked_fraction
    );
    if !c.handler_rates.is_empty() {
        let rates: Vec<String> = c
            .handler_rates
            .iter()
            .map(|(k, v)| format!("`{k} = {v:.4}`"))
            .collect();
        let _ = writeln!(
            r,
            "Client connect handler (endpoint settings, per invocation): {}.",
            rates.join(", ")
        );
    }
    let rp = &p.retry;
    let _ = writeln!(
        r,
        "\n## Reconnect behaviour\n\nRetry after a failure: initial {}, multiplier {:.2}, cap {}, \
         jitter {:.2}, give up after {} attempts (retries observed after the 1st, 2nd, … \
         consecutive failure: {:?}).\n",
        hms(rp.initial as f64),
        rp.multiplier,
        hms(rp.max as f64),
        rp.jitter,
        rp.give_up_after,
        c.retry.samples_by_rank
    );
    let _ = writeln!(
        r,
        "Manual reconnect after the maximum session duration: delay `{}`, probability {:.3}.\n",
        dist_text(&p.manual_reconnect_delay, true),
        p.manual_reconnect_probability
    );
    if !c.notes.is_empty() {
        let _ = writeln!(r, "## Notes\n");
        for n in &c.notes {
            let _ = writeln!(r, "- {n}");
        }
    }
    r
}

fn fit_table(r: &mut String, title: &str, f: &Fit) {
    let _ = writeln!(
        r,
        "{title}: {} observations; chosen **{}** `{}` (lowest AIC, kept when its KS distance \
         is below {:.4} = 1.628/√n, else empirical).\n",
        f.n,
        f.chosen,
        dist_text(&f.dist, true),
        f.ks_critical
    );
    let _ = writeln!(
        r,
        "| candidate | parameters | AIC | KS distance |\n|---|---|---:|---:|"
    );
    for c in &f.candidates {
        let _ = writeln!(
            r,
            "| {} | `{}` | {:.1} | {:.4} |",
            c.name,
            dist_text(&c.dist, true),
            c.aic,
            c.ks
        );
    }
    let fitted = dist_quantiles(&f.dist, &QS);
    let _ = writeln!(r, "\n| quantile | observed | fitted |\n|---|---|---|");
    for (q, fv) in QS.iter().zip(fitted) {
        let _ = writeln!(
            r,
            "| p{} | {} | {} |",
            (q * 100.0) as u32,
            hms(quantile(&f.observed, *q)),
            hms(fv)
        );
    }
    r.push('\n');
}

/// A distribution as a scenario value (durations as human strings, weights to three decimals).
pub fn dist_value(d: &Dist, as_duration: bool) -> Value {
    crate::scenario::write::dist_value(d, as_duration, true)
}

fn days_text(d: DaySet) -> String {
    Weekday::ALL
        .iter()
        .filter(|w| d.contains(**w))
        .map(|w| w.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// The fitted population as a `[[population]]` section, with comments on what is not in the
/// logs.
pub fn population_toml(c: &Calibration) -> String {
    let p = &c.population;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Fitted by `cvpnsim calibrate`: {}; see the fit report.",
        c.model_reason
    );
    if matches!(p.arrivals, Arrivals::Poisson { period: Some(x), .. } if x == 7 * DAY) {
        let _ = writeln!(
            out,
            "# The arrival profile starts on a Monday at 00:00: use start_weekday = \"mon\"."
        );
    }
    let _ = writeln!(
        out,
        "[[population]]\nname = {}",
        Value::from(p.name.as_str())
    );
    match &p.arrivals {
        Arrivals::Workday {
            users,
            start,
            length,
            days,
        } => {
            let _ = writeln!(out, "users = {users}");
            let mut w = InlineTable::new();
            w.insert("start", dist_value(start, true));
            w.insert("length", dist_value(length, true));
            w.insert("days", Value::from(days_text(*days)));
            let _ = writeln!(out, "workday = {}", Value::InlineTable(w));
        }
        Arrivals::Poisson {
            profile,
            period,
            session,
        } => {
            let steps: Vec<String> = profile
                .iter()
                .map(|(at, r)| {
                    format!(
                        "  {{ at = {}, per_hour = {} }},",
                        Value::from(duration::format(*at)),
                        Value::from(*r)
                    )
                })
                .collect();
            let repeat = period.map_or("none".to_string(), duration::format);
            let _ = writeln!(
                out,
                "arrivals = {{ repeat = {}, session = {}, profile = [\n{}\n] }}",
                Value::from(repeat),
                dist_value(session, true),
                steps.join("\n")
            );
        }
    }
    let r = &p.retry;
    let _ = writeln!(
        out,
        "retry = {{ initial = {}, multiplier = {}, max = {}, jitter = {}, give_up_after = {} }}",
        Value::from(duration::format(r.initial)),
        Value::from(r.multiplier),
        Value::from(duration::format(r.max)),
        Value::from(r.jitter),
        r.give_up_after
    );
    let _ = writeln!(
        out,
        "auth_failure_rate = {}",
        Value::from(round_rate(p.auth_failure_rate))
    );
    let _ = writeln!(
        out,
        "revoked_fraction = {}",
        Value::from(round_rate(p.revoked_fraction))
    );
    let _ = writeln!(
        out,
        "manual_reconnect_delay = {}",
        dist_value(&p.manual_reconnect_delay, true)
    );
    let _ = writeln!(
        out,
        "manual_reconnect_probability = {}",
        Value::from(p.manual_reconnect_probability)
    );
    let _ = writeln!(
        out,
        "# edit me: the logs do not say which groups these users are in, what they need to \
         reach,\n# their LAN or their bandwidth: add groups, needs, lan_cidr and demand_mbps."
    );
    if !c.handler_rates.is_empty() {
        let rates: Vec<String> = c
            .handler_rates
            .iter()
            .map(|(k, v)| format!("{k} = {}", round_rate(*v)))
            .collect();
        let _ = writeln!(
            out,
            "# The logs also suggest, for [endpoint.client_connect_handler]: {}",
            rates.join(", ")
        );
    }
    out
}

fn round_rate(x: f64) -> f64 {
    libm::round(x * 1e6) / 1e6
}

/// Moves a weekly profile that starts on Monday to a scenario starting on `start`.
pub fn rotate_profile(profile: &[(Millis, f64)], start: Weekday) -> Vec<(Millis, f64)> {
    let week = 7 * DAY;
    let shift = start.index() as Millis * DAY;
    let mut out: Vec<(Millis, f64)> = profile
        .iter()
        .map(|&(at, r)| ((at + week - shift) % week, r))
        .collect();
    out.sort_by_key(|p| p.0);
    out
}

/// The base scenario with its populations replaced by the fitted one; what the logs cannot
/// tell (groups, needs, LAN, demand, DNS caching) is taken from the base's first population,
/// and a weekly profile is moved to the base's `start_weekday`.
pub fn with_population(base: &Scenario, c: &Calibration) -> Scenario {
    let mut s = base.clone();
    let mut p = c.population.clone();
    if let Some(first) = base.populations.first() {
        p.groups = first.groups.clone();
        p.needs = first.needs.clone();
        p.lan_cidr = first.lan_cidr;
        p.demand_mbps = first.demand_mbps.clone();
        p.dns_caching = first.dns_caching;
    }
    if let Arrivals::Poisson {
        profile,
        period: Some(period),
        ..
    } = &mut p.arrivals
    {
        if *period == 7 * DAY {
            *profile = rotate_profile(profile, base.start_weekday);
        }
    }
    s.populations = vec![p];
    s
}

/// The chart of arrivals per hour: observed (mean, lowest and highest repetition) and fitted.
pub fn arrivals_chart(c: &Calibration) -> TimeChart {
    let pts = |f: &dyn Fn(usize) -> f64| -> Vec<(Millis, f64)> {
        // The observed and fitted profiles can differ in length (a day or a week of hours).
        (0..c.fitted_rate.len().max(c.observed_rate.len()))
            .flat_map(|h| {
                let v = f(h);
                let v = if v.is_finite() { v } else { 0.0 };
                [(h as Millis * HOUR, v), ((h as Millis + 1) * HOUR, v)]
            })
            .collect()
    };
    let series = vec![
        Series {
            name: "logs: mean".into(),
            points: pts(&|h| c.observed_rate.get(h).map_or(f64::NAN, |o| o.0)),
            kind: SeriesKind::Line,
            colour: None,
        },
        Series {
            name: "logs: lowest".into(),
            points: pts(&|h| c.observed_rate.get(h).map_or(f64::NAN, |o| o.1)),
            kind: SeriesKind::Line,
            colour: None,
        },
        Series {
            name: "logs: highest".into(),
            points: pts(&|h| c.observed_rate.get(h).map_or(f64::NAN, |o| o.2)),
            kind: SeriesKind::Line,
            colour: None,
        },
        Series {
            name: "fitted".into(),
            points: pts(&|h| c.fitted_rate.get(h).copied().unwrap_or(f64::NAN)),
            kind: SeriesKind::Limit,
            colour: None,
        },
    ];
    let marks = if c.period == 7 * DAY {
        Weekday::ALL
            .iter()
            .enumerate()
            .map(|(i, w)| Mark {
                at: i as Millis * DAY,
                label: w.name().to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    TimeChart {
        title: "Arrivals per hour: logs and fitted model".into(),
        y_label: "arrivals per hour".into(),
        from: 0,
        duration: c.period,
        start_weekday: crate::model::Weekday::Mon,
        series,
        marks,
    }
}

/// The chart of session-length quantiles: logs and fitted distribution, in hours.
pub fn sessions_chart(c: &Calibration) -> CategoryChart {
    let h = HOUR as f64;
    let fitted = dist_quantiles(&c.session.dist, &QS);
    let point = |v: f64| (v / h, f64::NAN, f64::NAN);
    CategoryChart {
        title: format!("Work session length: logs and fitted {}", c.session.chosen),
        x_label: "quantile".into(),
        y_label: "hours".into(),
        categories: QS
            .iter()
            .map(|q| format!("p{}", (q * 100.0) as u32))
            .collect(),
        series: vec![
            (
                "logs".into(),
                QS.iter()
                    .map(|q| point(quantile(&c.session.observed, *q)))
                    .collect(),
            ),
            ("fitted".into(), fitted.into_iter().map(point).collect()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

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
