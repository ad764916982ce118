//! The expectations file of `cvpnsim check`: what must hold for a configuration to pass. Read
//! with the same machinery as scenarios, so mistakes get file:line:col, the field and a hint.
//!
//! ```toml
//! max_share_not_connected_within = { within = "5m", share = 0.01 }  # user-level
//! max_time_to_connect_p99 = "1m"       # 99th percentile of episodes' time to connect
//! max_reconnect_p99 = "3m"             # after any event, until 99 % of its dropped users are back
//! max_recovery_time = "10m"            # after any event, until all its dropped users are back
//! max_cost_per_month = 1500            # USD, at the run's rate (see `[pricing]`)
//! max_attempt_failure_rate = 0.05      # failed attempts / finished attempts, retries included
//! min_address_headroom = 0.25          # share of usable client addresses still free at peak
//! max_below_floor_minutes = 0          # connection-minutes below min(demand, 10 Mbps)
//! replicas = 3                         # every replica must pass
//!
//! [max_refusals]                       # by failure reason; unlisted reasons are not limited
//! association-at-capacity = 0
//!
//! [[reachable]]                        # no reachability gap for these pairs
//! population = "engineering"
//! network = "on-prem"
//!
//! [[accepted_gap]]                     # a known gap: passes while it is no worse
//! population = "engineering"
//! network = "on-prem"
//! reason = "lan-overlap"
//! max_address_share = 0.004
//!
//! [survive_az_loss]                    # lose each Availability Zone in turn, for good
//! at = "09:30"
//! max_share_not_connected_within = { within = "5m", share = 0.01 }
//! max_reconnect_p95 = "3m"             # from the loss on, per event: 95 % of its dropped back
//! max_reconnect_p99 = "5m"
//! max_recovery_time = "10m"
//! max_attempt_failure_rate = 0.05
//! ```

use crate::model::Millis;
use crate::scenario::read::{self, join, Cx, Table};
use crate::scenario::{parse_tree, LoadError};
use crate::source::diag::{Diagnostic, Source};
use crate::source::rules::RuleId;
use crate::source::tree::{Node, Value};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expectations {
    /// Maximum failed / finished attempts (`max_attempt_failure_rate`, or its older name
    /// `max_blocking_probability`).
    pub max_blocking_probability: Option<f64>,
    /// The key the file used for it, named so in the outcome.
    pub attempt_rate_key: &'static str,
    /// (within, maximum share of episodes not connected within it).
    pub max_share_not_connected_within: Vec<(Millis, f64)>,
    pub max_time_to_connect_p99: Option<Millis>,
    pub max_reconnect_p99: Option<Millis>,
    pub max_recovery_time: Option<Millis>,
    pub max_cost_per_month: Option<f64>,
    pub min_address_headroom: Option<f64>,
    pub max_below_floor_minutes: Option<f64>,
    /// (reason name, maximum count).
    pub max_refusals: Vec<(String, u64)>,
    /// (population, network) pairs that must have no gap.
    pub reachable: Vec<(String, String)>,
    /// Known gaps a team accepts while they get no worse.
    pub accepted_gaps: Vec<AcceptedGap>,
    pub survive_az_loss: Option<AzLoss>,
    pub replicas: u32,
}

/// A (population, network) gap that passes while every replica's gap for the pair has this
/// reason and stays within the bounds; no gap at all passes too.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedGap {
    pub population: String,
    pub network: String,
    /// A verdict reason (`lan-overlap`, `no-route-on-landing-subnet`, …).
    pub reason: String,
    /// Upper bound on the share of the network's addresses lost (weighted by client time).
    pub max_address_share: Option<f64>,
    /// Upper bound on the share of the population's client time on failing associations.
    pub max_client_time_share: Option<f64>,
}

/// `[survive_az_loss]`: each Availability Zone lost for good at `at`, and what must still hold
/// in that run. The user-level bounds are taken over the events from the loss on (the loss
/// itself and every later event the remaining associations carry).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AzLoss {
    pub at: Millis,
    /// Failed / finished attempts over the whole run (`max_attempt_failure_rate`, or its older
    /// name `max_blocking_probability`).
    pub max_blocking_probability: Option<f64>,
    /// (within, maximum share of the run's episodes not connected within it).
    pub max_share_not_connected_within: Vec<(Millis, f64)>,
    /// Until 95 % of the users an event dropped are back.
    pub max_reconnect_p95: Option<Millis>,
    /// Until 99 % of the users an event dropped are back.
    pub max_reconnect_p99: Option<Millis>,
    /// Until every user an event dropped is back.
    pub max_recovery_time: Option<Millis>,
}

