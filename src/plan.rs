//! Capacity planning by the guide's rules: the smallest client CIDR and the number of subnet
//! associations for a target peak of concurrent connections (guide: "Client VPN scaling
//! considerations"), and the client connect handler's concurrency for a reconnect storm
//! (`Storm`, `size_handler`, confirmed on the engine by `study::confirm::reset_storm`). Pure: no I/O.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::cost::{self, quantity};
use crate::dist::Dist;
use crate::model::{Limits, Millis, Pricing, RetryPolicy, Scenario};

/// What the planner is asked.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// Peak concurrent connections to support.
    pub peak: u64,
    /// Keep the peak within the limit with any one Availability Zone lost.
    pub survive_az_loss: bool,
    /// Share of each limit kept free at the peak (0.2: the peak may use at most 80 % of the
    /// usable client addresses and of the connection limit).
    pub margin: f64,
    pub limits: Limits,
    pub pricing: Pricing,
    /// The VPC has an internet gateway (public IPv4 addresses are charged per association).
    pub public_ipv4: bool,
}

/// One association count the planner considered.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOption {
    pub associations: usize,
    pub connection_limit: u32,
    /// The limit with one association lost (`None` for one association).
    pub limit_after_az_loss: Option<u32>,
    /// Whether it meets the request (peak within the limit with the margin, two or more
    /// associations, and the loss of one AZ survived when asked).
    pub meets: bool,
    /// Associations (and their public IPv4 addresses) for a 730-hour month.
    pub monthly_fixed_cost: f64,
}

/// The answer, with the reasoning a reviewer can check.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub peak: u64,
    pub client_prefix: u8,
    pub client_addresses: u64,
    pub usable_addresses: u64,
    pub associations: usize,
    pub connection_limit: u32,
    /// The limit with one association lost (for `associations ≥ 2`).
    pub limit_after_az_loss: Option<u32>,
    /// Free share of the usable addresses and of the limit at the peak.
    pub address_headroom: f64,
    pub connection_headroom: f64,
    /// Every association count of the table, cheapest first among those that meet the request.
    pub options: Vec<PlanOption>,
    /// Associations for a month, plus the peak's connections all month (an upper bound: real
    /// connection-hours follow the working day; `plan --from` simulates them).
    pub monthly_cost_at_peak: f64,
    pub steps: Vec<String>,
    /// Advice that does not change the answer (e.g. landing imbalance with even-share).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlanError {
    /// No client CIDR between /12 and /22 holds twice the peak.
    TooManyAddresses {
        peak: u64,
        max_usable: u64,
    },
    /// No association count in the table supports the peak.
    TooManyConnections {
        peak: u64,
        max: u32,
        survive_az_loss: bool,
    },
    ZeroPeak,
    /// The margin is not in [0, 1).
    Margin(f64),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::TooManyAddresses { peak, max_usable } => write!(
                f,
                "{peak} connections need {} addresses, more than a /12 provides ({max_usable} usable): split the users over several endpoints",
                u128::from(*peak) * 2
            ),
            PlanError::TooManyConnections { peak, max, survive_az_loss } => {
                let what = if *survive_az_loss { " with one Availability Zone lost" } else { "" };
                write!(f, "{peak} connections{what}, with the headroom margin, exceed the largest supported figure ({max}): request a quota increase and declare it in a scenario's [limits] connections_by_associations (then plan with --from that scenario), lower --margin, or split the users over several endpoints")
            }
            PlanError::ZeroPeak => write!(f, "the peak must be at least 1 connection"),
            PlanError::Margin(m) => write!(f, "the margin must be at least 0 % and below 100 % (got {:.1} %)", m * 100.0),
        }
    }
}

impl std::error::Error for PlanError {}

/// Smallest prefix length whose block holds `need` addresses, if any.
fn prefix_for(need: u64) -> u8 {
    let mut p = 32u8;
    while p > 0 && (1u64 << (32 - p)) < need {
        p -= 1;
    }
    p
}

/// The peak a limit must hold so that `margin` of it stays free: ⌈peak / (1 − margin)⌉.
fn with_margin(peak: u64, margin: f64) -> u64 {
    (peak as f64 / (1.0 - margin)).ceil() as u64
}

