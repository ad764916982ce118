//! Sessions, timeouts, resets and faults (docs/model.md §7), on small scenarios worked out by hand.

use crate::support::*;
use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::sim::MarkKind;

fn one_user(work: Millis, timeout_h: u64, auth: Authentication, disconnect: bool) -> Scenario {
    let mut sc = endpoint(1);
    sc.endpoint.session_timeout = SessionTimeout::from_hours(timeout_h).unwrap();
    sc.endpoint.authentication = auth;
    sc.endpoint.disconnect_on_session_timeout = disconnect;
    sc.duration = 2 * DAY;
    sc.populations.push(crowd(1, work));
    sc
}

/// Guide, "maximum VPN session duration": with disconnect-on-timeout off, mutual (certificate)
/// and Active Directory clients reconnect at once. 20 h of work with an 8 h maximum: sessions
/// 0–8 h, 8–16 h, 16–20 h; two time out, the last one completes; no client time is lost.
#[test]
fn mutual_and_ad_reconnect_at_once_at_the_maximum_duration() {
    for auth in [
        Authentication::Mutual,
        Authentication::User(UserAuth::ActiveDirectory),
    ] {
        let r = run_audited(&one_user(20 * HOUR, 8, auth, false));
        let s = &r.summary;
        assert_eq!((s.attempts, s.successes), (3, 3), "{auth:?}");
        assert_eq!((s.sessions.timed_out, s.sessions.completed), (2, 1));
        assert_eq!(r.client_ms[0][0], 20 * HOUR);
        let ends: Vec<Millis> = r.connection_log.iter().filter_map(|e| e.end).collect();
        assert_eq!(ends, [8 * HOUR, 16 * HOUR, 20 * HOUR]);
    }
}

/// Guide: "a new session is not automatically established in the case of federated
/// authentication (SAML)": the user logs in again after the manual delay (10 min here), so
/// sessions are 0–8 h, 8:10–16:10, 16:20–20:00 and 20 minutes of wanted VPN time are lost.
#[test]
fn saml_users_log_in_again_after_the_manual_delay() {
    let r = run_audited(&one_user(
        20 * HOUR,
        8,
        Authentication::User(UserAuth::Federated),
        false,
    ));
    let starts: Vec<Millis> = r
        .connection_log
        .iter()
        .filter(|e| e.end.is_none() && e.failure.is_none())
        .map(|e| e.at)
        .collect();
    assert_eq!(starts, [0, 8 * HOUR + 10 * MINUTE, 16 * HOUR + 20 * MINUTE]);
    assert_eq!(r.client_ms[0][0], 20 * HOUR - 20 * MINUTE);
    assert_eq!(r.summary.sessions.timed_out, 2);
}

/// Mutual combined with SAML still needs the SAML login: no automatic reconnection.
#[test]
fn mutual_with_saml_needs_the_login_too() {
    let r = run_audited(&one_user(
        20 * HOUR,
        8,
        Authentication::MutualAnd(UserAuth::Federated),
        false,
    ));
    assert_eq!(r.client_ms[0][0], 20 * HOUR - 20 * MINUTE);
}

/// A SAML user who does not come back (probability 0) loses the rest of the day.
#[test]
fn saml_users_who_do_not_come_back_stop_for_the_day() {
    let mut sc = one_user(
        20 * HOUR,
        8,
        Authentication::User(UserAuth::Federated),
        false,
    );
    sc.populations[0].manual_reconnect_probability = 0.0;
    let r = run_audited(&sc);
    assert_eq!((r.summary.successes, r.client_ms[0][0]), (1, 8 * HOUR));
    assert_eq!(r.summary.populations[0].at_end.idle, 1);
}

/// Guide: with disconnect on session timeout, "users will need to reconnect and provide their
/// authentication credentials": even certificate users come back only by hand.
#[test]
fn disconnect_on_timeout_makes_everyone_reconnect_by_hand() {
    let r = run_audited(&one_user(20 * HOUR, 8, Authentication::Mutual, true));
    assert_eq!(r.client_ms[0][0], 20 * HOUR - 20 * MINUTE);
}

