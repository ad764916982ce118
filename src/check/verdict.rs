//! Evaluating expectations against what runs measured, and the two renderings of the outcome:
//! a concise text report and JUnit XML for CI systems.

use super::expect::Expectations;
use crate::model::{Millis, SECOND};

/// What one replica of a run measured, as far as the expectations need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observation {
    pub replica: u32,
    pub blocking_probability: f64,
    /// Failed attempts by reason name.
    pub refusals: Vec<(String, u64)>,
    pub peak_addresses_used: u64,
    pub usable_addresses: u64,
    pub below_floor_minutes: f64,
    /// Static reachability gaps: (population, network, failing associations, reason).
    pub gaps: Vec<Gap>,
    /// The status word of each (population, network) pair without a gap: `reachable`, or
    /// `bypasses-vpn` when some of it is reached without the tunnel.
    pub statuses: Vec<(String, String, String)>,
    /// What each Availability Zone lost for good measured.
    pub az_loss: Vec<ZoneLoss>,
    /// (within, share of episodes not connected within it), for every threshold asserted on.
    pub share_not_within: Vec<(Millis, f64)>,
    /// 99th percentile of the episodes' time to connect, seconds (infinite: fewer than 99 % of
    /// the episodes connected; 0 without episodes).
    pub time_to_connect_p99_s: f64,
    /// The worst over events of the time until 99 % of its dropped users were back, seconds
    /// (infinite: never; `None`: no event dropped anyone).
    pub reconnect_p99_s: Option<f64>,
    /// The worst over events of the time until all its dropped users were back, as above.
    pub recovery_s: Option<f64>,
    pub cost_per_month: f64,
}

/// A run with one Availability Zone lost for good (`[survive_az_loss]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZoneLoss {
    pub zone: String,
    pub attempt_failure_rate: f64,
    /// (within, share of the run's episodes not connected within it).
    pub share_not_within: Vec<(Millis, f64)>,
    /// The worst over the events from the loss on of the time until 95 %, 99 % and all of its
    /// dropped users were back, seconds (infinite: never; `None`: no such event dropped anyone).
    pub reconnect_p95_s: Option<f64>,
    pub reconnect_p99_s: Option<f64>,
    pub recovery_s: Option<f64>,
}

