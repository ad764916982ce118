//! The fitted population as a scenario's `[[population]]` section, and a scenario with it.

use super::Calibration;

use crate::dist::Dist;
use crate::model::{Arrivals, DaySet, Millis, Scenario, Weekday, DAY};
use crate::scenario::duration;
use std::fmt::Write as _;
use toml_edit::{InlineTable, Value};

/// A distribution as a scenario value (durations as human strings, weights to three decimals).
pub fn dist_value(d: &Dist, as_duration: bool) -> Value {
    crate::scenario::write::dist_value(d, as_duration, true)
}

pub(super) fn days_text(d: DaySet) -> String {
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

pub(super) fn round_rate(x: f64) -> f64 {
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