/// Guide: "Changing the disconnect on session timeout option applies the new setting to any
/// currently open sessions." A certificate user with 20 h of work and an 8 h maximum: the option
/// is turned on at 4 h, effective at once, so the open session's timeout at 8 h already needs a
/// manual reconnect (10 min), and so does the one at 16:10; 20 minutes are lost, as with the
/// option on from the start. Without the change no time is lost.
#[test]
fn turning_disconnect_on_timeout_on_applies_to_open_sessions() {
    let mut sc = one_user(20 * HOUR, 8, Authentication::Mutual, false);
    sc.events.push(event(
        4 * HOUR,
        EventKind::Modify {
            changes: vec![Modification::DisconnectOnSessionTimeout],
            propagation: 0,
            resets: false,
            disconnect_on_session_timeout: Some(true),
            reset_window: 0,
        },
    ));
    let r = run_audited(&sc);
    assert_eq!(r.client_ms[0][0], 20 * HOUR - 20 * MINUTE);
    assert_eq!(
        r.summary.sessions.reset_by_modification, 0,
        "the change does not reset"
    );
    let unchanged = run_audited(&one_user(20 * HOUR, 8, Authentication::Mutual, false));
    assert_eq!(unchanged.client_ms[0][0], 20 * HOUR);
}

/// Guide: "When the maximum VPN session duration value is decreased … any active VPN sessions
/// … connected … longer than the newly set duration are disconnected." 24 h → 8 h accepted at
/// 10 h, effective at 11 h: a session from 0 h is cut at 11 h (mutual: reconnects at once, then
/// times out at 19 h); a session from 9 h is 2 h old, so it stays and ends at 17 h.
#[test]
fn lowering_the_maximum_cuts_older_sessions_only() {
    let mut sc = endpoint(1);
    sc.duration = DAY;
    sc.populations
        .push(workday("early", 1, 0, 20 * HOUR, MONDAY));
    sc.populations
        .push(workday("late", 1, 9 * HOUR, 10 * HOUR, MONDAY));
    let timeout = SessionTimeout::from_hours(8).unwrap();
    sc.events.push(event(
        10 * HOUR,
        EventKind::SessionTimeout {
            timeout,
            propagation: HOUR,
        },
    ));
    sc.output.connection_log = true;
    let r = run_audited(&sc);
    let ends = |pop: u32| -> Vec<Millis> {
        r.connection_log
            .iter()
            .filter(|e| e.population == PopId(pop))
            .filter_map(|e| e.end)
            .collect()
    };
    assert_eq!(ends(0), [11 * HOUR, 19 * HOUR, 20 * HOUR]);
    assert_eq!(ends(1), [17 * HOUR, 19 * HOUR]);
    let s = &r.summary.sessions;
    assert_eq!(
        (s.cut_by_timeout_change, s.timed_out, s.completed),
        (1, 2, 2)
    );
    let marks: Vec<(Millis, MarkKind)> = r.marks.iter().map(|m| (m.at_ms, m.kind)).collect();
    assert_eq!(
        marks,
        [
            (10 * HOUR, MarkKind::SessionTimeoutAccepted),
            (11 * HOUR, MarkKind::SessionTimeoutEffective)
        ]
    );
}

/// Guide, "Endpoint modification": changing authorization rules resets every connection once the
/// change takes effect (accepted at 2 h, effective 20 min later). Each of 50 clients reconnects
/// after its retry policy's initial delay (1 s, no jitter).
#[test]
fn a_resetting_modification_drops_everyone_after_propagation() {
    let mut sc = endpoint(1);
    sc.populations.push(crowd(50, 6 * HOUR));
    let modify = EventKind::Modify {
        changes: vec![Modification::AuthorizationRules],
        propagation: 20 * MINUTE,
        resets: Modification::AuthorizationRules.resets_connections(false),
        disconnect_on_session_timeout: None,
        reset_window: 0,
    };
    sc.events.push(event(2 * HOUR, modify));
    let r = run_audited(&sc);
    let s = &r.summary;
    assert_eq!(
        (
            s.sessions.reset_by_modification,
            s.successes,
            s.sessions.completed
        ),
        (50, 100, 50)
    );
    let reset_at = 2 * HOUR + 20 * MINUTE;
    assert_eq!(r.client_ms[0][0], 50 * (6 * HOUR - SECOND));
    let reconnects: Vec<Millis> = r
        .connection_log
        .iter()
        .filter(|e| e.end.is_none() && e.at > 0)
        .map(|e| e.at)
        .collect();
    assert_eq!(reconnects, vec![reset_at + SECOND; 50]);
    // The time series shows the drop inside the interval that holds the reset.
    let row = r
        .samples
        .iter()
        .find(|s| s.start <= reset_at && reset_at < s.end)
        .unwrap();
    assert_eq!((row.counts.dropped, row.counts.successes), (50, 50));
}