/// The client CIDR's prefix length and address count for `target` connections (the peak with
/// the margin kept free), with the step that explains it.
fn client_cidr(
    req: &PlanRequest,
    target: u64,
    steps: &mut Vec<String>,
) -> Result<(u8, u64), PlanError> {
    let margin_pct = req.margin * 100.0;
    // Addresses: twice the (margined) peak (guide: a portion of the block supports the
    // availability model; we recommend twice the number of addresses), within /12–/22.
    let too_many = PlanError::TooManyAddresses {
        peak: req.peak,
        max_usable: (1u64 << 20) / 2,
    };
    // Checked: a peak near 2^64 must be refused, not wrapped to a small count.
    let need = target.checked_mul(2).ok_or(too_many.clone())?;
    let exact = prefix_for(need);
    let prefix = exact.min(22);
    if prefix < 12 {
        return Err(too_many);
    }
    let addresses = 1u64 << (32 - prefix);
    let margin_note = if req.margin > 0.0 {
        format!(" ({} with {margin_pct:.0} % kept free)", target)
    } else {
        String::new()
    };
    steps.push(format!(
        "client CIDR: {} connections{margin_note} × 2 = {need} addresses → /{prefix} ({addresses} addresses, {} usable){}",
        req.peak,
        addresses / 2,
        if exact > 22 { "; /22 is the smallest block allowed" } else { "" }
    ));
    Ok((prefix, addresses))
}

/// Every number of associations the table allows, with its limits, cost, and whether it meets
/// the request (`target`: the peak with the margin kept free).
fn options(req: &PlanRequest, target: u64) -> Vec<PlanOption> {
    let table = &req.limits.connections_by_associations;
    let limit = |n: usize| req.limits.endpoint_limit(n) as u64;
    (1..=table.len())
        .map(|k| {
            let meets =
                k >= 2 && limit(k) >= target && (!req.survive_az_loss || limit(k - 1) >= target);
            PlanOption {
                associations: k,
                connection_limit: limit(k) as u32,
                limit_after_az_loss: (k >= 2).then(|| req.limits.endpoint_limit(k - 1)),
                meets,
                monthly_fixed_cost: cost::monthly_estimate(
                    &req.pricing,
                    k as u32,
                    0.0,
                    req.public_ipv4,
                ),
            }
        })
        .collect()
}

pub fn plan(req: &PlanRequest) -> Result<Plan, PlanError> {
    if req.peak == 0 {
        return Err(PlanError::ZeroPeak);
    }
    if !(0.0..1.0).contains(&req.margin) {
        return Err(PlanError::Margin(req.margin));
    }
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    // The largest peak any figure here can hold is far below u64 overflow; refuse absurd ones
    // before multiplying.
    const MAX_PEAK: u64 = 1 << 40;
    if req.peak > MAX_PEAK {
        return Err(PlanError::TooManyAddresses {
            peak: req.peak,
            max_usable: (1u64 << 20) / 2,
        });
    }
    let target = with_margin(req.peak, req.margin);
    let margin_pct = req.margin * 100.0;

    let (prefix, addresses) = client_cidr(req, target, &mut steps)?;

    // Associations: the table, at least two for AZ redundancy (the guide recommends two).
    let table = &req.limits.connections_by_associations;
    let limit = |n: usize| req.limits.endpoint_limit(n) as u64;
    let by_capacity = (1..=table.len()).find(|&n| limit(n) >= target);
    let n = if req.survive_az_loss {
        (2..=table.len()).find(|&n| limit(n - 1) >= target)
    } else {
        by_capacity.map(|n| n.max(2).min(table.len()))
    };
    let Some(n) = n else {
        let max = if req.survive_az_loss {
            req.limits.endpoint_limit(table.len().saturating_sub(1))
        } else {
            req.limits.endpoint_limit(table.len())
        };
        return Err(PlanError::TooManyConnections {
            peak: req.peak,
            max,
            survive_az_loss: req.survive_az_loss,
        });
    };
    if let Some(c) = by_capacity {
        steps.push(format!(
            "associations for capacity: {c} ({} connections ≥ {target}{})",
            limit(c),
            if req.margin > 0.0 {
                format!(", the peak with {margin_pct:.0} % kept free")
            } else {
                String::new()
            }
        ));
    }
    if req.survive_az_loss {
        steps.push(format!(
            "with one Availability Zone lost, {} association(s) remain: {} connections ≥ {target} → {n} associations",
            n - 1,
            limit(n - 1),
        ));
    } else if by_capacity.is_some_and(|c| c < n) {
        steps.push(format!("at least 2 associations in different Availability Zones for redundancy (the guide's recommendation) → {n}"));
    }
    let share = limit(n) as f64 / n as f64;
    let mean = req.peak as f64 / n as f64;
    let spread = 3.0 * (req.peak as f64 * (1.0 / n as f64) * (1.0 - 1.0 / n as f64)).sqrt();
    if n > 1 && mean + spread > share {
        notes.push(format!(
            "with the even-share model each association holds {share:.0}; random DNS landing puts up to about {:.0} on one association at peak, so some logins may be refused there and retried",
            mean + spread
        ));
    }

    let options = options(req, target);
    let fixed = options[n - 1].monthly_fixed_cost;
    let monthly_cost_at_peak =
        fixed + cost::monthly_estimate(&req.pricing, 0, req.peak as f64, false);
    steps.push(format!(
        "cost: {n} associations {} a month; the peak's {} connections all month would add {} (an upper bound)",
        cost::money(fixed),
        req.peak,
        cost::money(monthly_cost_at_peak - fixed)
    ));
    Ok(Plan {
        peak: req.peak,
        client_prefix: prefix,
        client_addresses: addresses,
        usable_addresses: addresses / 2,
        associations: n,
        connection_limit: limit(n) as u32,
        limit_after_az_loss: (n >= 2).then(|| req.limits.endpoint_limit(n - 1)),
        address_headroom: 1.0 - req.peak as f64 / (addresses / 2) as f64,
        connection_headroom: 1.0 - req.peak as f64 / limit(n) as f64,
        options,
        monthly_cost_at_peak,
        steps,
        notes,
    })
}