impl ZoneLoss {
    /// What the run `s`, with `zone` lost at `at`, measured.
    pub fn of(zone: &str, at: Millis, s: &crate::sim::Summary) -> ZoneLoss {
        let worst = |f: fn(&crate::sim::outcomes::RecoverySummary) -> Option<f64>| {
            s.recovery
                .iter()
                .filter(|r| r.at_ms >= at)
                .map(|r| f(r).unwrap_or(f64::INFINITY))
                .reduce(f64::max)
        };
        ZoneLoss {
            zone: zone.to_string(),
            attempt_failure_rate: s.attempt_failure_rate,
            share_not_within: s
                .outcomes
                .not_connected_within
                .iter()
                .map(|n| (libm::round(n.within_s * 1000.0) as Millis, n.share))
                .collect(),
            reconnect_p95_s: worst(|r| r.time_to_95_percent_back_s),
            reconnect_p99_s: worst(|r| r.time_to_99_percent_back_s),
            recovery_s: worst(|r| r.time_to_all_back_s),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub population: String,
    pub network: String,
    pub associations: Vec<String>,
    pub reason: String,
    /// Share of the population's client-time on the failing associations.
    pub client_time_share: f64,
    /// Share of the network's addresses lost, weighted by client time.
    pub address_share: f64,
}

/// One assertion's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub name: String,
    pub passed: bool,
    pub expected: String,
    pub measured: String,
    /// The replica whose figure is the one measured (the worst), when one replica decides it.
    pub replica: Option<u32>,
    /// The Availability Zone lost in the run measured (`[survive_az_loss]`).
    pub zone_lost: Option<String>,
}

/// How to run a failed case again, for the failure message.
#[derive(Debug, Clone, PartialEq)]
pub struct Reproduce {
    /// The scenario file as the check was given it.
    pub scenario: String,
    pub seed: u64,
    /// When `[survive_az_loss]` loses a zone: the time it is lost in the run (clipped to the run).
    pub zone_loss_at: Option<Millis>,
}

impl Reproduce {
    /// The command that runs `replica` again; for a run with `zone` lost, with the event the check
    /// added to the scenario.
    pub fn command(&self, replica: u32, zone: Option<&str>) -> String {
        let run = format!(
            "cvpnsim run {} --seed {} --replica {replica}",
            self.scenario, self.seed
        );
        match (zone, self.zone_loss_at) {
            (Some(z), Some(at)) => format!(
                "{run} with this event added to the scenario: [[event]] at = \"{}\" az_outage = {{ availability_zone = \"{z}\" }}",
                crate::scenario::duration::format(at)
            ),
            _ => run,
        }
    }
}

/// The largest `f` over the runs and the replica that has it (the first on ties).
fn worst_run(runs: &[Observation], f: &dyn Fn(&Observation) -> f64) -> (f64, Option<u32>) {
    let mut best: (f64, Option<u32>) = (f64::NEG_INFINITY, None);
    for o in runs {
        let v = f(o);
        if best.1.is_none() || v > best.0 {
            best = (v, Some(o.replica));
        }
    }
    best
}

/// A wait in seconds as the outputs write it: `42.5 s`, `3.2 min`, or `never`.
fn wait(s: f64) -> String {
    if s.is_infinite() {
        "never".to_string()
    } else if s < 120.0 {
        format!("{s:.1} s")
    } else {
        format!("{:.1} min", s / 60.0)
    }
}

fn wait_ms(ms: Millis) -> String {
    wait(ms as f64 / SECOND as f64)
}

fn pct(x: f64) -> String {
    format!("{:.4} %", x * 100.0)
}

/// Evaluates every assertion on every replica; an assertion passes only if it holds in all.
pub fn evaluate(e: &Expectations, runs: &[Observation]) -> Vec<Outcome> {
    let mut out = Vec::new();
    users(e, runs, &mut out);
    capacity(e, runs, &mut out);
    reachability(e, runs, &mut out);
    zone_loss(e, runs, &mut out);
    out
}

/// The user-level assertions: waits, time to connect, reconnection and recovery after events.
fn users(e: &Expectations, runs: &[Observation], out: &mut Vec<Outcome>) {
    for &(within, max) in &e.max_share_not_connected_within {
        let (m, replica) = worst_run(runs, &|o| {
            o.share_not_within
                .iter()
                .find(|x| x.0 == within)
                .map_or(f64::INFINITY, |x| x.1)
        });
        out.push(Outcome {
            name: format!(
                "max_share_not_connected_within.{}",
                crate::study::stats::short_duration(within)
            ),
            passed: m <= max,
            expected: format!(
                "≤ {} of users not connected within {}",
                pct(max),
                wait_ms(within)
            ),
            measured: pct(m),
            replica,
            zone_lost: None,
        });
    }
    if let Some(max) = e.max_time_to_connect_p99 {
        let (m, replica) = worst_run(runs, &|o| o.time_to_connect_p99_s);
        out.push(Outcome {
            name: "max_time_to_connect_p99".into(),
            passed: m <= max as f64 / SECOND as f64,
            expected: format!("≤ {}", wait_ms(max)),
            measured: wait(m),
            replica,
            zone_lost: None,
        });
    }
    let events = |f: fn(&Observation) -> Option<f64>| {
        let (m, replica) = worst_run(runs, &|o| f(o).unwrap_or(f64::NEG_INFINITY));
        (m > f64::NEG_INFINITY).then_some((m, replica))
    };
    for (name, max, got, what) in [
        (
            "max_reconnect_p99",
            e.max_reconnect_p99,
            events(|o| o.reconnect_p99_s),
            "until 99 % of the users an event dropped are back",
        ),
        (
            "max_recovery_time",
            e.max_recovery_time,
            events(|o| o.recovery_s),
            "until every user an event dropped is back",
        ),
    ] {
        let Some(max) = max else { continue };
        let (measured, passed, replica) = match got {
            None => ("no event dropped a connection".to_string(), true, None),
            Some((m, r)) => (wait(m), m <= max as f64 / SECOND as f64, r),
        };
        out.push(Outcome {
            name: name.into(),
            passed,
            expected: format!("≤ {} {what}", wait_ms(max)),
            measured,
            replica,
            zone_lost: None,
        });
    }
}

/// Cost, the attempt failure rate, refusals by reason, address headroom, bandwidth below the floor.
fn capacity(e: &Expectations, runs: &[Observation], out: &mut Vec<Outcome>) {
    if let Some(max) = e.max_cost_per_month {
        let (m, replica) = worst_run(runs, &|o| o.cost_per_month);
        out.push(Outcome {
            name: "max_cost_per_month".into(),
            passed: m <= max,
            expected: format!("≤ {}", crate::cost::money(max)),
            measured: crate::cost::money(m),
            replica,
            zone_lost: None,
        });
    }
    if let Some(max) = e.max_blocking_probability {
        let (m, replica) = worst_run(runs, &|o| o.blocking_probability);
        let name = if e.attempt_rate_key.is_empty() {
            "max_attempt_failure_rate"
        } else {
            e.attempt_rate_key
        };
        out.push(Outcome {
            name: name.into(),
            passed: m <= max,
            expected: format!("≤ {}", pct(max)),
            measured: pct(m),
            replica,
            zone_lost: None,
        });
    }
    for (reason, max) in &e.max_refusals {
        let (m, replica) = worst_run(runs, &|o| {
            o.refusals
                .iter()
                .find(|r| &r.0 == reason)
                .map_or(0, |r| r.1) as f64
        });
        let m = m.max(0.0) as u64;
        out.push(Outcome {
            name: format!("max_refusals.{reason}"),
            passed: m <= *max,
            expected: format!("≤ {max}"),
            measured: m.to_string(),
            replica,
            zone_lost: None,
        });
    }
    if let Some(min) = e.min_address_headroom {
        let headroom = |o: &Observation| {
            if o.usable_addresses == 0 {
                0.0
            } else {
                1.0 - o.peak_addresses_used as f64 / o.usable_addresses as f64
            }
        };
        let (m, replica) = worst_run(runs, &|o| -headroom(o));
        let m = if m.is_finite() { -m } else { 0.0 };
        out.push(Outcome {
            name: "min_address_headroom".into(),
            passed: m >= min,
            expected: format!("≥ {:.1} % free at peak", min * 100.0),
            measured: format!("{:.1} % free at peak", m * 100.0),
            replica,
            zone_lost: None,
        });
    }
    if let Some(max) = e.max_below_floor_minutes {
        let (m, replica) = worst_run(runs, &|o| o.below_floor_minutes);
        out.push(Outcome {
            name: "max_below_floor_minutes".into(),
            passed: m <= max,
            expected: format!("≤ {max}"),
            measured: format!("{m:.1}"),
            replica,
            zone_lost: None,
        });
    }
}

/// Reachability: pairs that must have no gap, and gaps accepted within bounds.
fn reachability(e: &Expectations, runs: &[Observation], out: &mut Vec<Outcome>) {
    for (pop, net) in &e.reachable {
        let gaps: Vec<&Gap> = runs
            .iter()
            .flat_map(|o| o.gaps.iter())
            .filter(|g| &g.population == pop && &g.network == net)
            .collect();
        let status = runs
            .iter()
            .flat_map(|o| o.statuses.iter())
            .find(|(p, n, _)| p == pop && n == net)
            .map_or("reachable", |s| s.2.as_str());
        let measured = match gaps.first() {
            None => format!("{status} from every association"),
            Some(g) => format!(
                "{} from {} ({:.1} % of client-time)",
                g.reason,
                g.associations.join(", "),
                gaps.iter().map(|g| g.client_time_share).fold(0.0, f64::max) * 100.0
            ),
        };
        out.push(Outcome {
            name: format!("reachable.{pop}.{net}"),
            passed: gaps.is_empty(),
            expected: "no gap".into(),
            measured,
            replica: None,
            zone_lost: None,
        });
    }
    for a in &e.accepted_gaps {
        let gaps: Vec<&Gap> = runs
            .iter()
            .flat_map(|o| o.gaps.iter())
            .filter(|g| g.population == a.population && g.network == a.network)
            .collect();
        let worst = |f: fn(&Gap) -> f64| gaps.iter().map(|g| f(g)).fold(0.0, f64::max);
        let (addr, time) = (worst(|g| g.address_share), worst(|g| g.client_time_share));
        let other = gaps.iter().find(|g| g.reason != a.reason);
        let measured = match (gaps.first(), other) {
            (None, _) => "no gap".to_string(),
            (_, Some(g)) => format!("{} from {}", g.reason, g.associations.join(", ")),
            (Some(g), None) => format!(
                "{} from {}: {:.4} % of the addresses, {:.1} % of client-time",
                g.reason,
                g.associations.join(", "),
                addr * 100.0,
                time * 100.0
            ),
        };
        let mut expected = a.reason.clone();
        if let Some(m) = a.max_address_share {
            expected.push_str(&format!(", ≤ {:.4} % of the addresses", m * 100.0));
        }
        if let Some(m) = a.max_client_time_share {
            expected.push_str(&format!(", ≤ {:.1} % of client-time", m * 100.0));
        }
        out.push(Outcome {
            name: format!("accepted_gap.{}.{}", a.population, a.network),
            passed: other.is_none()
                && a.max_address_share.is_none_or(|m| addr <= m)
                && a.max_client_time_share.is_none_or(|m| time <= m),
            expected: format!("no gap, or at most {expected}"),
            measured,
            replica: None,
            zone_lost: None,
        });
    }
}

/// Survival of each Availability Zone lost: the worst attempt failure rate over the replicas.
fn zone_loss(e: &Expectations, runs: &[Observation], out: &mut Vec<Outcome>) {
    if let Some(az) = &e.survive_az_loss {
        let mut zones: Vec<&str> = Vec::new();
        for o in runs {
            for z in &o.az_loss {
                if !zones.contains(&z.zone.as_str()) {
                    zones.push(&z.zone);
                }
            }
        }
        for z in zones {
            // The worst replica's figure for this zone.
            let of = |f: &dyn Fn(&ZoneLoss) -> f64| {
                worst_run(runs, &|o| {
                    o.az_loss
                        .iter()
                        .find(|x| x.zone == z)
                        .map_or(f64::NEG_INFINITY, f)
                })
            };
            if let Some(max) = az.max_blocking_probability {
                let (m, replica) = of(&|x| x.attempt_failure_rate);
                out.push(Outcome {
                    name: format!("survive_az_loss.{z}"),
                    passed: m <= max,
                    expected: format!("attempt failure rate ≤ {}", pct(max)),
                    measured: format!("attempt failure rate {}", pct(m)),
                    replica,
                    zone_lost: Some(z.to_string()),
                });
            }
            for &(within, max) in &az.max_share_not_connected_within {
                let (m, replica) = of(&|x| {
                    x.share_not_within
                        .iter()
                        .find(|s| s.0 == within)
                        .map_or(f64::INFINITY, |s| s.1)
                });
                out.push(Outcome {
                    name: format!(
                        "survive_az_loss.{z}.max_share_not_connected_within.{}",
                        crate::study::stats::short_duration(within)
                    ),
                    passed: m <= max,
                    expected: format!(
                        "≤ {} of users not connected within {}",
                        pct(max),
                        wait_ms(within)
                    ),
                    measured: pct(m),
                    replica,
                    zone_lost: Some(z.to_string()),
                });
            }
            for (key, max, f, what) in [
                (
                    "max_reconnect_p95",
                    az.max_reconnect_p95,
                    (|x: &ZoneLoss| x.reconnect_p95_s) as fn(&ZoneLoss) -> Option<f64>,
                    "until 95 % of the users an event from the loss on dropped are back",
                ),
                (
                    "max_reconnect_p99",
                    az.max_reconnect_p99,
                    |x: &ZoneLoss| x.reconnect_p99_s,
                    "until 99 % of the users an event from the loss on dropped are back",
                ),
                (
                    "max_recovery_time",
                    az.max_recovery_time,
                    |x: &ZoneLoss| x.recovery_s,
                    "until every user an event from the loss on dropped is back",
                ),
            ] {
                let Some(max) = max else { continue };
                let (m, replica) = of(&|x| f(x).unwrap_or(f64::NEG_INFINITY));
                let (measured, passed, replica) = if m == f64::NEG_INFINITY {
                    ("no event dropped a connection".to_string(), true, None)
                } else {
                    (wait(m), m <= max as f64 / SECOND as f64, replica)
                };
                out.push(Outcome {
                    name: format!("survive_az_loss.{z}.{key}"),
                    passed,
                    expected: format!("≤ {} {what}", wait_ms(max)),
                    measured,
                    replica,
                    zone_lost: Some(z.to_string()),
                });
            }
        }
    }
}

/// `PASS`/`FAIL` lines, failures first, and a tally; under each failure, the command that runs
/// the replica that failed again.
pub fn text(outcomes: &[Outcome], reproduce: &Reproduce) -> String {
    let mut s = String::new();
    let mut sorted: Vec<&Outcome> = outcomes.iter().collect();
    sorted.sort_by_key(|o| o.passed);
    for o in sorted {
        s.push_str(&format!(
            "{} {}: measured {}, expected {}\n",
            if o.passed { "PASS" } else { "FAIL" },
            o.name,
            o.measured,
            o.expected
        ));
        if !o.passed {
            s.push_str(&format!(
                "  reproduce: {}\n",
                reproduce.command(o.replica.unwrap_or(0), o.zone_lost.as_deref())
            ));
        }
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    s.push_str(&format!(
        "{} passed, {} failed\n",
        outcomes.len() - failed,
        failed
    ));
    s
}

use crate::markup::escape as xml_escape;

/// JUnit XML: one test case per assertion, with the measured value and the replica that
/// measured it as properties; a failure's message says how to run that replica again.
pub fn junit(suite: &str, outcomes: &[Outcome], reproduce: &Reproduce) -> String {
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"cvpnsim check\" tests=\"{}\" failures=\"{failed}\">\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">\n",
        outcomes.len(),
        xml_escape(suite),
        outcomes.len()
    ));
    for o in outcomes {
        s.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\">\n      <properties>\n        <property name=\"measured\" value=\"{}\"/>\n        <property name=\"expected\" value=\"{}\"/>\n",
            xml_escape(suite),
            xml_escape(&o.name),
            xml_escape(&o.measured),
            xml_escape(&o.expected)
        ));
        if let Some(r) = o.replica {
            s.push_str(&format!(
                "        <property name=\"replica\" value=\"{r}\"/>\n"
            ));
        }
        s.push_str("      </properties>\n");
        if !o.passed {
            let again = format!(
                "; reproduce: {}",
                reproduce.command(o.replica.unwrap_or(0), o.zone_lost.as_deref())
            );
            let replica = o
                .replica
                .map_or(String::new(), |r| format!(" in replica {r}"));
            s.push_str(&format!(
                "      <failure message=\"measured {}{replica}, expected {}{}\"/>\n",
                xml_escape(&o.measured),
                xml_escape(&o.expected),
                xml_escape(&again)
            ));
        }
        s.push_str("    </testcase>\n");
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::super::expect::{AcceptedGap, AzLoss};
    use super::*;

    fn obs() -> Observation {
        Observation {
            replica: 0,
            blocking_probability: 0.002,
            refusals: vec![("association-at-capacity".into(), 5)],
            peak_addresses_used: 6000,
            usable_addresses: 8192,
            below_floor_minutes: 12.0,
            gaps: vec![Gap {
                population: "eng".into(),
                network: "on-prem".into(),
                associations: vec!["subnet-b".into()],
                reason: "no-route-on-landing-subnet".into(),
                client_time_share: 0.5,
                address_share: 0.25,
            }],
            az_loss: vec![
                ZoneLoss {
                    zone: "us-east-1a".into(),
                    attempt_failure_rate: 0.2,
                    share_not_within: vec![(5 * crate::model::MINUTE, 0.05)],
                    reconnect_p95_s: Some(100.0),
                    reconnect_p99_s: Some(200.0),
                    recovery_s: Some(f64::INFINITY),
                },
                ZoneLoss {
                    zone: "us-east-1b".into(),
                    share_not_within: vec![(5 * crate::model::MINUTE, 0.0)],
                    ..ZoneLoss::default()
                },
            ],
            statuses: vec![("eng".into(), "vpc".into(), "reachable".into())],
            share_not_within: vec![(5 * crate::model::MINUTE, 0.01)],
            time_to_connect_p99_s: 40.0,
            reconnect_p99_s: Some(150.0),
            recovery_s: Some(f64::INFINITY),
            cost_per_month: 1200.0,
        }
    }

    fn again() -> Reproduce {
        Reproduce {
            scenario: "scenarios/x.toml".into(),
            seed: 42,
            zone_loss_at: Some(3_600_000),
        }
    }

    #[test]
    fn a_failed_zone_loss_says_how_to_run_the_zone_loss_again() {
        let r = again();
        assert_eq!(
            r.command(2, Some("us-east-1a")),
            "cvpnsim run scenarios/x.toml --seed 42 --replica 2 with this event added to the scenario: [[event]] at = \"1h\" az_outage = { availability_zone = \"us-east-1a\" }"
        );
        assert_eq!(
            r.command(2, None),
            "cvpnsim run scenarios/x.toml --seed 42 --replica 2"
        );
        let failed = Outcome {
            name: "survive_az_loss.us-east-1a.max_recovery_time".into(),
            passed: false,
            expected: "≤ 5.0 min".into(),
            measured: "7.0 min".into(),
            replica: Some(2),
            zone_lost: Some("us-east-1a".into()),
        };
        let t = text(std::slice::from_ref(&failed), &r);
        assert!(t.contains("  reproduce: cvpnsim run scenarios/x.toml --seed 42 --replica 2 with this event added to the scenario: [[event]] at = \"1h\""), "{t}");
        let j = junit("x", &[failed], &r);
        assert!(
            j.contains("availability_zone = &quot;us-east-1a&quot;"),
            "{j}"
        );
    }

    #[test]
    fn each_assertion_passes_and_fails_on_its_threshold() {
        let o = obs();
        let pass = Expectations {
            max_share_not_connected_within: vec![(5 * crate::model::MINUTE, 0.01)],
            max_time_to_connect_p99: Some(40 * SECOND),
            max_reconnect_p99: Some(150 * SECOND),
            max_cost_per_month: Some(1200.0),
            max_blocking_probability: Some(0.002),
            min_address_headroom: Some(0.25),
            max_below_floor_minutes: Some(12.0),
            max_refusals: vec![("association-at-capacity".into(), 5)],
            reachable: vec![("eng".into(), "vpc".into())],
            accepted_gaps: vec![AcceptedGap {
                population: "eng".into(),
                network: "on-prem".into(),
                reason: "no-route-on-landing-subnet".into(),
                max_address_share: Some(0.25),
                max_client_time_share: Some(0.5),
            }],
            survive_az_loss: Some(AzLoss {
                at: 0,
                max_blocking_probability: Some(0.2),
                max_share_not_connected_within: vec![(5 * crate::model::MINUTE, 0.05)],
                max_reconnect_p99: Some(200 * SECOND),
                ..AzLoss::default()
            }),
            replicas: 1,
            ..Default::default()
        };
        let r = evaluate(&pass, std::slice::from_ref(&o));
        assert_eq!(r.len(), 16);
        assert!(r.iter().all(|x| x.passed), "{r:#?}");
        let fail = Expectations {
            max_share_not_connected_within: vec![(5 * crate::model::MINUTE, 0.009)],
            max_time_to_connect_p99: Some(39 * SECOND),
            max_reconnect_p99: Some(149 * SECOND),
            max_recovery_time: Some(crate::model::HOUR),
            max_cost_per_month: Some(1199.0),
            max_blocking_probability: Some(0.001),
            min_address_headroom: Some(0.3),
            max_below_floor_minutes: Some(11.9),
            max_refusals: vec![("association-at-capacity".into(), 4)],
            reachable: vec![("eng".into(), "on-prem".into())],
            accepted_gaps: vec![AcceptedGap {
                population: "eng".into(),
                network: "on-prem".into(),
                reason: "no-route-on-landing-subnet".into(),
                max_address_share: Some(0.25),
                max_client_time_share: Some(0.49),
            }],
            survive_az_loss: Some(AzLoss {
                at: 0,
                max_blocking_probability: Some(0.1),
                max_share_not_connected_within: vec![(5 * crate::model::MINUTE, 0.04)],
                max_reconnect_p95: Some(99 * SECOND),
                max_recovery_time: Some(crate::model::HOUR),
                ..AzLoss::default()
            }),
            replicas: 1,
            ..Default::default()
        };
        let r = evaluate(&fail, &[o]);
        let failed: Vec<&str> = r
            .iter()
            .filter(|x| !x.passed)
            .map(|x| x.name.as_str())
            .collect();
        assert_eq!(
            failed,
            [
                "max_share_not_connected_within.5m",
                "max_time_to_connect_p99",
                "max_reconnect_p99",
                "max_recovery_time",
                "max_cost_per_month",
                "max_attempt_failure_rate",
                "max_refusals.association-at-capacity",
                "min_address_headroom",
                "max_below_floor_minutes",
                "reachable.eng.on-prem",
                "accepted_gap.eng.on-prem",
                "survive_az_loss.us-east-1a",
                "survive_az_loss.us-east-1a.max_share_not_connected_within.5m",
                "survive_az_loss.us-east-1a.max_reconnect_p95",
                "survive_az_loss.us-east-1a.max_recovery_time",
            ]
        );
        let t = text(&r, &again());
        assert!(
            t.starts_with(
                "FAIL max_share_not_connected_within.5m: measured 1.0000 %, expected ≤ 0.9000 % of users not connected within 5.0 min\n  reproduce: cvpnsim run scenarios/x.toml --seed 42 --replica 0\n"
            ),
            "{t}"
        );
        assert!(t.contains("FAIL max_recovery_time: measured never, expected ≤ 60.0 min until every user an event dropped is back\n"), "{t}");
        assert!(t.ends_with("4 passed, 15 failed\n"), "{t}");
        assert!(t.contains("PASS survive_az_loss.us-east-1b.max_recovery_time: measured no event dropped a connection"), "{t}");
    }

    #[test]
    fn worst_replica_decides() {
        let mut a = obs();
        a.blocking_probability = 0.0;
        let mut b = obs();
        b.replica = 1;
        let e = Expectations {
            max_blocking_probability: Some(0.001),
            replicas: 2,
            ..Default::default()
        };
        let r = evaluate(&e, &[a, b]);
        assert!(!r[0].passed);
        assert_eq!(r[0].replica, Some(1));
        assert!(text(&r, &again())
            .contains("reproduce: cvpnsim run scenarios/x.toml --seed 42 --replica 1\n"));
    }

    #[test]
    fn junit_is_well_formed() {
        let r = evaluate(
            &Expectations {
                max_blocking_probability: Some(0.001),
                ..Default::default()
            },
            &[obs()],
        );
        let x = junit("a<b", &r, &again());
        assert!(x.contains("tests=\"1\" failures=\"1\""));
        assert!(x.contains("classname=\"a&lt;b\""));
        assert!(
            x.contains("<property name=\"measured\" value=\"0.2000 %\"/>"),
            "{x}"
        );
        assert!(
            x.contains("<property name=\"replica\" value=\"0\"/>"),
            "{x}"
        );
        assert!(x.contains("<failure message=\"measured 0.2000 % in replica 0, expected ≤ 0.1000 %; reproduce: cvpnsim run scenarios/x.toml --seed 42 --replica 0\"/>"), "{x}");
    }
}
