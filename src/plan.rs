//! Capacity planning by the guide's rules: the smallest client CIDR and the number of subnet
//! associations for a target peak of concurrent connections (guide: "Client VPN scaling
//! considerations"). Pure arithmetic; the simulated confirmation lives in the application layer.

use crate::model::Limits;

/// What the planner is asked.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// Peak concurrent connections to support.
    pub peak: u64,
    /// Keep the peak within the limit with any one Availability Zone lost.
    pub survive_az_loss: bool,
    pub limits: Limits,
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
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::TooManyAddresses { peak, max_usable } => write!(
                f,
                "{peak} connections need {} addresses, more than a /12 provides ({max_usable} usable): split the users over several endpoints",
                2 * u128::from(*peak)
            ),
            PlanError::TooManyConnections { peak, max, survive_az_loss } => {
                let what = if *survive_az_loss { " with one Availability Zone lost" } else { "" };
                write!(f, "{peak} connections{what} exceed the largest supported figure ({max}): request a quota increase (and declare it with --max-connections or [limits]) or split the users over several endpoints")
            }
            PlanError::ZeroPeak => write!(f, "the peak must be at least 1 connection"),
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

pub fn plan(req: &PlanRequest) -> Result<Plan, PlanError> {
    if req.peak == 0 {
        return Err(PlanError::ZeroPeak);
    }
    let mut steps = Vec::new();
    let mut notes = Vec::new();

    // Addresses: twice the peak (guide: a portion of the block supports the availability model;
    // we recommend twice the number of addresses), within /12–/22.
    let too_many = PlanError::TooManyAddresses {
        peak: req.peak,
        max_usable: (1u64 << 20) / 2,
    };
    // Checked: a peak near 2^64 must be refused, not wrapped to a small count.
    let need = req.peak.checked_mul(2).ok_or(too_many.clone())?;
    let exact = prefix_for(need);
    let prefix = exact.min(22);
    if prefix < 12 {
        return Err(too_many);
    }
    let addresses = 1u64 << (32 - prefix);
    steps.push(format!(
        "client CIDR: {} connections × 2 = {need} addresses → /{prefix} ({addresses} addresses, {} usable){}",
        req.peak,
        addresses / 2,
        if exact > 22 { "; /22 is the smallest block allowed" } else { "" }
    ));

    // Associations: the table, at least two for AZ redundancy (the guide recommends two).
    let table = &req.limits.connections_by_associations;
    let limit = |n: usize| req.limits.endpoint_limit(n) as u64;
    let by_capacity = (1..=table.len()).find(|&n| limit(n) >= req.peak);
    let n = if req.survive_az_loss {
        (2..=table.len()).find(|&n| limit(n - 1) >= req.peak)
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
            "associations for capacity: {c} ({} connections ≥ {})",
            limit(c),
            req.peak
        ));
    }
    if req.survive_az_loss {
        steps.push(format!(
            "with one Availability Zone lost, {} association(s) remain: {} connections ≥ {} → {n} associations",
            n - 1,
            limit(n - 1),
            req.peak
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
    Ok(Plan {
        peak: req.peak,
        client_prefix: prefix,
        client_addresses: addresses,
        usable_addresses: addresses / 2,
        associations: n,
        connection_limit: limit(n) as u32,
        limit_after_az_loss: (n >= 2).then(|| req.limits.endpoint_limit(n - 1)),
        steps,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(peak: u64, survive: bool) -> Result<Plan, PlanError> {
        plan(&PlanRequest {
            peak,
            survive_az_loss: survive,
            limits: Limits::default(),
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
                limits: big
            }),
            Err(PlanError::TooManyAddresses { .. })
        ));
        assert_eq!(ask(0, false), Err(PlanError::ZeroPeak));
    }
}
