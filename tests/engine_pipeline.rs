//! The attempt pipeline (docs/model.md §6): one small scenario per failure reason, with the answer worked
//! out by hand.

use crate::support::*;
use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::sim::FailureReason::*;

/// Guide, "Client VPN scaling considerations": the endpoint holds 20,000 connections with one
/// association, so 30 users all connect; attempts = successes, nothing fails.
#[test]
fn everyone_connects_when_nothing_is_short() {
    let mut sc = endpoint(1);
    sc.populations.push(crowd(30, 2 * HOUR));
    let r = run_audited(&sc);
    assert_eq!(
        (r.summary.attempts, r.summary.successes, r.summary.failures),
        (30, 30, 0)
    );
    assert_eq!(r.summary.peak_concurrency, 30);
    assert_eq!(r.summary.sessions.completed, 30);
    assert_eq!(r.client_ms[0][0], 30 * 2 * HOUR);
}

/// docs/model.md §5: with the only association down, DNS returns nothing: each attempt fails with
/// `no-healthy-association`, and the user gives up after `give_up_after` attempts.
#[test]
fn no_healthy_association_when_every_association_is_down() {
    let mut sc = endpoint(1);
    let mut pop = crowd(4, HOUR);
    pop.retry = retries(3);
    sc.populations.push(pop);
    sc.events.push(outage(&sc, 0, 0, None));
    let r = run_audited(&sc);
    assert_eq!(failures(&r, NoHealthyAssociation), 12);
    only_failures(&r, &[NoHealthyAssociation]);
    assert_eq!(
        (r.summary.retries, r.summary.gave_up, r.summary.successes),
        (8, 4, 0)
    );
}

/// docs/model.md §6: a population's authentication failure rate of 1 fails every attempt.
#[test]
fn authentication_failed_at_the_population_rate() {
    let mut sc = endpoint(1);
    sc.endpoint.authentication = Authentication::User(UserAuth::Federated);
    let mut pop = crowd(5, HOUR);
    pop.auth_failure_rate = 1.0;
    pop.retry = retries(2);
    sc.populations.push(pop);
    let r = run_audited(&sc);
    assert_eq!(failures(&r, AuthenticationFailed), 10);
    only_failures(&r, &[AuthenticationFailed]);
    // SAML failures are logged (only failed mutual authentication is not).
    assert_eq!(
        r.connection_log
            .iter()
            .filter(|e| e.failure == Some(AuthenticationFailed))
            .count(),
        10
    );
}

/// A rate of one half: the count of failures over many independent attempts is binomial.
#[test]
fn authentication_failure_rate_is_a_probability_per_attempt() {
    let mut sc = endpoint(1);
    let mut pop = crowd(4000, HOUR);
    pop.auth_failure_rate = 0.25;
    sc.populations.push(pop);
    let r = run(&sc);
    // Binomial(4000, 0.25): mean 1000, sd ≈ 27; allow 4 sd.
    let failed = failures(&r, AuthenticationFailed) as f64;
    assert!((failed - 1000.0).abs() < 110.0, "{failed}");
    assert_eq!(r.summary.successes as f64 + failed, 4000.0);
}

/// Guide, "Client certificate revocation lists" and "Connection logging": a revoked certificate
/// always fails (10 users × 0.3 → exactly 3 users, each failing all 4 attempts), and failed
/// mutual authentication attempts are not logged.
#[test]
fn revoked_certificates_always_fail_and_are_not_logged() {
    let mut sc = endpoint(1);
    let mut pop = crowd(10, HOUR);
    pop.revoked_fraction = 0.3;
    pop.retry = retries(4);
    sc.populations.push(pop);
    let r = run_audited(&sc);
    assert_eq!(failures(&r, CertificateRevoked), 12);
    only_failures(&r, &[CertificateRevoked]);
    assert_eq!((r.summary.successes, r.summary.gave_up), (7, 3));
    assert!(r.connection_log.iter().all(|e| e.failure.is_none()));
}

/// Revocation lists apply to client certificates: without mutual authentication, nobody fails.
#[test]
fn revoked_fraction_is_ignored_without_certificates() {
    let mut sc = endpoint(1);
    sc.endpoint.authentication = Authentication::User(UserAuth::ActiveDirectory);
    let mut pop = crowd(10, HOUR);
    pop.revoked_fraction = 0.3;
    sc.populations.push(pop);
    let r = run_audited(&sc);
    assert_eq!((r.summary.successes, r.summary.failures), (10, 0));
}

