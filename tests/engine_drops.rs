//! What happens after the endpoint drops a connection: how fast the client notices, how it
//! comes back by authentication method, resets spread over a window, and associations added or
//! removed mid-run (with their route-table consequences under split tunnel). Small scenarios
//! worked out by hand.

use crate::support::*;
use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::sim::{FailureReason, RunResult};

fn resets_at(at: Millis, window: Millis) -> Event {
    event(
        at,
        EventKind::Modify {
            changes: vec![Modification::AuthorizationRules],
            propagation: 0,
            resets: true,
            disconnect_on_session_timeout: None,
            reset_window: window,
        },
    )
}

/// Successful connections made after `after`, by time.
fn connects_after(r: &RunResult, after: Millis) -> Vec<Millis> {
    r.connection_log
        .iter()
        .filter(|e| e.end.is_none() && e.failure.is_none() && e.at > after)
        .map(|e| e.at)
        .collect()
}

/// Attempts started after `after` (every logged attempt, failed or not), by time.
fn attempts_after(r: &RunResult, after: Millis) -> Vec<Millis> {
    r.connection_log
        .iter()
        .filter(|e| e.end.is_none() && e.start > after)
        .map(|e| e.start)
        .collect()
}

/// Guide, "Endpoint modification" (authorization rules reset every connection) and "Client VPN
/// maximum session duration" (mutual and Active Directory clients re-establish the session by
/// themselves; "a new session is not automatically established in the case of federated
/// authentication (SAML)"). After a reset at 2 h, 20 mutual or Active Directory users are back
/// after the retry policy's first delay (1 s, no jitter); SAML users and users of mutual + SAML
/// (the strictest method applies) come back after the manual delay (10 min).
#[test]
fn after_a_reset_saml_users_come_back_after_the_human_delay() {
    let cases = [
        (Authentication::Mutual, SECOND),
        (Authentication::User(UserAuth::ActiveDirectory), SECOND),
        (Authentication::User(UserAuth::Federated), 10 * MINUTE),
        (Authentication::MutualAnd(UserAuth::Federated), 10 * MINUTE),
    ];
    for (auth, back_after) in cases {
        let mut sc = endpoint(1);
        sc.endpoint.authentication = auth;
        sc.populations.push(crowd(20, 6 * HOUR));
        sc.events.push(resets_at(2 * HOUR, 0));
        let r = run_audited(&sc);
        assert_eq!(r.summary.sessions.reset_by_modification, 20, "{auth:?}");
        assert_eq!(
            connects_after(&r, 0),
            vec![2 * HOUR + back_after; 20],
            "{auth:?}"
        );
    }
}

/// A SAML user who does not come back by hand (probability 0) stays away after a reset.
#[test]
fn saml_users_who_do_not_log_in_again_stay_away_after_a_reset() {
    let mut sc = endpoint(1);
    sc.endpoint.authentication = Authentication::User(UserAuth::Federated);
    let mut pop = crowd(20, 6 * HOUR);
    pop.manual_reconnect_probability = 0.0;
    sc.populations.push(pop);
    sc.events.push(resets_at(2 * HOUR, 0));
    let r = run_audited(&sc);
    assert!(connects_after(&r, 0).is_empty());
    assert_eq!(r.client_ms[0][0], 20 * 2 * HOUR);
}

/// A client notices a dead path only through its keepalive. subnet-a's zone fails at 1 h; with
/// no detection delay its clients all try again 1 s later, in one burst; with the default delay
/// (uniform 50–60 s: `ping-restart 60` less the 0–10 s since the last `ping 10`) their first
/// attempts spread over [1 h + 51 s, 1 h + 61 s], and no second holds more than a small share.
#[test]
fn the_detection_delay_spreads_an_outage_storm() {
    let storm = |delay: Dist| {
        let mut sc = endpoint(2);
        let mut pop = crowd(2_000, 6 * HOUR);
        pop.outage_detection_delay = delay;
        sc.populations.push(pop);
        sc.events.push(outage(&sc, 0, HOUR, None));
        let r = run_audited(&sc);
        let dropped = r.summary.sessions.dropped_by_association_failure;
        assert!(
            dropped > 900,
            "about half of 2,000 were on subnet-a: {dropped}"
        );
        let first = attempts_after(&r, HOUR);
        assert_eq!(
            first.len() as u64,
            dropped,
            "one attempt each: subnet-b has room"
        );
        (dropped, first)
    };
    let (_, at_once) = storm(Dist::Fixed(0.0));
    assert!(at_once.iter().all(|&t| t == HOUR + SECOND));
    let (dropped, spread) = storm(openvpn_default());
    assert!(spread
        .iter()
        .all(|&t| (HOUR + 51 * SECOND..=HOUR + 61 * SECOND).contains(&t)));
    // 10 seconds of spread: on average a tenth per second; 15 % bounds the busiest second
    // (binomial, n ≈ 1,000, p = 0.1: sd ≈ 0.95 %, so 15 % is over 5 sd above the mean).
    let mut per_second = std::collections::BTreeMap::new();
    for t in &spread {
        *per_second.entry(t / SECOND).or_insert(0u64) += 1;
    }
    let busiest = *per_second.values().max().unwrap();
    assert!(
        busiest * 100 <= dropped * 15,
        "{busiest} of {dropped} in one second"
    );
}