/// Reads an expectations file. `reasons` are the valid failure-reason names.
pub fn parse(name: &str, text: &str, reasons: &[&str]) -> Result<Expectations, LoadError> {
    let source = Source::new(name, text);
    let tree = match parse_tree(name, text) {
        Ok(t) => t,
        Err(d) => {
            return Err(LoadError::Invalid {
                source,
                diagnostics: vec![d],
            })
        }
    };
    let mut cx = Cx::default();
    let e = decode(&tree, reasons, &mut cx);
    let mut diagnostics: Vec<Diagnostic> = cx.diags;
    diagnostics.sort_by_key(|d| (d.span.start, d.severity));
    match e {
        Some(e) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(e),
        _ => Err(LoadError::Invalid {
            source,
            diagnostics,
        }),
    }
}

fn decode(root: &Node, reasons: &[&str], cx: &mut Cx) -> Option<Expectations> {
    let mut t = Table::new(root, "", cx)?;
    let mut e = Expectations {
        replicas: 1,
        ..Expectations::default()
    };
    let mut ok = true;
    let prob = |t: &mut Table, key: &'static str, cx: &mut Cx| -> Option<Option<f64>> {
        match t.opt(key) {
            None => Some(None),
            Some(n) => read::probability(n, key, cx).map(Some),
        }
    };
    e.attempt_rate_key = "max_attempt_failure_rate";
    match prob(&mut t, "max_attempt_failure_rate", cx) {
        Some(v) => e.max_blocking_probability = v,
        None => ok = false,
    }
    if let Some(n) = t.opt("max_blocking_probability") {
        match read::probability(n, "max_blocking_probability", cx) {
            Some(v) if e.max_blocking_probability.is_none() => {
                e.max_blocking_probability = Some(v);
                e.attempt_rate_key = "max_blocking_probability";
            }
            Some(_) => {
                cx.error(
                    RuleId::Value,
                    "max_blocking_probability",
                    n.span.clone(),
                    "`max_blocking_probability` is the older name of `max_attempt_failure_rate`; give one of them",
                    "keep `max_attempt_failure_rate`",
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    let wait = |t: &mut Table, key: &'static str, cx: &mut Cx| -> Option<Option<Millis>> {
        match t.opt(key) {
            None => Some(None),
            Some(n) => read::duration(n, key, cx).map(Some),
        }
    };
    for (key, slot) in [
        ("max_time_to_connect_p99", &mut e.max_time_to_connect_p99),
        ("max_reconnect_p99", &mut e.max_reconnect_p99),
        ("max_recovery_time", &mut e.max_recovery_time),
    ] {
        match wait(&mut t, key, cx) {
            Some(v) => *slot = v,
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("max_cost_per_month") {
        match read::number(n, "max_cost_per_month", 0.0, true, f64::INFINITY, cx) {
            Some(v) => e.max_cost_per_month = Some(v),
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("max_share_not_connected_within") {
        match shares_within(n, "max_share_not_connected_within", cx) {
            Some(v) => e.max_share_not_connected_within = v,
            None => ok = false,
        }
    }
    match prob(&mut t, "min_address_headroom", cx) {
        Some(v) => e.min_address_headroom = v,
        None => ok = false,
    }
    if let Some(n) = t.opt("max_below_floor_minutes") {
        match read::number(n, "max_below_floor_minutes", 0.0, true, f64::INFINITY, cx) {
            Some(v) => e.max_below_floor_minutes = Some(v),
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("replicas") {
        match read::integer(n, "replicas", 1, 10_000, cx) {
            Some(v) => e.replicas = v as u32,
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("max_refusals") {
        match &n.value {
            Value::Table(entries) => {
                for en in entries {
                    let p = join("max_refusals", &en.key);
                    if !reasons.contains(&en.key.as_str()) {
                        let hint = crate::source::suggest::did_you_mean(&en.key, reasons.iter())
                            .unwrap_or_else(|| format!("failure reasons: {}", reasons.join(", ")));
                        cx.error(
                            RuleId::UnknownField,
                            &p,
                            en.key_span.clone(),
                            format!("`{}` is not a failure reason", en.key),
                            hint,
                        );
                        ok = false;
                        continue;
                    }
                    match read::integer(&en.node, &p, 0, i64::MAX, cx) {
                        Some(v) => e.max_refusals.push((en.key.clone(), v as u64)),
                        None => ok = false,
                    }
                }
            }
            _ => {
                cx.error(
                    RuleId::Type,
                    "max_refusals",
                    n.span.clone(),
                    "`max_refusals` must be a table of reason = count",
                    "[max_refusals]\nassociation-at-capacity = 0",
                );
                ok = false;
            }
        }
    }
    if let Some(n) = t.opt("reachable") {
        match read::array(n, "reachable", cx) {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("reachable[{i}]");
                    let Some(mut it) = Table::new(item, &p, cx) else {
                        ok = false;
                        continue;
                    };
                    let pop = it
                        .req(cx, "population", "\"engineering\"")
                        .and_then(|n| read::string(n, &join(&p, "population"), cx));
                    let net = it
                        .req(cx, "network", "\"on-prem\"")
                        .and_then(|n| read::string(n, &join(&p, "network"), cx));
                    it.finish(cx);
                    match (pop, net) {
                        (Some(a), Some(b)) => e.reachable.push((a, b)),
                        _ => ok = false,
                    }
                }
            }
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("accepted_gap") {
        match read::array(n, "accepted_gap", cx) {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    match accepted_gap(item, &format!("accepted_gap[{i}]"), cx) {
                        Some(g) => e.accepted_gaps.push(g),
                        None => ok = false,
                    }
                }
            }
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("survive_az_loss") {
        match az_loss(n, cx) {
            Some(a) => e.survive_az_loss = Some(a),
            None => ok = false,
        }
    }
    t.finish(cx);
    ok.then_some(e)
}

/// `[survive_az_loss]`: `at` and at least one bound.
fn az_loss(n: &Node, cx: &mut Cx) -> Option<AzLoss> {
    let p = "survive_az_loss";
    let mut st = Table::new(n, p, cx)?;
    let mut ok = true;
    let mut a = AzLoss::default();
    match st
        .req(cx, "at", "\"09:30\"")
        .and_then(|n| read::duration(n, &join(p, "at"), cx))
    {
        Some(at) => a.at = at,
        None => ok = false,
    }
    let mut rate_node = None;
    for key in ["max_attempt_failure_rate", "max_blocking_probability"] {
        if let Some(n) = st.opt(key) {
            match read::probability(n, &join(p, key), cx) {
                Some(_) if rate_node.is_some() => {
                    cx.error(
                        RuleId::Value,
                        &join(p, key),
                        n.span.clone(),
                        "`max_blocking_probability` is the older name of `max_attempt_failure_rate`; give one of them",
                        "keep `max_attempt_failure_rate`",
                    );
                    ok = false;
                }
                Some(v) => {
                    a.max_blocking_probability = Some(v);
                    rate_node = Some(n);
                }
                None => ok = false,
            }
        }
    }
    if let Some(n) = st.opt("max_share_not_connected_within") {
        match shares_within(n, &join(p, "max_share_not_connected_within"), cx) {
            Some(v) => a.max_share_not_connected_within = v,
            None => ok = false,
        }
    }
    for (key, slot) in [
        ("max_reconnect_p95", &mut a.max_reconnect_p95),
        ("max_reconnect_p99", &mut a.max_reconnect_p99),
        ("max_recovery_time", &mut a.max_recovery_time),
    ] {
        if let Some(n) = st.opt(key) {
            match read::duration(n, &join(p, key), cx) {
                Some(v) => *slot = Some(v),
                None => ok = false,
            }
        }
    }
    let any = a.max_blocking_probability.is_some()
        || !a.max_share_not_connected_within.is_empty()
        || a.max_reconnect_p95.is_some()
        || a.max_reconnect_p99.is_some()
        || a.max_recovery_time.is_some();
    if ok && !any {
        cx.error(
            RuleId::MissingField,
            p,
            n.span.clone(),
            "`[survive_az_loss]` states no bound to hold with a zone lost",
            "max_share_not_connected_within = { within = \"5m\", share = 0.01 } (or max_reconnect_p99, max_recovery_time, max_attempt_failure_rate)",
        );
        ok = false;
    }
    st.finish(cx);
    ok.then_some(a)
}

/// One `{ within, share }` table or a list of them, at `key`.
fn shares_within(n: &Node, key: &str, cx: &mut Cx) -> Option<Vec<(Millis, f64)>> {
    let items: Vec<(&Node, String)> = match &n.value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, it)| (it, format!("{key}[{i}]")))
            .collect(),
        _ => vec![(n, key.to_string())],
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (item, p) in items {
        match share_within(item, &p, cx) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `{ within = "5m", share = 0.01 }`.
fn share_within(item: &Node, p: &str, cx: &mut Cx) -> Option<(Millis, f64)> {
    let mut it = Table::new(item, p, cx)?;
    let within = it.req(cx, "within", "\"5m\"").and_then(|n| {
        let path = join(p, "within");
        let d = read::duration(n, &path, cx)?;
        if d == 0 {
            cx.error(
                RuleId::Value,
                &path,
                n.span.clone(),
                format!("`{path}` must be longer than 0"),
                "write e.g. within = \"5m\"",
            );
            return None;
        }
        Some(d)
    });
    let share = it
        .req(cx, "share", "0.01")
        .and_then(|n| read::probability(n, &join(p, "share"), cx));
    it.finish(cx);
    Some((within?, share?))
}

fn accepted_gap(item: &Node, p: &str, cx: &mut Cx) -> Option<AcceptedGap> {
    let mut it = Table::new(item, p, cx)?;
    let pop = it
        .req(cx, "population", "\"engineering\"")
        .and_then(|n| read::string(n, &join(p, "population"), cx));
    let net = it
        .req(cx, "network", "\"on-prem\"")
        .and_then(|n| read::string(n, &join(p, "network"), cx));
    let reason = it.req(cx, "reason", "\"lan-overlap\"").and_then(|n| {
        let path = join(p, "reason");
        let r = read::string(n, &path, cx)?;
        if crate::net::Outcome::from_name(&r).is_some_and(|o| o.is_gap()) {
            Some(r)
        } else {
            let words: Vec<&str> = crate::net::Outcome::ALL
                .iter()
                .filter(|o| o.is_gap())
                .map(|o| o.name())
                .collect();
            cx.error(
                RuleId::Value,
                &path,
                n.span.clone(),
                format!("`{r}` is not a reason for a gap"),
                format!("one of: {}", words.join(", ")),
            );
            None
        }
    });
    let max_address_share = it.opt("max_address_share").map_or(Some(None), |n| {
        read::probability(n, &join(p, "max_address_share"), cx).map(Some)
    });
    let max_client_time_share = it.opt("max_client_time_share").map_or(Some(None), |n| {
        read::probability(n, &join(p, "max_client_time_share"), cx).map(Some)
    });
    it.finish(cx);
    Some(AcceptedGap {
        population: pop?,
        network: net?,
        reason: reason?,
        max_address_share: max_address_share?,
        max_client_time_share: max_client_time_share?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REASONS: &[&str] = &["association-at-capacity", "client-cidr-exhausted"];

    #[test]
    fn reads_every_assertion() {
        let e = parse(
            "e.toml",
            r#"
max_blocking_probability = 0.001
min_address_headroom = 0.25
max_below_floor_minutes = 0
replicas = 2
[max_refusals]
association-at-capacity = 0
[[reachable]]
population = "engineering"
network = "on-prem"
[survive_az_loss]
at = "09:30"
max_blocking_probability = 0.01
"#,
            REASONS,
        )
        .unwrap();
        assert_eq!(e.max_blocking_probability, Some(0.001));
        assert_eq!(e.min_address_headroom, Some(0.25));
        assert_eq!(e.max_below_floor_minutes, Some(0.0));
        assert_eq!(e.replicas, 2);
        assert_eq!(
            e.max_refusals,
            vec![("association-at-capacity".to_string(), 0)]
        );
        assert_eq!(
            e.reachable,
            vec![("engineering".to_string(), "on-prem".to_string())]
        );
        assert_eq!(
            e.survive_az_loss,
            Some(AzLoss {
                at: 9 * crate::model::HOUR + 30 * crate::model::MINUTE,
                max_blocking_probability: Some(0.01),
                ..AzLoss::default()
            })
        );
    }

    #[test]
    fn mistakes_are_located_and_explained() {
        let err = parse(
            "e.toml",
            "max_blocking_probabilty = 0.1\n[max_refusals]\nassociation-at-capacit = 0\n",
            REASONS,
        )
        .unwrap_err();
        let d = err.diagnostics();
        assert_eq!(d.len(), 2);
        assert!(d[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("max_blocking_probability"));
        assert!(d[1]
            .hint
            .as_deref()
            .unwrap()
            .contains("association-at-capacity"));
        assert!(err.to_string().contains("e.toml:3:1"), "{err}");
    }
}