/// Guide, "Connection authorization — Requirements and considerations": the handler runs after
/// authentication, synchronously; with concurrency 2 and a 10 s latency, of 5 simultaneous
/// attempts 2 are invoked and 3 are throttled at once.
#[test]
fn handler_throttled_at_its_concurrency() {
    let mut sc = endpoint(1);
    sc.endpoint.client_connect_handler = Some(handler(Dist::Fixed(10_000.0), 2));
    sc.populations.push(crowd(5, HOUR));
    let r = run_audited(&sc);
    assert_eq!(failures(&r, HandlerThrottled), 3);
    only_failures(&r, &[HandlerThrottled]);
    assert_eq!(r.summary.successes, 2);
    let h = r.summary.handler.as_ref().unwrap();
    assert_eq!((h.invocations, h.peak_in_flight), (2, 2));
    // The two that got through connected after the 10 s latency.
    let connected: Vec<Millis> = r
        .connection_log
        .iter()
        .filter(|e| e.end.is_none() && e.failure.is_none())
        .map(|e| e.at)
        .collect();
    assert_eq!(connected, vec![10_000, 10_000]);
}

/// Guide: "The Lambda function times out after 30 seconds": a 31 s (and an exactly 30 s) latency
/// fails with `client-connect-handler-timed-out`, reported at 30 s.
#[test]
fn handler_timed_out_after_thirty_seconds() {
    for latency in [31_000.0, 30_000.0] {
        let mut sc = endpoint(1);
        sc.endpoint.client_connect_handler = Some(handler(Dist::Fixed(latency), 100));
        sc.populations.push(crowd(3, HOUR));
        let r = run_audited(&sc);
        assert_eq!(failures(&r, HandlerTimedOut), 3);
        only_failures(&r, &[HandlerTimedOut]);
        assert!(r
            .connection_log
            .iter()
            .all(|e| e.at == 30 * SECOND && e.start == 0));
    }
    let mut sc = endpoint(1);
    sc.endpoint.client_connect_handler = Some(handler(Dist::Fixed(29_999.0), 100));
    sc.populations.push(crowd(3, HOUR));
    assert_eq!(run_audited(&sc).summary.successes, 3);
}

/// Guide, "Monitor connection authorization failures": each handler verdict has its reason.
#[test]
fn handler_verdicts_map_to_the_guides_reasons() {
    type Set = fn(&mut ConnectHandler);
    let cases: [(Set, cvpnsim::sim::FailureReason); 4] = [
        (|h| h.deny_rate = 1.0, ClientConnectFailed),
        (|h| h.error_rate = 1.0, HandlerOtherExecutionError),
        (|h| h.invalid_response_rate = 1.0, HandlerInvalidResponse),
        (|h| h.service_error_rate = 1.0, HandlerServiceError),
    ];
    for (set, reason) in cases {
        let mut h = handler(Dist::Fixed(200.0), 100);
        set(&mut h);
        let mut sc = endpoint(1);
        sc.endpoint.client_connect_handler = Some(h);
        sc.populations.push(crowd(6, HOUR));
        let r = run_audited(&sc);
        assert_eq!(failures(&r, reason), 6, "{}", reason.name());
        only_failures(&r, &[reason]);
        assert!(r
            .connection_log
            .iter()
            .all(|e| e.failure == Some(reason) && e.at == 200));
    }
}

/// Verdict shares follow the configured rates (one draw split in order).
#[test]
fn handler_rates_split_outcomes() {
    let mut h = handler(Dist::Fixed(100.0), 100_000);
    h.deny_rate = 0.1;
    h.error_rate = 0.05;
    let mut sc = endpoint(1);
    sc.endpoint.client_connect_handler = Some(h);
    sc.populations.push(crowd(10_000, HOUR));
    let r = run(&sc);
    // Binomial sd: √(10⁴·0.1·0.9) = 30 and √(10⁴·0.05·0.95) ≈ 22; allow 4 sd.
    assert!((failures(&r, ClientConnectFailed) as f64 - 1000.0).abs() < 120.0);
    assert!((failures(&r, HandlerOtherExecutionError) as f64 - 500.0).abs() < 90.0);
    only_failures(&r, &[ClientConnectFailed, HandlerOtherExecutionError]);
}

