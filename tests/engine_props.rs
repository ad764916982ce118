//! Property tests of the engine's invariants on random small scenarios (issue: "How it is
//! checked"). The engine's audit mode checks after every event that:
//! - live connections never exceed the current limit, per association and in total;
//! - no client address is held twice (and the pool's count matches the live connections);
//! - every attempt ends in exactly one outcome (attempts = successes + failures + in handler);
//! - users are conserved (closed: the configured count; open: arrivals − departures).
//!
//! The end-of-run summary must tell the same story.

use crate::support::*;
use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::sim::{self, SimOptions};
use proptest::prelude::*;

fn auth_strategy() -> impl Strategy<Value = Authentication> {
    prop_oneof![
        Just(Authentication::Mutual),
        Just(Authentication::User(UserAuth::ActiveDirectory)),
        Just(Authentication::User(UserAuth::Federated)),
        Just(Authentication::MutualAnd(UserAuth::Federated)),
    ]
}

#[derive(Debug, Clone)]
struct Knobs {
    associations: usize,
    table: Vec<u32>,
    pooled: bool,
    auth: Authentication,
    disconnect: bool,
    timeout_h: u64,
    handler: Option<(f64, u32, f64)>,
    throughput: Option<f64>,
    closed: Vec<(u32, Millis, Millis, f64, f64, u32, bool)>,
    open_rate: f64,
    events: Vec<(u8, Millis, u32, Millis)>,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        1usize..=3,
        prop::collection::vec(1u32..15, 3),
        any::<bool>(),
        auth_strategy(),
        any::<bool>(),
        prop::sample::select(vec![8u64, 10, 24]),
        prop::option::of((100.0f64..40_000.0, 1u32..6, 0.0f64..0.4)),
        prop::option::of(5.0f64..60.0),
        prop::collection::vec(
            (
                1u32..40,
                0..12 * HOUR,
                1..20 * HOUR,
                0.0f64..0.3,
                0.0f64..0.3,
                1u32..6,
                any::<bool>(),
            ),
            1..3,
        ),
        prop_oneof![Just(0.0), 1.0f64..120.0],
        prop::collection::vec((0u8..5, 0..DAY, 0u32..3, 0..6 * HOUR), 0..5),
    )
        .prop_map(
            |(
                associations,
                mut table,
                pooled,
                auth,
                disconnect,
                timeout_h,
                handler,
                throughput,
                closed,
                open_rate,
                events,
            )| {
                table.sort_unstable();
                for i in 1..table.len() {
                    table[i] += table[i - 1];
                }
                Knobs {
                    associations,
                    table,
                    pooled,
                    auth,
                    disconnect,
                    timeout_h,
                    handler,
                    throughput,
                    closed,
                    open_rate,
                    events,
                }
            },
        )
}

