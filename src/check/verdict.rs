//! Evaluating expectations against what runs measured, and the two renderings of the outcome:
//! a concise text report and JUnit XML for CI systems.

use super::expect::Expectations;

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
    /// Blocking probability with each Availability Zone lost: (zone, blocking).
    pub az_loss: Vec<(String, f64)>,
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
}

fn pct(x: f64) -> String {
    format!("{:.4} %", x * 100.0)
}

/// Evaluates every assertion on every replica; an assertion passes only if it holds in all.
pub fn evaluate(e: &Expectations, runs: &[Observation]) -> Vec<Outcome> {
    let mut out = Vec::new();
    let worst =
        |f: &dyn Fn(&Observation) -> f64| runs.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
    if let Some(max) = e.max_blocking_probability {
        let m = worst(&|o| o.blocking_probability);
        out.push(Outcome {
            name: "max_blocking_probability".into(),
            passed: m <= max,
            expected: format!("≤ {}", pct(max)),
            measured: pct(m),
        });
    }
    for (reason, max) in &e.max_refusals {
        let m = runs
            .iter()
            .map(|o| {
                o.refusals
                    .iter()
                    .find(|r| &r.0 == reason)
                    .map_or(0, |r| r.1)
            })
            .max()
            .unwrap_or(0);
        out.push(Outcome {
            name: format!("max_refusals.{reason}"),
            passed: m <= *max,
            expected: format!("≤ {max}"),
            measured: m.to_string(),
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
        let m = runs.iter().map(headroom).fold(f64::INFINITY, f64::min);
        let m = if m.is_finite() { m } else { 0.0 };
        out.push(Outcome {
            name: "min_address_headroom".into(),
            passed: m >= min,
            expected: format!("≥ {:.1} % free at peak", min * 100.0),
            measured: format!("{:.1} % free at peak", m * 100.0),
        });
    }
    if let Some(max) = e.max_below_floor_minutes {
        let m = worst(&|o| o.below_floor_minutes);
        out.push(Outcome {
            name: "max_below_floor_minutes".into(),
            passed: m <= max,
            expected: format!("≤ {max}"),
            measured: format!("{m:.1}"),
        });
    }
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
        });
    }
    if let Some(az) = &e.survive_az_loss {
        let mut zones: Vec<(String, f64)> = Vec::new();
        for o in runs {
            for (z, b) in &o.az_loss {
                match zones.iter_mut().find(|x| &x.0 == z) {
                    Some(x) => x.1 = x.1.max(*b),
                    None => zones.push((z.clone(), *b)),
                }
            }
        }
        for (z, b) in zones {
            out.push(Outcome {
                name: format!("survive_az_loss.{z}"),
                passed: b <= az.max_blocking_probability,
                expected: format!("blocking ≤ {}", pct(az.max_blocking_probability)),
                measured: format!("blocking {}", pct(b)),
            });
        }
    }
    out
}

/// `PASS`/`FAIL` lines, failures first, and a tally.
pub fn text(outcomes: &[Outcome]) -> String {
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
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    s.push_str(&format!(
        "{} passed, {} failed\n",
        outcomes.len() - failed,
        failed
    ));
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test case per assertion.
pub fn junit(suite: &str, outcomes: &[Outcome]) -> String {
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"cvpnsim check\" tests=\"{}\" failures=\"{failed}\">\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">\n",
        outcomes.len(),
        xml_escape(suite),
        outcomes.len()
    ));
    for o in outcomes {
        let name = xml_escape(&o.name);
        if o.passed {
            s.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{name}\"/>\n",
                xml_escape(suite)
            ));
        } else {
            s.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{name}\">\n      <failure message=\"measured {}, expected {}\"/>\n    </testcase>\n",
                xml_escape(suite),
                xml_escape(&o.measured),
                xml_escape(&o.expected)
            ));
        }
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
            az_loss: vec![("us-east-1a".into(), 0.2), ("us-east-1b".into(), 0.0)],
            statuses: vec![("eng".into(), "vpc".into(), "reachable".into())],
        }
    }

    #[test]
    fn each_assertion_passes_and_fails_on_its_threshold() {
        let o = obs();
        let pass = Expectations {
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
                max_blocking_probability: 0.2,
            }),
            replicas: 1,
        };
        let r = evaluate(&pass, std::slice::from_ref(&o));
        assert_eq!(r.len(), 8);
        assert!(r.iter().all(|x| x.passed), "{r:#?}");
        let fail = Expectations {
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
                max_blocking_probability: 0.1,
            }),
            replicas: 1,
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
                "max_blocking_probability",
                "max_refusals.association-at-capacity",
                "min_address_headroom",
                "max_below_floor_minutes",
                "reachable.eng.on-prem",
                "accepted_gap.eng.on-prem",
                "survive_az_loss.us-east-1a"
            ]
        );
        let t = text(&r);
        assert!(
            t.starts_with("FAIL max_blocking_probability: measured 0.2000 %"),
            "{t}"
        );
        assert!(t.ends_with("1 passed, 7 failed\n"));
    }

    #[test]
    fn worst_replica_decides() {
        let mut a = obs();
        a.blocking_probability = 0.0;
        let b = obs();
        let e = Expectations {
            max_blocking_probability: Some(0.001),
            replicas: 2,
            ..Default::default()
        };
        assert!(!evaluate(&e, &[a, b])[0].passed);
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
        let x = junit("a<b", &r);
        assert!(x.contains("tests=\"1\" failures=\"1\""));
        assert!(x.contains("name=\"a&lt;b\""));
        assert!(x.contains("<failure message=\"measured 0.2000 %, expected ≤ 0.1000 %\"/>"));
    }
}
