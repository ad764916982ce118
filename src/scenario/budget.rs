//! Resource budgets: what a run of a scenario will cost, estimated from its figures before
//! anything is simulated, against [`Budget`]s that fit a laptop (raised in `[limits]`). A scenario
//! the validator accepts must run to completion: `users = 1e9`, a one-millisecond sample interval
//! over a week, a 100-year duration or `per_hour = 1e18` are refused here with the estimate and a
//! hint, instead of aborting on an allocation an hour later.
//!
//! The estimates are deliberately simple and on the high side: events ≈ 3 per attempt plus one
//! per sample; memory ≈ 200 bytes per user record (the engine measures 163–195) plus about 320
//! bytes per sample row held (`run` streams the time series and the metrics to their files as
//! the run advances, so only the rows of the busiest two hours and the ten-second rows after
//! events are held, however long the run); output ≈ 12 bytes per time-series cell plus about
//! 620 bytes per connection-log line.

use crate::model::{Arrivals, Budget, Millis, Scenario, DAY, HOUR};
use crate::source::diag::{Diagnostic, Source};
use crate::source::rules::RuleId;

/// Bytes of one user record, with the queue entries and ids that come with it.
const BYTES_PER_USER: f64 = 200.0;
/// Events per connection attempt (arrival, handler, session end, retry).
const EVENTS_PER_ATTEMPT: f64 = 3.0;
/// Bytes of one `connection-log.jsonl` line.
const BYTES_PER_LOG_LINE: f64 = 620.0;
/// Bytes of one sample row besides its per-association columns: the row itself and the two
/// small allocations of its per-association vectors (a test checks it covers the row's size).
const ROW_BYTES: f64 = 320.0;

/// What a run is estimated to cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub attempts: f64,
    pub events: f64,
    /// Sample rows written: the time series' rows, plus the CloudWatch metric rows when they
    /// cannot be merged from them.
    pub sample_rows: f64,
    /// Sample rows held in memory at once (the busiest two hours, twice, and the ten-second
    /// rows after each event).
    pub held_rows: f64,
    pub memory_bytes: f64,
    pub output_bytes: f64,
}

/// Estimates a run of `sc` (with a connection log when `connection_log`). Computed in `f64`, so
/// no figure can overflow.
pub fn estimate(sc: &Scenario, connection_log: bool) -> Estimate {
    let duration = sc.duration as f64;
    let days = (duration / DAY as f64).ceil().max(1.0);
    let mut attempts = 0.0;
    let mut user_records = 0.0;
    for p in &sc.populations {
        match &p.arrivals {
            Arrivals::Workday { users, .. } => {
                let u = f64::from(*users);
                attempts += u * days;
                user_records += u;
            }
            Arrivals::Poisson {
                profile,
                period,
                session,
            } => {
                let arrivals = poisson_arrivals(profile, *period, sc.duration);
                attempts += arrivals;
                // Open-population records are reused once a user leaves: the live ones are
                // about the peak rate times how long each stays.
                let peak = profile.iter().map(|&(_, r)| r).fold(0.0, f64::max);
                let stay = session.mean().max(0.0) / HOUR as f64 + 1.0;
                user_records += (peak * stay).min(arrivals);
            }
        }
    }
    let retries = sc
        .populations
        .iter()
        .map(|p| f64::from(p.retry.give_up_after))
        .fold(0.0, f64::max)
        .min(3.0);
    let attempts = attempts * (1.0 + retries / 3.0);
    let interval = sc.sample_interval.max(1) as f64;
    let series_rows = (duration / interval).ceil();
    let metric_rows = (duration / sc.output.metrics_period.max(1) as f64).ceil();
    // Rows sampled: the metric rows are merged from the time series' when they can be.
    let rows = series_rows
        + if sc.metrics_merged() {
            0.0
        } else {
            metric_rows
        };
    let columns = (sc.associations.len() * 2 + 24) as f64;
    let row_bytes = ROW_BYTES + 8.0 * sc.associations.len() as f64;
    // Rows held: the busiest two hours (the rows that may still enter the window and a copy of
    // the window's), and 30 minutes of ten-second rows after each event and its second phase.
    let held_rows = 2.0 * series_rows.min((2.0 * HOUR as f64 / interval).ceil() + 1.0)
        + sc.events.len() as f64 * 2.0 * 180.0;
    let memory = user_records * BYTES_PER_USER + held_rows * row_bytes;
    let log = if connection_log {
        attempts * 1.5 * BYTES_PER_LOG_LINE
    } else {
        0.0
    };
    Estimate {
        attempts,
        events: attempts * EVENTS_PER_ATTEMPT + rows + sc.events.len() as f64,
        sample_rows: rows,
        held_rows,
        memory_bytes: memory,
        output_bytes: (series_rows + metric_rows) * columns * 12.0 + log,
    }
}

