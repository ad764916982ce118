//! Statistical validation against queueing theory (issue: "How it is checked"). An open Poisson
//! population with exponential sessions on one association whose limit is c, with no retries
//! (`give_up_after = 1`), is an M/M/c/c loss system:
//! - the blocking probability is Erlang B: B(a, c) with offered load a = λ·E[S];
//! - the mean number of live connections is a·(1 − B) (Little's law on the admitted stream).
//!
//! Fixed seeds; tolerances are stated per test and are several standard errors wide (each run
//! covers hundreds of thousands of arrivals).

use crate::support::*;
use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::sim::FailureReason;

/// Erlang B by the stable recurrence B(a, 0) = 1, B(a, k) = a·B / (k + a·B).
fn erlang_b(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

fn loss_system(
    per_hour: f64,
    mean_session: Millis,
    servers: u32,
    days: u64,
    seed: u64,
) -> cvpnsim::sim::RunResult {
    let mut sc = endpoint(1);
    sc.seed = seed;
    sc.duration = days * DAY;
    sc.sample_interval = HOUR;
    sc.limits.connections_by_associations = vec![servers];
    sc.populations.push(poisson(
        "arrivals",
        per_hour,
        Dist::Exponential {
            mean: mean_session as f64,
        },
    ));
    run(&sc)
}

#[test]
fn erlang_b_reference_values() {
    // Textbook values: B(10, 10) ≈ 0.2146, B(1, 1) = 1/2, B(5, 10) ≈ 0.01838.
    assert!((erlang_b(10.0, 10) - 0.214_58).abs() < 1e-4);
    assert!((erlang_b(1.0, 1) - 0.5).abs() < 1e-12);
    assert!((erlang_b(5.0, 10) - 0.018_38).abs() < 1e-4);
}

/// a = 60/h × 10 min = 10 erlangs on 10 connections: B ≈ 0.2146. 400 days ≈ 576,000 arrivals;
/// the estimate's standard error is about 0.001; tolerance 0.006.
#[test]
fn blocking_matches_erlang_b_at_ten_erlangs_on_ten_connections() {
    let r = loss_system(60.0, 10 * MINUTE, 10, 400, 11);
    let s = &r.summary;
    assert_eq!(
        s.failures,
        s.failures_by_reason.0[FailureReason::EndpointAtCapacity.index()]
            + s.failures_by_reason.0[FailureReason::AssociationAtCapacity.index()]
    );
    let b = erlang_b(10.0, 10);
    assert!(
        (s.blocking_probability.unwrap() - b).abs() < 0.006,
        "simulated {} vs Erlang B {b}",
        s.attempt_failure_rate
    );
    // Little's law: mean live connections = a (1 − B) ≈ 7.854; tolerance 1.5 %.
    let expected = 10.0 * (1.0 - b);
    assert!(
        (s.mean_concurrency - expected).abs() / expected < 0.015,
        "mean {} vs {expected}",
        s.mean_concurrency
    );
    assert_eq!(s.peak_concurrency, 10);
    assert_eq!(s.retries, 0);
}

/// A lightly loaded system (5 erlangs on 10): B ≈ 0.0184; tolerance 0.003 (≈ 4 standard errors).
#[test]
fn blocking_matches_erlang_b_at_light_load() {
    let r = loss_system(30.0, 10 * MINUTE, 10, 400, 12);
    let b = erlang_b(5.0, 10);
    assert!(
        (r.summary.blocking_probability.unwrap() - b).abs() < 0.003,
        "simulated {} vs {b}",
        r.summary.blocking_probability.unwrap()
    );
    let expected = 5.0 * (1.0 - b);
    assert!((r.summary.mean_concurrency - expected).abs() / expected < 0.015);
}

/// One connection (M/M/1/1): B = a / (1 + a). With a = 2: B = 2/3; tolerance 0.01.
#[test]
fn single_connection_blocks_a_over_one_plus_a() {
    let r = loss_system(12.0, 10 * MINUTE, 1, 300, 13);
    assert!(
        (r.summary.blocking_probability.unwrap() - 2.0 / 3.0).abs() < 0.01,
        "{}",
        r.summary.blocking_probability.unwrap()
    );
    // Mean live = a(1 − B) = 2/3.
    assert!(
        (r.summary.mean_concurrency - 2.0 / 3.0).abs() < 0.015,
        "{}",
        r.summary.mean_concurrency
    );
}

/// Erlang B is insensitive to the session distribution beyond its mean: fixed 10-minute sessions
/// block like exponential ones (B(10, 10) again).
#[test]
fn blocking_is_insensitive_to_the_session_distribution() {
    let mut sc = endpoint(1);
    sc.seed = 14;
    sc.duration = 300 * DAY;
    sc.sample_interval = HOUR;
    sc.limits.connections_by_associations = vec![10];
    sc.populations
        .push(poisson("arrivals", 60.0, Dist::Fixed((10 * MINUTE) as f64)));
    let r = run(&sc);
    let b = erlang_b(10.0, 10);
    assert!(
        (r.summary.blocking_probability.unwrap() - b).abs() < 0.007,
        "{} vs {b}",
        r.summary.blocking_probability.unwrap()
    );
}