// ---------------------------------------------------------------------------------------------
// Handler concurrency for a reconnect storm.

/// A reconnect storm through the client connect handler: every user's first attempt after the
/// drop, counted from the event, and what each attempt meets at the handler. The engine's rules
/// (guide: "Requirements and considerations" of client connect handlers): an invocation when
/// `concurrency` are in flight is throttled at once, and the client retries with its back-off;
/// an invocation holds its slot for its latency, or until the handler timeout, when it fails and
/// is retried the same way.
#[derive(Debug, Clone)]
pub struct Storm {
    /// Each user's first attempt after the drop, milliseconds after the event.
    pub first_attempts: Vec<Millis>,
    pub latency: Dist,
    pub retry: RetryPolicy,
    pub handler_timeout: Millis,
    /// Probability an invocation that ran ends refused (the handler's deny, error, invalid
    /// response and service error rates): the client retries as after throttling.
    pub handler_failure_rate: f64,
    /// Seeds the latency and back-off draws (the same seed gives the same answer).
    pub seed: u64,
}

/// How long the storm's users took to be back, counted from the event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StormRun {
    /// Until 99 % of the storm's users were connected (`None`: never, some gave up).
    pub p99_ms: Option<Millis>,
    pub throttled: u64,
    pub gave_up: u64,
}

/// The nearest-rank 99th percentile of `back` (sorted in place), where `users` were dropped.
fn p99_of(back: &mut [Millis], users: usize) -> Option<Millis> {
    back.sort_unstable();
    let rank = crate::sim::outcomes::nearest_rank(0.99, users as u64) as usize;
    (rank >= 1 && rank <= back.len()).then(|| back[rank - 1])
}