/// docs/model.md §4 and guide, "Client VPN scaling considerations": a /22 has 512 assignable addresses;
/// 600 simultaneous users → 512 connect, 88 are refused with `client-cidr-exhausted`, and the
/// pool is exhausted at t = 0.
#[test]
fn client_cidr_exhausted_beyond_half_the_block() {
    let mut sc = endpoint(1);
    sc.endpoint.client_cidr_block = "10.100.0.0/22".parse().unwrap();
    sc.populations.push(crowd(600, HOUR));
    let r = run_audited(&sc);
    assert_eq!(
        (r.summary.successes, failures(&r, ClientCidrExhausted)),
        (512, 88)
    );
    only_failures(&r, &[ClientCidrExhausted]);
    assert_eq!(r.summary.addresses_usable, 512);
    assert_eq!(r.summary.time_to_address_exhaustion_ms, Some(0));
    let mut ips: Vec<_> = r
        .connection_log
        .iter()
        .filter_map(|e| e.client_ip)
        .collect();
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), 512, "every address assigned once");
    assert_eq!(ips[0], "10.100.2.0".parse::<std::net::Ipv4Addr>().unwrap());
}

/// docs/model.md §3, even-share: two associations with a (tiny) total of 20 hold 10 each. 1,000 users
/// landing at random fill both, and the other 980 are refused at their association.
/// `pooled`: the same 20 connect, but the refusals are endpoint-wide.
#[test]
fn association_and_endpoint_at_capacity() {
    let mut sc = endpoint(2);
    sc.limits.connections_by_associations = vec![15, 20];
    sc.populations.push(crowd(1000, HOUR));
    let r = run_audited(&sc);
    assert_eq!(
        (r.summary.successes, failures(&r, AssociationAtCapacity)),
        (20, 980)
    );
    only_failures(&r, &[AssociationAtCapacity]);
    assert_eq!(
        r.summary
            .associations
            .iter()
            .map(|a| a.peak_concurrency)
            .collect::<Vec<_>>(),
        [10, 10]
    );

    sc.endpoint.capacity_model = CapacityModel::Pooled;
    let r = run_audited(&sc);
    assert_eq!(
        (r.summary.successes, failures(&r, EndpointAtCapacity)),
        (20, 980)
    );
    only_failures(&r, &[EndpointAtCapacity]);
}

/// docs/model.md §3 landing imbalance: with even shares of 10, a user refused at a full association is
/// refused even though the other has room; retrying, it lands anew, so 18 users all connect
/// (every failure on the way is `association-at-capacity`).
#[test]
fn landing_imbalance_is_cured_by_retries_that_land_anew() {
    let mut sc = endpoint(2);
    sc.limits.connections_by_associations = vec![15, 20];
    let mut pop = crowd(18, HOUR);
    pop.retry = retries(30);
    sc.populations.push(pop);
    let r = run_audited(&sc);
    assert_eq!(r.summary.successes, 18);
    assert_eq!(r.summary.failures, failures(&r, AssociationAtCapacity));
    assert_eq!(r.summary.gave_up, 0);
}

/// Even-share rounding: a total of 7 over two associations is 4 + 3 (remainder to the first).
#[test]
fn even_share_rounding_gives_the_remainder_to_the_first() {
    let mut sc = endpoint(2);
    sc.limits.connections_by_associations = vec![5, 7];
    sc.populations.push(crowd(200, HOUR));
    let r = run_audited(&sc);
    assert_eq!(
        r.summary
            .associations
            .iter()
            .map(|a| a.peak_concurrency)
            .collect::<Vec<_>>(),
        [4, 3]
    );
    assert_eq!(r.samples[0].limits, [4, 3]);
    assert_eq!(r.samples[0].limit_total, 7);
}

/// Retry back-off (docs/model.md §6): initial 1 s, ×2, no jitter: attempts at 0, 1, 3, 7 s.
#[test]
fn retries_follow_the_back_off() {
    let mut sc = endpoint(1);
    let mut pop = crowd(1, HOUR);
    pop.auth_failure_rate = 1.0;
    pop.retry = retries(4);
    sc.populations.push(pop);
    sc.endpoint.authentication = Authentication::User(UserAuth::ActiveDirectory);
    let r = run_audited(&sc);
    let times: Vec<Millis> = r.connection_log.iter().map(|e| e.at).collect();
    assert_eq!(times, [0, 1_000, 3_000, 7_000]);
    assert_eq!((r.summary.retries, r.summary.gave_up), (3, 1));
}