/// Guide, "Endpoint modification": a description change does not reset connections; neither does
/// a route change while split-tunnel is off.
#[test]
fn non_resetting_modifications_leave_connections_alone() {
    for (change, split) in [
        (Modification::Description, true),
        (Modification::Routes, false),
    ] {
        let mut sc = endpoint(1);
        sc.endpoint.split_tunnel = split;
        sc.populations.push(crowd(10, 6 * HOUR));
        let resets = change.resets_connections(split);
        sc.events.push(event(
            HOUR,
            EventKind::Modify {
                changes: vec![change],
                propagation: 0,
                resets,
                disconnect_on_session_timeout: None,
                reset_window: 0,
            },
        ));
        let r = run_audited(&sc);
        assert_eq!(
            (
                r.summary.successes,
                r.summary.sessions.reset_by_modification
            ),
            (10, 0),
            "{change:?}"
        );
        assert_eq!(r.marks.len(), 2);
    }
}

/// docs/model.md §7 (guide, "Client VPN scaling considerations": associations in several AZs for high
/// availability): an AZ outage drops the association's clients; DNS stops returning it, so they
/// reconnect to the other one; after the outage both are offered again.
#[test]
fn an_az_outage_moves_clients_to_the_surviving_association() {
    let mut sc = endpoint(2);
    sc.populations.push(crowd(200, 6 * HOUR));
    sc.events.push(outage(&sc, 0, HOUR, Some(2 * HOUR)));
    let r = run_audited(&sc);
    let on_a = r.summary.associations[0].peak_concurrency;
    assert!(on_a > 50 && on_a < 150, "random landing split: {on_a}");
    assert_eq!(
        r.summary.sessions.dropped_by_association_failure,
        u64::from(on_a)
    );
    assert_eq!(r.summary.successes, 200 + u64::from(on_a));
    let during = r.samples.iter().find(|s| s.start == 2 * HOUR).unwrap();
    assert_eq!(
        (during.active.clone(), during.limits.clone()),
        (vec![0, 200], vec![0, 20_000])
    );
    let kinds: Vec<MarkKind> = r.marks.iter().map(|m| m.kind).collect();
    assert_eq!(kinds, [MarkKind::AzOutageStart, MarkKind::AzOutageEnd]);
    // Nobody is on subnet-a while it is down.
    let a_time: Millis = r.client_ms[0][0];
    assert_eq!(a_time, u64::from(on_a) * HOUR);
}

fn patient() -> RetryPolicy {
    RetryPolicy {
        initial: SECOND,
        multiplier: 1.0,
        max: SECOND,
        jitter: 0.0,
        give_up_after: 100_000,
    }
}

/// Live connections the endpoint ended, over the run.
fn dropped(r: &cvpnsim::sim::RunResult) -> u64 {
    r.samples.iter().map(|s| s.counts.dropped).sum()
}

fn sample_at(r: &cvpnsim::sim::RunResult, at: Millis) -> &cvpnsim::sim::Sample {
    r.samples.iter().find(|s| s.start == at).unwrap()
}

/// Guide, "Client VPN scaling considerations": the limit follows the table for the number of
/// associations, and a limit never disconnects anyone (only the failed association's sessions
/// are dropped: their path is gone). Even-share, table [15, 20] (shares 10 + 10): 20 users fill
/// both. subnet-a fails at 1 h: its 10 drop; subnet-b may take 15, so 5 of them get in. When
/// subnet-a recovers at 2 h the shares are 10 + 10 again, but subnet-b keeps its 15 (the old
/// model shed 5 of them); the 5 still refused land on subnet-a: 5 + 15.
#[test]
fn even_share_recovery_sheds_nobody() {
    let mut sc = endpoint(2);
    sc.limits.connections_by_associations = vec![15, 20];
    let mut pop = crowd(20, 10 * HOUR);
    pop.retry = patient();
    sc.populations.push(pop);
    sc.events.push(outage(&sc, 0, HOUR, Some(HOUR)));
    let r = run_audited(&sc);
    let during = sample_at(&r, 90 * MINUTE);
    assert_eq!(
        (during.active.clone(), during.limit_total),
        (vec![0, 15], 15)
    );
    let after = sample_at(&r, 3 * HOUR);
    assert_eq!(
        (after.active.clone(), after.limits.clone()),
        (vec![5, 15], vec![10, 10])
    );
    let ends = &r.summary.sessions;
    assert_eq!(ends.dropped_by_association_failure, 10);
    assert_eq!(r.summary.sessions.reset_by_modification, 0);
    // Everyone is connected when work ends at 10 h: 20 sessions complete.
    assert_eq!(ends.completed, 20);
    assert_eq!(
        dropped(&r),
        10,
        "nothing but subnet-a's sessions was dropped"
    );
}