impl Storm {
    /// The users of a storm of `users` connections dropped at once by a scenario event: each comes
    /// back as its population does (automatic clients after the retry policy's first delay, SAML
    /// users after the manual reconnect delay; after an AZ outage, only once the keepalive gives
    /// up). Populations share the users in proportion to their working-day users (equally when
    /// none has any); the first population's retry policy applies. `None` when the scenario has
    /// no population or no handler.
    pub fn of_scenario(
        sc: &Scenario,
        users: u64,
        outage: bool,
        latency: Option<&Dist>,
    ) -> Option<Storm> {
        let latency = latency.cloned().or_else(|| {
            sc.endpoint
                .client_connect_handler
                .as_ref()
                .map(|h| h.latency.clone())
        })?;
        let first = sc.populations.first()?;
        let weights: Vec<f64> = sc
            .populations
            .iter()
            .map(|p| match p.arrivals {
                crate::model::Arrivals::Workday { users, .. } => f64::from(users),
                _ => 0.0,
            })
            .collect();
        let total: f64 = weights.iter().sum();
        let manual = !sc.endpoint.authentication.reconnects_automatically();
        let mut rng = ChaCha8Rng::seed_from_u64(sc.seed ^ 0x5707_u64);
        let mut first_attempts = Vec::with_capacity(users as usize);
        let mut acc = 0.0;
        for (i, p) in sc.populations.iter().enumerate() {
            let share = if total > 0.0 {
                weights[i] / total
            } else {
                1.0 / sc.populations.len() as f64
            };
            let before = acc;
            acc += share * users as f64;
            let count = (libm::round(acc) - libm::round(before)).max(0.0) as u64;
            for _ in 0..count {
                let notice = if outage {
                    p.outage_detection_delay.sample_millis(&mut rng)
                } else {
                    0
                };
                let delay = if manual {
                    p.manual_reconnect_delay.sample_millis(&mut rng)
                } else {
                    crate::sim::retry_delay(&p.retry, 1, &mut rng)
                };
                first_attempts.push(notice.saturating_add(delay));
            }
        }
        Some(Storm {
            first_attempts,
            latency,
            retry: first.retry.clone(),
            handler_timeout: sc.limits.handler_timeout,
            handler_failure_rate: sc
                .endpoint
                .client_connect_handler
                .as_ref()
                .map_or(0.0, |h| {
                    (h.deny_rate + h.error_rate + h.invalid_response_rate + h.service_error_rate)
                        .min(1.0)
                }),
            seed: sc.seed,
        })
    }

    /// The perfect-queue bound, worked out without randomness: `concurrency` slots, each call
    /// taking the mean latency, users served first come first served and never turned away. The
    /// time until 99 % are back; throttling and back-off can only make it longer.
    pub fn queued_p99(&self, concurrency: u32) -> Option<Millis> {
        let n = self.first_attempts.len();
        if n == 0 || concurrency == 0 {
            return None;
        }
        let service = libm::round(self.latency.mean()).max(0.0) as Millis;
        let mut arrivals = self.first_attempts.clone();
        arrivals.sort_unstable();
        let mut free: std::collections::BinaryHeap<std::cmp::Reverse<Millis>> = (0..concurrency
            .min(n as u32))
            .map(|_| std::cmp::Reverse(0))
            .collect();
        let mut back = Vec::with_capacity(n);
        for a in arrivals {
            let std::cmp::Reverse(slot) = free.pop().unwrap_or(std::cmp::Reverse(0));
            let done = a.max(slot) + service;
            free.push(std::cmp::Reverse(done));
            back.push(done);
        }
        p99_of(&mut back, n)
    }

    /// The storm as the engine plays it: throttled attempts retried with the clients' back-off
    /// (giving up after the policy's attempts), latencies drawn from the distribution.
    pub fn run(&self, concurrency: u32) -> StormRun {
        use std::cmp::Reverse;
        let n = self.first_attempts.len();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        // (time, sequence, user, is_done); the sequence keeps ties in insertion order.
        let mut queue: std::collections::BinaryHeap<Reverse<(Millis, u64, u32, bool)>> =
            std::collections::BinaryHeap::with_capacity(n);
        let mut seq = 0u64;
        for (u, &t) in self.first_attempts.iter().enumerate() {
            queue.push(Reverse((t, seq, u as u32, false)));
            seq += 1;
        }
        let mut attempts = vec![0u32; n];
        let mut in_flight = 0u32;
        let (mut throttled, mut gave_up) = (0u64, 0u64);
        let mut back = Vec::with_capacity(n);
        while let Some(Reverse((t, _, u, done))) = queue.pop() {
            let i = u as usize;
            let failed = if done {
                in_flight -= 1;
                // A timed-out invocation is marked by an attempt count with the top bit set.
                if attempts[i] & TIMED_OUT == 0 {
                    let refused = self.handler_failure_rate > 0.0
                        && crate::dist::unit(&mut rng) < self.handler_failure_rate;
                    if !refused {
                        back.push(t);
                        continue;
                    }
                }
                attempts[i] &= !TIMED_OUT;
                true
            } else {
                attempts[i] += 1;
                if in_flight < concurrency {
                    in_flight += 1;
                    let latency = self.latency.sample_millis(&mut rng);
                    let hold = if latency >= self.handler_timeout {
                        attempts[i] |= TIMED_OUT;
                        self.handler_timeout
                    } else {
                        latency
                    };
                    queue.push(Reverse((t + hold, seq, u, true)));
                    seq += 1;
                    false
                } else {
                    throttled += 1;
                    true
                }
            };
            if failed {
                if attempts[i] >= self.retry.give_up_after {
                    gave_up += 1;
                    continue;
                }
                let delay = crate::sim::retry_delay(&self.retry, attempts[i], &mut rng);
                queue.push(Reverse((t + delay, seq, u, false)));
                seq += 1;
            }
        }
        StormRun {
            p99_ms: p99_of(&mut back, n),
            throttled,
            gave_up,
        }
    }
}