/// The default detection delay, as the scenario loader sets it.
fn openvpn_default() -> Dist {
    let text = include_str!("../scenarios/guide-vpc.toml");
    let s = cvpnsim::scenario::load_str("guide-vpc.toml", text)
        .unwrap()
        .scenario;
    let d = s.populations[0].outage_detection_delay.clone();
    assert_eq!(
        d,
        Dist::Uniform {
            low: 50_000.0,
            high: 60_000.0
        }
    );
    d
}

/// A reset spread over a 10-minute window: each of 200 live connections is reset once, at an
/// instant inside [2 h, 2 h 10 min), and its client is back 1 s later; nobody who connects during
/// the window is reset again.
#[test]
fn a_reset_window_spreads_the_reset() {
    let mut sc = endpoint(1);
    sc.populations.push(crowd(200, 6 * HOUR));
    sc.events.push(resets_at(2 * HOUR, 10 * MINUTE));
    let r = run_audited(&sc);
    assert_eq!(r.summary.sessions.reset_by_modification, 200);
    let ends: Vec<Millis> = r
        .connection_log
        .iter()
        .filter_map(|e| e.end)
        .filter(|&t| t < 6 * HOUR)
        .collect();
    assert_eq!(ends.len(), 200);
    assert!(ends
        .iter()
        .all(|&t| (2 * HOUR..2 * HOUR + 10 * MINUTE).contains(&t)));
    // Spread: the first and last resets are minutes apart, and no minute holds more than 40
    // (uniform: 20 a minute on average, sd ≈ 4.2).
    assert!(ends.last().unwrap() - ends.first().unwrap() > 8 * MINUTE);
    let mut per_minute = [0u32; 10];
    for t in &ends {
        per_minute[((t - 2 * HOUR) / MINUTE) as usize] += 1;
    }
    assert!(per_minute.iter().all(|&c| c <= 40), "{per_minute:?}");
    let back = connects_after(&r, 0);
    let mut expected: Vec<Millis> = ends.iter().map(|t| t + SECOND).collect();
    expected.sort_unstable();
    assert_eq!(back, expected);
    assert_eq!(r.client_ms[0][0], 200 * (6 * HOUR - SECOND));
}

/// Guide, "Split-tunnel on Client VPN endpoints": "any modification to the Client VPN endpoint
/// route table will result in all client connections being reset", and "Disassociate a target
/// network" deletes the subnet's routes. Disassociating subnet-b under split tunnel drops its
/// clients and resets everyone on subnet-a; without split tunnel subnet-a is left alone.
#[test]
fn disassociation_under_split_tunnel_resets_everyone() {
    for split in [true, false] {
        let mut sc = endpoint(2);
        sc.endpoint.split_tunnel = split;
        sc.populations.push(crowd(100, 6 * HOUR));
        sc.events.push(event(
            HOUR,
            EventKind::Disassociate {
                association: AssocId(1),
            },
        ));
        let r = run_audited(&sc);
        let before = r
            .samples
            .iter()
            .find(|s| s.end == HOUR)
            .unwrap()
            .active
            .clone();
        let ends = &r.summary.sessions;
        assert_eq!(ends.dropped_by_association_failure, u64::from(before[1]));
        let reset = if split { u64::from(before[0]) } else { 0 };
        assert_eq!(ends.reset_by_modification, reset, "split tunnel {split}");
        assert!(before[0] > 0 && before[1] > 0);
    }
}

/// An `associate` event scales the endpoint up. Table [5, 12]: with subnet-a alone 5 of 10 users
/// get in and the others are refused; subnet-b is associated at 1 h, the limit becomes 12 and
/// everyone is in. Nobody lands on subnet-b before its event. Under split tunnel the association
/// (which adds subnet-b's VPC route) resets the 5 live connections too.
#[test]
fn an_associate_event_adds_capacity_and_under_split_tunnel_resets() {
    for split in [false, true] {
        let mut sc = endpoint(2);
        sc.endpoint.split_tunnel = split;
        sc.endpoint.capacity_model = CapacityModel::Pooled;
        sc.limits.connections_by_associations = vec![5, 12];
        let mut pop = crowd(10, 6 * HOUR);
        pop.retry = RetryPolicy {
            initial: MINUTE,
            multiplier: 1.0,
            max: MINUTE,
            jitter: 0.0,
            give_up_after: 100_000,
        };
        sc.populations.push(pop);
        sc.events.push(event(
            HOUR,
            EventKind::Associate {
                association: AssocId(1),
            },
        ));
        let r = run_audited(&sc);
        let before = r.samples.iter().find(|s| s.end == HOUR).unwrap();
        assert_eq!(
            (before.active.clone(), before.limits.clone()),
            (vec![5, 0], vec![5, 0])
        );
        assert!(r
            .connection_log
            .iter()
            .filter(|e| e.at < HOUR)
            .all(|e| e.association == Some(AssocId(0))));
        let after = r.samples.iter().find(|s| s.start == 2 * HOUR).unwrap();
        assert_eq!((after.active_total, after.limit_total), (10, 12));
        assert!(after.active[1] > 0);
        let resets = if split { 5 } else { 0 };
        assert_eq!(r.summary.sessions.reset_by_modification, resets);
        assert!(failures(&r, FailureReason::EndpointAtCapacity) > 0);
        assert!(r.client_ms[0][1] > 0);
    }
}