/// Guide, "Client VPN scaling considerations", even-share what-if on 3 associations with a
/// table of [10, 12, 30] (shares 10 each): 30 users fill 10 + 10 + 10. Losing subnet-c brings
/// the limit to 12 (shares 6 + 6) below the 20 live on the healthy two: nobody on them is
/// dropped (the old model shed 4 on each); subnet-c's 10 are refused until it is back.
#[test]
fn even_share_az_loss_sheds_nobody_on_healthy_associations() {
    let mut sc = endpoint(3);
    sc.limits.connections_by_associations = vec![10, 12, 30];
    let mut pop = crowd(30, 10 * HOUR);
    pop.retry = patient();
    sc.populations.push(pop);
    sc.events.push(outage(&sc, 2, HOUR, Some(HOUR)));
    let r = run_audited(&sc);
    assert_eq!(sample_at(&r, 55 * MINUTE).active, [10, 10, 10]);
    let during = sample_at(&r, 90 * MINUTE);
    assert_eq!(
        (during.active.clone(), during.limits.clone()),
        (vec![10, 10, 0], vec![6, 6, 0])
    );
    assert_eq!(r.summary.sessions.dropped_by_association_failure, 10);
    assert_eq!(dropped(&r), 10, "nothing else was dropped");
    assert!(failures(&r, cvpnsim::sim::FailureReason::AssociationAtCapacity) > 0);
    assert_eq!(sample_at(&r, 3 * HOUR).active, [10, 10, 10]);
}

/// Guide, "Client VPN scaling considerations" (pooled, the default model: only the endpoint
/// total counts), table [10, 12, 30]: 30 users spread by DNS over three associations. Losing
/// subnet-c brings the limit to 12, below what subnet-a and subnet-b hold: they keep every
/// connection, subnet-c's users are refused (`endpoint-at-capacity`) until it is back, then all
/// 30 are connected again.
#[test]
fn pooled_az_loss_and_recovery_shed_nobody() {
    let mut sc = endpoint(3);
    sc.endpoint.capacity_model = CapacityModel::Pooled;
    sc.limits.connections_by_associations = vec![10, 12, 30];
    let mut pop = crowd(30, 10 * HOUR);
    pop.retry = patient();
    sc.populations.push(pop);
    sc.events.push(outage(&sc, 2, HOUR, Some(HOUR)));
    let r = run_audited(&sc);
    let before = sample_at(&r, 55 * MINUTE).active.clone();
    assert_eq!(before.iter().sum::<u32>(), 30);
    assert!(
        before[0] + before[1] > 12,
        "the case needs more than the new limit: {before:?}"
    );
    let during = sample_at(&r, 90 * MINUTE);
    assert_eq!(during.active, [before[0], before[1], 0]);
    assert_eq!(during.limit_total, 12);
    assert_eq!(
        r.summary.sessions.dropped_by_association_failure,
        u64::from(before[2])
    );
    assert_eq!(dropped(&r), u64::from(before[2]));
    assert!(failures(&r, cvpnsim::sim::FailureReason::EndpointAtCapacity) > 0);
    // No attempt succeeds while the count is above the limit.
    assert!(r
        .samples
        .iter()
        .filter(|s| s.start >= HOUR && s.end <= 2 * HOUR)
        .all(|s| s.counts.successes == 0));
    let after = sample_at(&r, 3 * HOUR);
    assert_eq!(after.active.iter().sum::<u32>(), 30);
    assert!(after.active[0] >= before[0] && after.active[1] >= before[1]);
}

/// Disassociation is for good: the association never comes back.
#[test]
fn disassociation_is_permanent() {
    let mut sc = endpoint(2);
    sc.populations.push(crowd(100, 6 * HOUR));
    sc.events.push(event(
        HOUR,
        EventKind::Disassociate {
            association: AssocId(1),
        },
    ));
    let r = run_audited(&sc);
    let last = r.samples.last().unwrap();
    assert_eq!(
        (last.limits.clone(), last.limit_total),
        (vec![20_000, 0], 20_000)
    );
    assert!(r
        .samples
        .iter()
        .filter(|s| s.start >= HOUR)
        .all(|s| s.active[1] == 0));
}