const TIMED_OUT: u32 = 1 << 31;

/// A storm of `users` clients that reconnect by themselves (mutual or Active Directory
/// authentication, the default retry policy: first after 2 s less up to half of it), through a
/// handler of `latency`, with the guide's 30 s handler timeout: `plan` without a scenario.
pub fn automatic_storm(users: u64, latency: Dist, seed: u64) -> Storm {
    let retry = crate::scenario::section::populations::default_retry();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5707_u64);
    Storm {
        first_attempts: (0..users)
            .map(|_| crate::sim::retry_delay(&retry, 1, &mut rng))
            .collect(),
        latency,
        retry,
        handler_timeout: Limits::default().handler_timeout,
        handler_failure_rate: 0.0,
        seed,
    }
}

/// The concurrency a storm needs for its 99th percentile time to reconnect to stay within a
/// target, with the reasoning.
#[derive(Debug, Clone, PartialEq)]
pub struct HandlerSizing {
    pub users: u64,
    /// Until 99 % back, from the event, that the sizing keeps to.
    pub target_ms: Millis,
    /// The users' own part of it: 99 % back with a handler that never throttles (their delay
    /// before trying again plus the handler's latency).
    pub floor_ms: Option<Millis>,
    pub mean_latency_ms: f64,
    /// The smallest concurrency a perfect queue would need (the analytic bound).
    pub queue_bound: Option<u32>,
    /// The smallest concurrency with which the storm, throttled and retried as the engine does
    /// it, is 99 % back within the target.
    pub needed: Option<u32>,
    /// `needed` with the headroom margin: the recommendation.
    pub concurrency: Option<u32>,
    /// 99 % back at `needed`, as modelled.
    pub modelled_p99_ms: Option<Millis>,
    pub steps: Vec<String>,
}

/// The allowance a default target gives each storm: 99 % back within a minute of when the users
/// start trying (the storm's floor plus a minute).
pub const RECONNECT_ALLOWANCE: Millis = 60 * crate::model::SECOND;