fn build(k: &Knobs) -> Scenario {
    let mut sc = endpoint(k.associations);
    sc.limits.connections_by_associations = k.table.clone();
    if k.pooled {
        sc.endpoint.capacity_model = CapacityModel::Pooled;
    }
    sc.endpoint.authentication = k.auth;
    sc.endpoint.disconnect_on_session_timeout = k.disconnect;
    sc.endpoint.session_timeout = SessionTimeout::from_hours(k.timeout_h).unwrap();
    sc.endpoint.association_throughput_mbps = k.throughput;
    if let Some((mean, concurrency, deny)) = k.handler {
        let mut h = handler(Dist::Exponential { mean }, concurrency);
        h.deny_rate = deny;
        h.error_rate = 0.05;
        sc.endpoint.client_connect_handler = Some(h);
    }
    for (i, &(users, start, length, auth_fail, revoked, give_up, caching)) in
        k.closed.iter().enumerate()
    {
        let mut p = workday(&format!("closed-{i}"), users, start, length, EVERY_DAY);
        p.auth_failure_rate = auth_fail;
        p.revoked_fraction = revoked;
        p.dns_caching = caching;
        p.demand_mbps = Dist::Uniform {
            low: 1.0,
            high: 12.0,
        };
        p.retry = RetryPolicy {
            initial: 2 * SECOND,
            multiplier: 2.0,
            max: MINUTE,
            jitter: 0.5,
            give_up_after: give_up,
        };
        p.manual_reconnect_probability = 0.7;
        sc.populations.push(p);
    }
    if k.open_rate > 0.0 {
        let mut p = poisson(
            "open",
            k.open_rate,
            Dist::Exponential {
                mean: (2 * HOUR) as f64,
            },
        );
        p.retry = retries(3);
        sc.populations.push(p);
    }
    for &(kind, at, assoc, len) in &k.events {
        let assoc = assoc % k.associations as u32;
        let ev = match kind {
            0 => outage(&sc, assoc, at, Some(len)),
            1 => outage(&sc, assoc, at, None),
            2 => event(
                at,
                EventKind::Disassociate {
                    association: AssocId(assoc),
                },
            ),
            3 => event(
                at,
                EventKind::Modify {
                    changes: vec![Modification::ServerCertificate],
                    propagation: len / 10,
                    resets: true,
                    disconnect_on_session_timeout: None,
                    reset_window: 0,
                },
            ),
            _ => {
                let timeout =
                    SessionTimeout::from_hours([8, 10, 12, 24][assoc as usize % 4]).unwrap();
                event(
                    at,
                    EventKind::SessionTimeout {
                        timeout,
                        propagation: len / 10,
                    },
                )
            }
        };
        sc.events.push(ev);
    }
    sc.events.sort_by_key(|e| e.at);
    sc.duration = 2 * DAY;
    sc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_event(k in knobs()) {
        let sc = build(&k);
        let r = sim::simulate(&sc, &SimOptions { audit: true, connection_log: true, ..SimOptions::default() });
        prop_assert!(r.audit.is_empty(), "{:#?}", r.audit);

        let s = &r.summary;
        prop_assert_eq!(s.attempts, s.successes + s.failures + s.attempts_in_progress_at_end);
        prop_assert_eq!(s.failures, s.failures_by_reason.0.iter().sum::<u64>());
        for (p, pop) in s.populations.iter().enumerate() {
            let e = &pop.at_end;
            let present = e.idle + e.waiting_to_retry + e.in_handler + e.connected;
            match sc.populations[p].arrivals {
                Arrivals::Workday { users, .. } => prop_assert_eq!(present, u64::from(users)),
                Arrivals::Poisson { .. } => prop_assert_eq!(present + e.departed, pop.users),
            }
        }
        // A limit that falls below the live count disconnects nobody, so a row may hold more
        // than its limit; the audit checks after every event that such a count never grows. The
        // rows can only be held to the largest limit the table gives.
        let most = sc.connection_limit(sc.associations.len());
        for row in r.metric_rows() {
            prop_assert!(row.active_total <= most);
            prop_assert!(row.active_total <= s.peak_concurrency);
        }
        for row in &r.samples {
            prop_assert!(row.active_total <= most);
            prop_assert!(row.peak_active_total <= s.peak_concurrency);
            prop_assert_eq!(row.addresses_used, row.active_total);
        }
        // Each attempt appears in the log once with its outcome, except failed mutual
        // authentications, which the guide says are not logged.
        let attempts_logged = r.connection_log.iter().filter(|e| e.end.is_none()).count() as u64;
        let unlogged = s.failures_by_reason.0[sim::FailureReason::CertificateRevoked.index()]
            + if sc.endpoint.authentication == Authentication::Mutual {
                s.failures_by_reason.0[sim::FailureReason::AuthenticationFailed.index()]
            } else {
                0
            };
        prop_assert_eq!(attempts_logged, s.attempts - s.attempts_in_progress_at_end - unlogged);
        // Samples tile the run.
        prop_assert_eq!(r.samples.first().map(|x| x.start), Some(0));
        prop_assert_eq!(r.samples.last().map(|x| x.end), Some(sc.duration));
        prop_assert!(r.samples.windows(2).all(|w| w[0].end == w[1].start));
        prop_assert_eq!(r.samples.iter().map(|x| x.counts.attempts).sum::<u64>(), s.attempts);
    }
}