/// docs/model.md §3 and guide, "Client VPN quotas" (the connection quota is adjustable): a raised
/// `max_connections` replaces the table's figure for the configured associations, and scales
/// with the table when one fails (table [10, 20] raised to 40: 20 + 20, then 40 × 10/20 = 20).
#[test]
fn a_raised_quota_replaces_the_table_and_scales_with_it() {
    let mut sc = endpoint(2);
    sc.limits.connections_by_associations = vec![10, 20];
    sc.endpoint.max_connections = Some(40);
    sc.populations.push(crowd(60, 4 * HOUR));
    sc.events.push(outage(&sc, 1, 2 * HOUR, None));
    let r = run_audited(&sc);
    assert_eq!(r.samples[0].limits, [20, 20]);
    assert_eq!(r.samples[0].active_total, 40);
    let after = r.samples.iter().find(|s| s.start == 3 * HOUR).unwrap();
    assert_eq!((after.limits.clone(), after.limit_total), (vec![20, 0], 20));
}

/// docs/model.md §7: reconnect storms are not scripted, they emerge. 300 connected users are reset at
/// once; their reconnections (1 s initial delay with jitter) hit a handler with 10 concurrent
/// executions and a 2 s latency, so many are throttled and back off, and all get back in.
#[test]
fn a_reset_makes_a_reconnect_storm_that_throttles_the_handler() {
    let mut sc = endpoint(1);
    sc.endpoint.client_connect_handler = Some(handler(Dist::Fixed(2_000.0), 10));
    let mut pop = workday("staff", 300, 0, 6 * HOUR, MONDAY);
    // Logins spread uniformly over the first hour: one every 12 s on average.
    pop.arrivals = Arrivals::Workday {
        users: 300,
        start: Dist::Uniform {
            low: 0.0,
            high: HOUR as f64,
        },
        length: Dist::Fixed((6 * HOUR) as f64),
        days: MONDAY,
    };
    pop.retry = RetryPolicy {
        initial: SECOND,
        multiplier: 2.0,
        max: 30 * SECOND,
        jitter: 0.5,
        give_up_after: 30,
    };
    sc.populations.push(pop);
    let modify = EventKind::Modify {
        changes: vec![Modification::ServerCertificate],
        propagation: 0,
        resets: true,
        disconnect_on_session_timeout: None,
        reset_window: 0,
    };
    sc.events.push(event(2 * HOUR, modify));
    let r = run_audited(&sc);
    let before: u64 = r
        .samples
        .iter()
        .filter(|s| s.end <= 2 * HOUR)
        .map(|s| s.counts.failures_of(HandlerThrottled))
        .sum();
    let storm: u64 = r
        .samples
        .iter()
        .filter(|s| s.start >= 2 * HOUR)
        .map(|s| s.counts.failures_of(HandlerThrottled))
        .sum();
    assert_eq!(
        before, 0,
        "logins spread over an hour never exceed 10 in flight"
    );
    assert!(storm > 300, "the reset storm is throttled: {storm}");
    assert_eq!(r.summary.handler.as_ref().unwrap().peak_in_flight, 10);
    assert_eq!(r.summary.gave_up, 0);
    let later = r.samples.iter().find(|s| s.start == 3 * HOUR).unwrap();
    assert_eq!(later.active_total, 300, "everyone is back within the hour");
}

/// Guide, "Client VPN scaling considerations" (and "Client VPN quotas"): 20,000 / 36,500 /
/// 66,500 / 96,500 / 126,000 connections for 1–5 associated subnets. Even-share: 66,500 over
/// three is 22,167 + 22,167 + 22,166; when one fails the table for two applies (18,250 each).
#[test]
fn the_guides_connection_table_and_even_shares() {
    use cvpnsim::sim::capacity::Capacity;
    let totals: Vec<u32> = (1..=5)
        .map(|n| Capacity::new(&endpoint(n)).total())
        .collect();
    assert_eq!(totals, [20_000, 36_500, 66_500, 96_500, 126_000]);
    let sc = endpoint(3);
    let mut c = Capacity::new(&sc);
    assert_eq!(
        (0..3).map(|a| c.limit_of(a)).collect::<Vec<_>>(),
        [22_167, 22_167, 22_166]
    );
    c.set_healthy(&sc, 0, false);
    assert_eq!(
        (c.total(), c.limit_of(0), c.limit_of(1), c.limit_of(2)),
        (36_500, 0, 18_250, 18_250)
    );
    let mut pooled = endpoint(3);
    pooled.endpoint.capacity_model = CapacityModel::Pooled;
    assert_eq!(
        Capacity::new(&pooled).limit_of(1),
        66_500,
        "pooled: only the endpoint total counts"
    );
}