/// Sizes the handler for `storm`: 99 % of its users back within `target` of the event (`None`:
/// its floor plus [`RECONNECT_ALLOWANCE`]), with `margin` of the concurrency kept free.
pub fn size_handler(storm: &Storm, target: Option<Millis>, margin: f64) -> HandlerSizing {
    let users = storm.first_attempts.len() as u64;
    let all = u32::try_from(users).unwrap_or(u32::MAX).max(1);
    let floor = storm.run(all).p99_ms;
    let target_ms =
        target.unwrap_or_else(|| floor.unwrap_or(0).saturating_add(RECONNECT_ALLOWANCE));
    let mean = storm.latency.mean();
    let ok = |p: Option<Millis>| p.is_some_and(|p| p <= target_ms);
    // The smallest C in [lo, hi] with `holds(C)`, given holds(hi).
    let search = |mut lo: u32, mut hi: u32, holds: &dyn Fn(u32) -> bool| {
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if holds(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        hi
    };
    let queue_bound =
        ok(storm.queued_p99(all)).then(|| search(1, all, &|c| ok(storm.queued_p99(c))));
    let needed = match (queue_bound, ok(floor)) {
        (Some(lo), true) => Some(search(lo, all, &|c| ok(storm.run(c).p99_ms))),
        _ => None,
    };
    let concurrency = needed.map(|c| ((f64::from(c) / (1.0 - margin)).ceil() as u32).max(c));
    let modelled = needed.and_then(|c| storm.run(c).p99_ms);
    let secs = |ms: Millis| crate::timefmt::span(ms as f64 / crate::model::SECOND as f64);
    let mut steps = vec![format!(
        "storm: {} users, 99 % of them trying again within {} of the event; the handler's mean latency {:.2} s",
        quantity(users as f64),
        secs(nth_p99(&storm.first_attempts)),
        mean / crate::model::SECOND as f64
    )];
    steps.push(format!(
        "target: 99 % back within {} of the event{}",
        secs(target_ms),
        if target.is_none() {
            " (their own delay and the handler's latency, plus a minute)"
        } else {
            ""
        }
    ));
    match (floor, queue_bound, needed) {
        (Some(f), _, _) if f > target_ms => steps.push(format!(
            "even a handler that never throttles brings 99 % back only after {}: no concurrency meets the target",
            secs(f)
        )),
        (None, _, _) => steps.push("even a handler that never throttles leaves more than 1 % of the users out (they give up or time out): no concurrency meets the target".into()),
        (_, Some(q), Some(c)) => {
            steps.push(format!(
                "a perfect queue (every call the mean latency, nobody turned away) needs {q}: {} × {:.2} s ÷ {q} slots drains the storm in {}",
                quantity(users as f64),
                mean / crate::model::SECOND as f64,
                secs((users as f64 * mean / f64::from(q)) as Millis)
            ));
            steps.push(format!(
                "throttled attempts wait for the clients' back-off ({} doubling up to {}): {c} keeps 99 % within the target (modelled {})",
                secs(storm.retry.initial),
                secs(storm.retry.max),
                modelled.map_or("never".into(), secs)
            ));
            if margin > 0.0 {
                steps.push(format!(
                    "with {:.0} % kept free: {}",
                    margin * 100.0,
                    concurrency.unwrap_or(c)
                ));
            }
        }
        _ => {}
    }
    HandlerSizing {
        users,
        target_ms,
        floor_ms: floor,
        mean_latency_ms: mean,
        queue_bound,
        needed,
        concurrency,
        modelled_p99_ms: modelled,
        steps,
    }
}

/// The nearest-rank 99th percentile of unsorted values (0 for none).
fn nth_p99(v: &[Millis]) -> Millis {
    let mut s = v.to_vec();
    p99_of(&mut s, v.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guide's rules alone: no headroom margin.
    fn ask(peak: u64, survive: bool) -> Result<Plan, PlanError> {
        ask_with(peak, survive, 0.0)
    }

    fn ask_with(peak: u64, survive: bool, margin: f64) -> Result<Plan, PlanError> {
        plan(&PlanRequest {
            peak,
            survive_az_loss: survive,
            margin,
            limits: Limits::default(),
            pricing: Pricing::default(),
            public_ipv4: false,
        })
    }

    #[test]
    fn peaks_near_the_integer_limit_are_refused_not_wrapped() {
        for peak in [u64::MAX, 1 << 63, (1 << 63) + 1, 1 << 40] {
            let e = ask(peak, false).unwrap_err();
            assert!(
                matches!(e, PlanError::TooManyAddresses { .. }),
                "{peak}: {e:?}"
            );
            assert!(
                e.to_string().contains(&format!(
                    "{peak} connections need {} addresses",
                    2 * u128::from(peak)
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn guide_sizing_example_8000_connections() {
        // Guide, "Client VPN scaling considerations": "if you expect to support 8,000 VPN
        // connections ... specify a minimum client CIDR range size of /18 (16,384 IP addresses),
        // and associate at least 2 subnets".
        let p = ask(8000, false).unwrap();
        assert_eq!(p.client_prefix, 18);
        assert_eq!(p.client_addresses, 16_384);
        assert_eq!(p.associations, 2);
        assert_eq!(ask(8000, true).unwrap().associations, 2);
    }

    #[test]
    fn association_table_boundaries() {
        // Guide, "Client VPN scaling considerations": 1 → 20,000; 2 → 36,500; 3 → 66,500;
        // 4 → 96,500; 5 → 126,000.
        for (n, peak) in [
            (2, 20_000),
            (2, 36_500),
            (3, 36_501),
            (3, 66_500),
            (4, 66_501),
            (4, 96_500),
            (5, 96_501),
            (5, 126_000),
        ] {
            assert_eq!(ask(peak, false).unwrap().associations, n, "peak {peak}");
        }
        assert!(matches!(
            ask(126_001, false),
            Err(PlanError::TooManyConnections { max: 126_000, .. })
        ));
        // Surviving an AZ loss needs the table's figure for n − 1.
        for (n, peak) in [
            (2, 20_000),
            (3, 20_001),
            (3, 36_500),
            (4, 36_501),
            (5, 96_500),
        ] {
            assert_eq!(
                ask(peak, true).unwrap().associations,
                n,
                "peak {peak} surviving AZ loss"
            );
        }
        assert!(ask(96_501, true).is_err());
    }

    #[test]
    fn client_cidr_bounds() {
        // Guide, "Rules and best practices": /22 at least, /12 at most.
        assert_eq!(ask(10, false).unwrap().client_prefix, 22);
        assert_eq!(ask(512, false).unwrap().client_prefix, 22);
        assert_eq!(ask(513, false).unwrap().client_prefix, 21);
        assert_eq!(ask(126_000, false).unwrap().client_prefix, 14);
        let big = Limits {
            connections_by_associations: vec![1_000_000],
            ..Limits::default()
        };
        assert!(matches!(
            plan(&PlanRequest {
                peak: 600_000,
                survive_az_loss: false,
                margin: 0.0,
                limits: big,
                pricing: Pricing::default(),
                public_ipv4: false,
            }),
            Err(PlanError::TooManyAddresses { .. })
        ));
        assert_eq!(ask(0, false), Err(PlanError::ZeroPeak));
    }

    #[test]
    fn a_margin_keeps_headroom_at_the_peak() {
        // 8,000 connections on a /18 leave 192 of 8,192 usable addresses free (2.3 %); with
        // 20 % kept free the peak needs 10,000 usable addresses: a /17 (16,384 usable).
        let tight = ask(8000, false).unwrap();
        assert!((tight.address_headroom - 192.0 / 8192.0).abs() < 1e-12);
        let p = ask_with(8000, false, 0.2).unwrap();
        assert_eq!(p.client_prefix, 17);
        assert!(p.address_headroom >= 0.2, "{}", p.address_headroom);
        // 18,000 connections fit one association's 20,000 only at 10 % headroom: with 20 %
        // they need 22,500, so 2 associations (36,500), and 3 to survive an AZ loss.
        assert_eq!(ask_with(18_000, false, 0.2).unwrap().associations, 2);
        assert_eq!(ask_with(18_000, true, 0.2).unwrap().associations, 3);
        assert_eq!(ask_with(16_000, true, 0.2).unwrap().associations, 2);
        // 110,000 connections with 20 % kept free exceed 126,000.
        let err = ask_with(110_000, false, 0.2).unwrap_err().to_string();
        assert!(
            err.contains("[limits]") && !err.contains("--max-connections"),
            "{err}"
        );
        assert_eq!(ask_with(10, false, 1.0), Err(PlanError::Margin(1.0)));
        assert_eq!(ask_with(10, false, -0.1), Err(PlanError::Margin(-0.1)));
    }

    #[test]
    fn options_are_compared_by_monthly_cost() {
        // Guide, "Pricing for Client VPN": each association is charged per hour; at $0.10 an
        // association-hour a 730-hour month is $73 per association.
        let p = ask(30_000, false).unwrap();
        assert_eq!(p.associations, 2);
        let costs: Vec<f64> = p.options.iter().map(|o| o.monthly_fixed_cost).collect();
        for (k, c) in costs.iter().enumerate() {
            assert!((c - 73.0 * (k + 1) as f64).abs() < 1e-9, "{costs:?}");
        }
        let meets: Vec<bool> = p.options.iter().map(|o| o.meets).collect();
        assert_eq!(meets, [false, true, true, true, true]);
        // The peak all month: 30,000 × 730 h × $0.05 on top of the two associations.
        assert!((p.monthly_cost_at_peak - (146.0 + 30_000.0 * 730.0 * 0.05)).abs() < 1e-6);
    }

    #[test]
    fn absurd_peaks_are_refused_without_wrapping() {
        for peak in [u64::MAX, 1 << 63, 1 << 41] {
            let err = ask(peak, false).unwrap_err();
            assert!(matches!(err, PlanError::TooManyAddresses { .. }), "{peak}");
            // The message says how many addresses were asked for, never a wrapped count.
            let text = err.to_string();
            assert!(text.contains(&format!("{peak} connections")), "{text}");
            assert!(!text.contains("need 0 addresses"), "{text}");
        }
    }

    fn storm(users: usize, latency_ms: f64, retry: RetryPolicy) -> Storm {
        Storm {
            first_attempts: vec![0; users],
            latency: Dist::Fixed(latency_ms),
            retry,
            handler_timeout: 30_000,
            handler_failure_rate: 0.0,
            seed: 1,
        }
    }

    fn no_jitter() -> RetryPolicy {
        RetryPolicy {
            initial: 2_000,
            multiplier: 2.0,
            max: 120_000,
            jitter: 0.0,
            give_up_after: 20,
        }
    }

    #[test]
    fn a_perfect_queue_drains_in_batches_of_the_concurrency() {
        // 1,000 users at once, 1 s a call, 10 slots: batches of 10 every second. The 990th user
        // (nearest rank of 99 %) is in batch 99, which starts at 98 s and is back at 99 s.
        let s = storm(1000, 1000.0, no_jitter());
        assert_eq!(s.queued_p99(10), Some(99_000));
        // 99 % back within 20 s: the 990th user must start by 19 s, so ⌊989 / C⌋ ≤ 19: C ≥ 50
        // (⌊989 / 49⌋ = 20 starts at 20 s and is back at 21 s).
        assert_eq!(s.queued_p99(50), Some(20_000));
        assert_eq!(s.queued_p99(49), Some(21_000));
        let sized = size_handler(&s, Some(20_000), 0.0);
        assert_eq!(sized.queue_bound, Some(50));
        assert_eq!(sized.floor_ms, Some(1_000));
    }

    #[test]
    fn throttled_users_come_back_after_their_back_off() {
        // Guide, client connect handler "Requirements and considerations": an invocation beyond
        // the concurrency is throttled and the client tries again. 20 users at once, 10 slots,
        // 1 s a call: 10 are throttled and retry after 2 s (no jitter), when every slot is free
        // again, so the last is back at 3 s.
        let s = storm(20, 1000.0, no_jitter());
        let r = s.run(10);
        assert_eq!(r.throttled, 10);
        assert_eq!(r.gave_up, 0);
        assert_eq!(r.p99_ms, Some(3_000));
        // With 20 slots nobody waits.
        assert_eq!(s.run(20).p99_ms, Some(1_000));
        // 30 users, 10 slots, give up after 2 attempts: the third ten is throttled twice.
        let mut two = no_jitter();
        two.give_up_after = 2;
        let r = storm(30, 1000.0, two).run(10);
        assert_eq!((r.throttled, r.gave_up), (30, 10));
        assert_eq!(r.p99_ms, None);
    }

    #[test]
    fn the_sizing_meets_its_target_and_says_when_none_can() {
        let s = storm(1000, 1000.0, no_jitter());
        let sized = size_handler(&s, Some(20_000), 0.2);
        let needed = sized.needed.unwrap();
        // Throttling and back-off can only add to the perfect queue's bound.
        assert!(needed >= 50, "{sized:?}");
        assert!(s.run(needed).p99_ms.unwrap() <= 20_000);
        assert!(s.run(needed - 1).p99_ms.is_none_or(|p| p > 20_000));
        assert_eq!(
            sized.concurrency,
            Some((f64::from(needed) / 0.8).ceil() as u32)
        );
        // 1 s calls cannot bring anyone back within half a second.
        let none = size_handler(&s, Some(500), 0.2);
        assert_eq!((none.needed, none.concurrency), (None, None));
        assert!(
            none.steps
                .iter()
                .any(|x| x.contains("no concurrency meets the target")),
            "{:?}",
            none.steps
        );
        // The default target: the floor (1 s) plus a minute.
        assert_eq!(size_handler(&s, None, 0.0).target_ms, 61_000);
    }
}
