//! Arrivals: the `auto` choice of model, hourly arrival rates over the period, and the closed
//! workday model (users, start of day, working days).

use super::families::{fit, Families, ALL};
use super::sessions::{chain_length, Chain, Identity};
use super::{ArrivalModel, Fit, DAY_S};
use crate::import::logs::{weekday, Connection};

use crate::model::{Arrivals, DaySet, HOUR};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// `auto`: workday when users are identified (≥ 90 % of connections carry a username or
/// common name), come back on several days (≥ 2 active days per user on average) and start at
/// most once a day (≥ 90 % of user-days have one work session); otherwise Poisson.
pub(super) fn choose_model(opt: ArrivalModel, id: &Identity) -> (ArrivalModel, String) {
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
pub(super) fn hourly_counts(chains: &[Chain], d0: i64, d1: i64, period_days: i64) -> Vec<Vec<f64>> {
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
pub(super) fn observed(rep: usize, h: usize, d0: i64, d1: i64, period_days: i64) -> bool {
    let align = if period_days == 7 {
        weekday(d0) as i64
    } else {
        0
    };
    let day = d0 - align + rep as i64 * period_days + (h / 24) as i64;
    day >= d0 && day < d1
}

/// (mean, lowest, highest) arrivals per hour over the observed repetitions.
pub(super) fn observed_rates(
    counts: &[Vec<f64>],
    d0: i64,
    d1: i64,
    period_days: i64,
) -> Vec<(f64, f64, f64)> {
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

pub(super) type WorkdayFit = (Arrivals, Vec<f64>, Option<Fit>);

pub(super) fn workday(
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
