//! Failures by reason, the retry policy from the gaps after failed attempts, and the manual
//! reconnect after a maximum-duration session.

use super::families::{fit, ALL};
use super::report::hms;
use super::sessions::Chain;
use super::stats::{quantile, round3, round_ms};
use super::{RetryFit, MIN_SAMPLES};
use crate::dist::Dist;
use crate::import::logs::{Connection, Outcome};
use crate::model::{Millis, SessionTimeout, MINUTE};
use crate::scenario::duration;
use crate::scenario::section::populations::default_retry;
use std::collections::BTreeMap;

pub(super) type FailureFit = (BTreeMap<String, usize>, f64, f64, Vec<(&'static str, f64)>);

pub(super) fn failures(conns: &[Connection], notes: &mut Vec<String>) -> FailureFit {
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
pub(super) fn nominal_and_jitter(sorted: &[f64]) -> (f64, f64) {
    let lo = quantile(sorted, 0.05);
    let hi = quantile(sorted, 0.95);
    if hi <= 0.0 {
        return (0.0, 0.0);
    }
    let r = lo / hi;
    let j = ((1.0 - r) / (0.95 - 0.05 * r)).clamp(0.0, 1.0);
    (hi / (1.0 - 0.05 * j), j)
}

/// The gaps (ms) after the n-th consecutive failed attempt of a work session (index n−1) before
/// the next attempt, and the run lengths of failures after which a user gave up (no attempt in
/// the hour after, within the logs).
fn failure_gaps(
    conns: &[Connection],
    chains: &[Chain],
    window_end: i64,
) -> (Vec<Vec<f64>>, Vec<u32>) {
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
    (by_rank, give_up)
}

pub(super) fn retry_fit(conns: &[Connection], chains: &[Chain], window_end: i64) -> RetryFit {
    let d = default_retry();
    let (mut by_rank, give_up) = failure_gaps(conns, chains, window_end);
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
pub(super) fn reconnects(
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