/// docs/model.md §5 (guide, "Troubleshooting: access is intermittent"; `remote-random-hostname`): clients
/// that cache the DNS answer stick to their landing until it fails. After an
/// outage of subnet-a moves everyone to subnet-b, a reset makes them all reconnect, and caching
/// clients all come back to subnet-b, while `remote-random-hostname` clients spread again.
#[test]
fn caching_clients_stick_to_their_landing_until_it_fails() {
    let build = |caching: bool| {
        let mut sc = endpoint(2);
        let mut pop = crowd(100, 8 * HOUR);
        pop.dns_caching = caching;
        sc.populations.push(pop);
        sc.events.push(outage(&sc, 0, HOUR, Some(HOUR)));
        let resets = EventKind::Modify {
            changes: vec![Modification::VpnPort],
            propagation: 0,
            resets: true,
            disconnect_on_session_timeout: None,
            reset_window: 0,
        };
        sc.events.push(event(3 * HOUR, resets));
        sc
    };
    let cached = run_audited(&build(true));
    let at = |r: &cvpnsim::sim::RunResult| {
        r.samples
            .iter()
            .find(|s| s.start == 4 * HOUR)
            .unwrap()
            .active
            .clone()
    };
    assert_eq!(at(&cached), [0, 100]);
    let spread = at(&run_audited(&build(false)));
    assert!(spread[0] > 20 && spread[1] > 20, "{spread:?}");
}

/// Closed populations work on their days only: Monday–Friday from a Monday over a week, 09:00
/// for 8 h, is five sessions per user, 40 h of client time each.
#[test]
fn workday_users_work_on_their_days() {
    let mut sc = endpoint(1);
    sc.duration = 7 * DAY;
    sc.populations
        .push(workday("office", 3, 9 * HOUR, 8 * HOUR, WEEKDAYS));
    let r = run_audited(&sc);
    assert_eq!(
        (r.summary.successes, r.summary.sessions.completed),
        (15, 15)
    );
    assert_eq!(r.client_ms[0][0], 3 * 5 * 8 * HOUR);
    assert_eq!(
        (r.summary.peak_concurrency, r.summary.peak_concurrency_at_ms),
        (3, 9 * HOUR)
    );
    // Started on a Saturday: the first working day is day 2.
    sc.start_weekday = Weekday::Sat;
    let r = run_audited(&sc);
    assert_eq!(r.summary.peak_concurrency_at_ms, 2 * DAY + 9 * HOUR);
}

/// docs/model.md §7 bandwidth (guide, "Rules and best practices": a minimum of 10 Mbps per connection;
/// "Troubleshooting: verify the bandwidth limit": a 10 Mbps limit per connection): three 10 Mbps demands sharing a 20 Mbps association are each cut to
/// 6.67 Mbps, below their 10 Mbps floor, for the hour they are connected: 180 connection-minutes.
/// Two such connections fit exactly and are never below the floor.
#[test]
fn below_floor_connection_minutes_under_a_max_min_fair_share() {
    for (users, minutes, peak) in [(3, 180.0, 3), (2, 0.0, 0)] {
        let mut sc = endpoint(1);
        sc.endpoint.association_throughput_mbps = Some(20.0);
        let mut pop = crowd(users, HOUR);
        pop.demand_mbps = Dist::Fixed(25.0); // capped to the 10 Mbps per-connection figure
        sc.populations.push(pop);
        let r = run_audited(&sc);
        assert_eq!(r.summary.below_floor_connection_minutes, minutes);
        assert_eq!(r.summary.below_floor_peak, peak);
        assert_eq!(r.samples[0].below_floor, peak);
    }
}

/// Open populations: each arrival is a new user who leaves when done; users are conserved.
#[test]
fn open_population_users_arrive_and_leave() {
    let mut sc = endpoint(1);
    sc.populations.push(poisson(
        "walk-ins",
        120.0,
        Dist::Fixed((30 * MINUTE) as f64),
    ));
    let r = run_audited(&sc);
    let p = &r.summary.populations[0];
    // 120/h for 24 h: 2,880 expected, sd ≈ 54.
    assert!((p.users as f64 - 2880.0).abs() < 220.0, "{}", p.users);
    let e = &p.at_end;
    assert_eq!(
        e.departed + e.connected + e.waiting_to_retry + e.in_handler,
        p.users
    );
    assert_eq!(e.idle, 0);
    assert_eq!(r.summary.failures, 0);
    // Little's law, exactly here: every session lasts 30 minutes unless the run ends first.
    let hours = r.summary.populations[0].connected_hours;
    assert!(
        hours <= p.users as f64 * 0.5 && hours > (p.users - e.connected) as f64 * 0.5,
        "{hours}"
    );
}