/// Expected arrivals of a Poisson profile over `duration`.
fn poisson_arrivals(profile: &[(Millis, f64)], period: Option<Millis>, duration: Millis) -> f64 {
    // Arrivals over [0, end) of one pass of the profile (the last rate holds to `end`).
    let pass = |end: Millis| -> f64 {
        let mut total = 0.0;
        for (i, &(at, rate)) in profile.iter().enumerate() {
            if at >= end {
                break;
            }
            let until = profile.get(i + 1).map_or(end, |&(next, _)| next.min(end));
            total += rate.max(0.0) * (until - at) as f64 / HOUR as f64;
        }
        total
    };
    match period {
        Some(p) if p > 0 && p < duration => {
            let whole = (duration / p) as f64;
            whole * pass(p) + pass(duration % p)
        }
        _ => pass(duration),
    }
}

fn show(x: f64) -> String {
    if x >= 1e15 {
        format!("{x:.1e}")
    } else {
        let n = x.round() as u64;
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
}

const MB: f64 = 1024.0 * 1024.0;

/// The budgets the estimate of `sc` exceeds, as error diagnostics naming the rule, the estimate,
/// the budget and what to change.
pub fn check(sc: &Scenario, connection_log: bool) -> Vec<Diagnostic> {
    let e = estimate(sc, connection_log);
    let b: &Budget = &sc.limits.budget;
    let mut out = Vec::new();
    let over = |x: f64, limit: u64| x > limit as f64;
    if over(e.sample_rows, b.sample_rows) {
        out.push(
            Diagnostic::error(
                RuleId::BudgetSampleRows,
                "sample_interval",
                0..0,
                format!(
                    "the run would write about {} sample rows (duration / sample_interval), over the budget of {}",
                    show(e.sample_rows),
                    show(b.sample_rows as f64)
                ),
            )
            .hint("use a longer sample_interval or a shorter duration, or raise [limits] max_sample_rows (or pass --allow-large) if the machine can take it"),
        );
    }
    if over(e.events, b.events) {
        out.push(
            Diagnostic::error(
                RuleId::BudgetEvents,
                "population",
                0..0,
                format!(
                    "the run would simulate about {} events ({} connection attempts), over the budget of {}",
                    show(e.events),
                    show(e.attempts),
                    show(b.events as f64)
                ),
            )
            .hint("lower users or arrival rates, or shorten the duration; or raise [limits] max_events (or pass --allow-large) if you mean it"),
        );
    }
    if over(e.memory_bytes / MB, b.memory_mb) {
        out.push(
            Diagnostic::error(
                RuleId::BudgetMemory,
                "population",
                0..0,
                format!(
                    "the run would need about {} MB of memory, over the budget of {} MB",
                    show(e.memory_bytes / MB),
                    show(b.memory_mb as f64)
                ),
            )
            .hint("lower users (each needs about 200 bytes); or raise [limits] max_memory_mb (or pass --allow-large) on a machine that has it"),
        );
    }
    if over(e.output_bytes / MB, b.output_mb) {
        out.push(
            Diagnostic::error(
                RuleId::BudgetOutput,
                "output",
                0..0,
                format!(
                    "the run would write about {} MB of files{}, over the budget of {} MB",
                    show(e.output_bytes / MB),
                    if connection_log { " (with the connection log)" } else { "" },
                    show(b.output_mb as f64)
                ),
            )
            .hint("turn the connection log off, use a longer sample_interval, or raise [limits] max_output_mb (or pass --allow-large)"),
        );
    }
    out
}

/// Points each budget diagnostic at the field it is about in the file (`sample_interval`, the
/// populations, `[output]`; else `duration`), when the text parses: `file:line:col` then names
/// the line to change rather than the top of the file.
pub fn locate(diags: &mut [Diagnostic], source: &Source) {
    let Ok(tree) = super::parse_tree(&source.name, &source.text) else {
        return;
    };
    for d in diags.iter_mut() {
        let keys: &[&str] = match d.path.as_str() {
            "sample_interval" => &["sample_interval", "duration"],
            "population" => &["population", "duration"],
            "output" => &["output", "duration"],
            _ => &["duration"],
        };
        if let Some(n) = keys
            .iter()
            .filter_map(|k| tree.get(k))
            .find(|n| n.span.end > n.span.start)
        {
            d.span = n.span.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "b"
duration = "1d"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["active-directory"]
vpc_id = "vpc-main"

[[vpc]]
id = "vpc-main"
cidr_blocks = ["172.31.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-main"
cidr_block = "172.31.0.0/20"
availability_zone = "us-east-1a"

[[association]]
subnet_id = "subnet-a"

[[population]]
name = "staff"
users = 600
workday = { start = "09:00", length = "8h", days = "all" }
retry = { initial = "5s", multiplier = 2.0, max = "1m", jitter = 0.0, give_up_after = 3 }
"#;

    fn load(text: &str) -> Scenario {
        crate::scenario::load_str("b.toml", text).unwrap().scenario
    }

    #[test]
    fn estimates_worked_out_by_hand() {
        let e = estimate(&load(BASE), false);
        // 600 users × 1 day, doubled for up to three retries: 1,200 attempts.
        assert_eq!(e.attempts, 1_200.0);
        // 288 five-minute samples in a day; the five-minute metric periods are merged from them.
        assert_eq!(e.sample_rows, 288.0);
        assert_eq!(e.events, 3.0 * 1_200.0 + 288.0);
        // Held: twice the 25 rows that can touch a two-hour window; no events.
        assert_eq!(e.held_rows, 50.0);
        // 600 records of 200 bytes and 50 rows of 328 bytes (one association).
        assert_eq!(e.memory_bytes, 600.0 * 200.0 + 50.0 * 328.0);
        // The row estimate covers a sample row and two minimal heap blocks.
        assert!(ROW_BYTES >= (std::mem::size_of::<crate::sim::Sample>() + 2 * 32) as f64);
        // 288 + 288 rows written × 26 columns × 12 bytes; with the log, 1.5 lines per attempt of 620 bytes.
        assert_eq!(e.output_bytes, 576.0 * 26.0 * 12.0);
        let with_log = estimate(&load(BASE), true);
        assert_eq!(
            with_log.output_bytes - e.output_bytes,
            1_200.0 * 1.5 * 620.0
        );
        assert!(check(&load(BASE), true).is_empty());
    }

    #[test]
    fn poisson_arrivals_follow_the_profile() {
        // 600 an hour for 8 h of each 24 h, 0 otherwise, over 3 days: 14,400 arrivals.
        let text = BASE.replace("duration = \"1d\"", "duration = \"3d\"").replace(
            "users = 600\nworkday = { start = \"09:00\", length = \"8h\", days = \"all\" }",
            "arrivals = { profile = [{ at = \"00:00\", per_hour = 0 }, { at = \"08:00\", per_hour = 600 }, { at = \"16:00\", per_hour = 0 }], repeat = \"1d\", session = \"1h\" }",
        );
        let e = estimate(&load(&text), false);
        assert_eq!(e.attempts, 14_400.0 * 2.0);
    }

    #[test]
    fn figures_far_beyond_a_laptop_are_refused_and_located() {
        let text = BASE.replace(
            "duration = \"1d\"",
            "duration = \"7d\"\nsample_interval = \"1ms\"",
        );
        let mut over = check(&load(&text), false);
        let rules: Vec<&str> = over.iter().map(|d| d.rule.id()).collect();
        assert!(rules.contains(&"budget-sample-rows"), "{rules:?}");
        locate(&mut over, &Source::new("b.toml", text.clone()));
        let d = over
            .iter()
            .find(|d| d.rule == "budget-sample-rows")
            .unwrap();
        assert_eq!(&text[d.span.clone()], "\"1ms\"");
        // Raised in [limits], the same scenario is accepted.
        let raised = format!(
            "{text}\n[limits]\nmax_sample_rows = 1000000000\nmax_memory_mb = 1000000\nmax_output_mb = 1000000\n"
        );
        let sc = load(&raised);
        assert!(check(&sc, false).is_empty());
        // Raised budgets survive the canonical TOML (and so the fingerprint tells them apart).
        let again = load(&crate::scenario::write::to_toml(&sc));
        assert_eq!(again.limits.budget, sc.limits.budget);
        assert_eq!(again.limits.budget.sample_rows, 1_000_000_000);
    }
}
