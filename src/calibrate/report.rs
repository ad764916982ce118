//! The fit report: what was found, each fit's candidates and quantiles, and the notes.

use super::{Calibration, Fit, DAY_S};

use super::population::dist_value;
use super::sessions::Chain;
use super::stats::{dist_quantiles, quantile, round_dist, round_ms};
use crate::dist::Dist;
use crate::import::logs::Connection;
use crate::model::{Arrivals, Millis, Weekday, DAY};
use crate::scenario::duration;
use std::collections::BTreeSet;
use std::fmt::Write as _;

pub(super) const QS: [f64; 8] = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

pub(super) fn hms(ms: f64) -> String {
    if !ms.is_finite() {
        return "—".into();
    }
    duration::format(round_ms(ms.max(0.0)) as Millis)
}

pub(super) fn dist_text(d: &Dist, as_duration: bool) -> String {
    if as_duration {
        dist_value(&round_dist(d.clone()), true).to_string()
    } else {
        dist_value(d, false).to_string()
    }
}

pub(super) fn report(
    c: &Calibration,
    conns: &[Connection],
    chains: &[Chain],
    d0: i64,
    d1: i64,
) -> String {
    let mut r = String::new();
    let users: BTreeSet<&str> = conns.iter().filter_map(|x| x.user.as_deref()).collect();
    let _ = writeln!(r, "# Calibration report\n");
    let _ = writeln!(
        r,
        "Logs: {} connection attempts by {} users, {} work sessions, {} to {} ({} days).\n",
        conns.len(),
        users.len(),
        chains.len(),
        crate::timefmt::unix(d0 * DAY_S),
        crate::timefmt::unix(d1 * DAY_S),
        d1 - d0
    );
    arrivals(&mut r, c);
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

/// The arrivals section: the model and why, the rates or the workday fit.
fn arrivals(r: &mut String, c: &Calibration) {
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
                fit_table(r, "Start of day", s);
            }
        }
    }
}

pub(super) fn fit_table(r: &mut String, title: &str, f: &Fit) {
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
