//! Capacity planning by the guide's rules: the smallest client CIDR and the number of subnet
//! associations for a target peak of concurrent connections (guide: "Client VPN scaling
//! considerations"). Pure arithmetic; the simulated confirmation lives in the application layer.

use crate::cost;
use crate::model::{Limits, Pricing};

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
}
