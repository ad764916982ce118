//! Per-connection bandwidth (docs/model.md §7; guide: "Rules and best practices" and "Troubleshooting:
//! Verify the bandwidth limit"): each connection is allocated min(demand, per-connection limit,
//! fair share), the fair share being max-min fair over the association's aggregate throughput.
//! A connection whose allocation is below min(demand, limit) is "below the floor".
//!
//! Demands are kept in whole units in two Fenwick trees (count and sum by demand), so adding or
//! removing a connection and finding how many are below the floor each cost O(log limit). The
//! unit is 1 kbps, or coarser for per-connection limits above 65.5 Mbps, so that a tree never has
//! more than 65,536 entries (rates are then rounded to 1/65,536 of the limit).

/// Max-min fair sharing of one association's aggregate throughput.
#[derive(Debug, Clone)]
pub struct FairShare {
    /// kbps per unit.
    unit: f64,
    /// Per-connection limit, units: demands are capped to it.
    cap: u32,
    /// Aggregate throughput, units; `None`: unlimited (nobody is ever below the floor).
    aggregate: Option<u64>,
    count: Vec<u32>,
    sum: Vec<u64>,
    n: u32,
    total: u64,
}

impl FairShare {
    /// Demands tracked (for [`Self::prefix`]) without an aggregate of their own: the path
    /// allocation (`sim::paths`) shares them over the links their class crosses.
    pub fn tracking(per_connection_mbps: f64) -> FairShare {
        let mut f = FairShare::new(per_connection_mbps, Some(0.0));
        f.aggregate = None;
        f
    }

    /// Connections, and the sum of their demands, whose demand is at most `k` units.
    pub fn prefix(&self, k: u64) -> (u32, u64) {
        let (mut cnt, mut sum) = (0u32, 0u64);
        let mut i = (k.saturating_add(1)).min(self.count.len().saturating_sub(1) as u64) as usize;
        while i > 0 {
            cnt += self.count[i];
            sum += self.sum[i];
            i &= i - 1;
        }
        (cnt, sum)
    }

    /// Σ min(dᵢ, k) over the tracked demands, units.
    pub fn throughput_at(&self, k: u64) -> u64 {
        let (c, s) = self.prefix(k);
        s + k * u64::from(self.n - c)
    }

    /// Live connections tracked.
    pub fn len(&self) -> u32 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Σ demands, units.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// kbps per unit.
    pub fn unit_kbps(&self) -> f64 {
        self.unit
    }

    /// The per-connection limit, units.
    pub fn cap_units(&self) -> u32 {
        self.cap
    }

    pub fn new(per_connection_mbps: f64, aggregate_mbps: Option<f64>) -> FairShare {
        // From the limit itself, not from a saturated integer: a limit of 1e12 Mbps must still
        // give a table of at most MAX_UNITS entries.
        let limit_kbps = if per_connection_mbps.is_finite() && per_connection_mbps > 0.0 {
            per_connection_mbps * 1000.0
        } else {
            0.0
        };
        let unit = (limit_kbps / MAX_UNITS as f64).ceil().max(1.0);
        let cap = units(per_connection_mbps, unit);
        let size = if aggregate_mbps.is_some() {
            cap as usize + 2
        } else {
            0
        };
        FairShare {
            unit,
            cap,
            aggregate: aggregate_mbps.map(|m| u64::from(units(m, unit))),
            count: vec![0; size],
            sum: vec![0; size],
            n: 0,
            total: 0,
        }
    }

    /// A demand in Mbps as the capped whole-unit figure this structure stores.
    pub fn demand_units(&self, mbps: f64) -> u32 {
        units(mbps, self.unit).min(self.cap)
    }

    pub fn add(&mut self, demand: u32) {
        self.update(demand, 1);
    }

    pub fn remove(&mut self, demand: u32) {
        self.update(demand, -1);
    }

    fn update(&mut self, d: u32, sign: i32) {
        if self.count.is_empty() {
            return;
        }
        if sign > 0 {
            self.n += 1;
            self.total += u64::from(d);
        } else {
            self.n -= 1;
            self.total -= u64::from(d);
        }
        let mut i = d as usize + 1;
        while i < self.count.len() {
            self.count[i] = self.count[i].wrapping_add_signed(sign);
            self.sum[i] = self.sum[i].wrapping_add_signed(i64::from(sign) * i64::from(d));
            i += i & i.wrapping_neg();
        }
    }

    /// Connections whose max-min fair allocation is below their (capped) demand.
    ///
    /// With f(k) = Σ min(dᵢ, k) (non-decreasing in k), the fair level L is where f(L) equals the
    /// aggregate; every demand above L is cut. Demands are integers, so the connections below the
    /// floor are those with demand > k*, k* the largest integer with f(k*) ≤ aggregate.
    pub fn below_floor(&self) -> u32 {
        let Some(aggregate) = self.aggregate else {
            return 0;
        };
        if self.total <= aggregate {
            return 0;
        }
        let size = self.count.len();
        let (mut pos, mut cnt, mut sum) = (0usize, 0u32, 0u64);
        let mut step = size.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next < size {
                let (c, s) = (cnt + self.count[next], sum + self.sum[next]);
                let k = (next - 1) as u64; // demands 0..=k are counted in prefix `next`
                if s + k * u64::from(self.n - c) <= aggregate {
                    (pos, cnt, sum) = (next, c, s);
                }
            }
            step /= 2;
        }
        self.n - cnt
    }

    /// Bytes reserved by the trees.
    pub fn reserved_bytes(&self) -> usize {
        self.count.capacity() * 4 + self.sum.capacity() * 8
    }
}

/// Largest tree size, in units.
const MAX_UNITS: u32 = 65_536;

fn units(mbps: f64, unit_kbps: f64) -> u32 {
    if mbps.is_finite() && mbps > 0.0 {
        libm::round(mbps * 1000.0 / unit_kbps).min(f64::from(u32::MAX - 2)) as u32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reference max-min fair allocation by water-filling over sorted demands.
    fn reference_below(demands: &[u32], aggregate: u64) -> u32 {
        let mut d: Vec<u64> = demands.iter().map(|&x| u64::from(x)).collect();
        d.sort_unstable();
        let mut left = aggregate as f64;
        let mut below = 0;
        for (i, &x) in d.iter().enumerate() {
            let share = left / (d.len() - i) as f64;
            if (x as f64) <= share {
                left -= x as f64;
            } else {
                below = d.len() - i;
                break;
            }
        }
        below as u32
    }

    /// docs/model.md §7: 10 Mbps per connection; three 10 Mbps demands over a 25 Mbps aggregate are all
    /// cut to 8.33 Mbps; one 2 Mbps and two 10 Mbps demands over 18 Mbps: the small one gets 2,
    /// the two large ones 8 each (below their floor).
    #[test]
    fn max_min_fair_worked_examples() {
        let mut f = FairShare::new(10.0, Some(25.0));
        for _ in 0..3 {
            f.add(f.demand_units(10.0));
        }
        assert_eq!(f.below_floor(), 3);
        let mut g = FairShare::new(10.0, Some(18.0));
        g.add(g.demand_units(2.0));
        g.add(g.demand_units(10.0));
        g.add(g.demand_units(50.0)); // capped to the 10 Mbps per-connection limit
        assert_eq!(g.below_floor(), 2);
        g.remove(g.demand_units(10.0));
        assert_eq!(g.below_floor(), 0, "2 + 10 fits in 18");
    }

    /// A 1 Gbps per-connection figure (a raised limit) keeps the trees small: units of 16 kbps.
    #[test]
    fn large_limits_use_coarser_units() {
        let mut f = FairShare::new(1000.0, Some(1500.0));
        assert!(f.reserved_bytes() <= 12 * (MAX_UNITS as usize + 2));
        // However large the limit: `[limits] per_connection_mbps = 1e12` once asked for 34 GB.
        for limit in [1e6, 1e9, 1e12, 1e300] {
            let g = FairShare::new(limit, Some(1e9));
            assert!(
                g.reserved_bytes() <= 12 * (MAX_UNITS as usize + 2),
                "{limit}"
            );
        }
        f.add(f.demand_units(1000.0));
        f.add(f.demand_units(400.0));
        assert_eq!(f.below_floor(), 0, "1,400 Mbps fits in 1,500");
        f.add(f.demand_units(200.0));
        assert_eq!(
            f.below_floor(),
            1,
            "fair level 650 Mbps: only the 1,000 Mbps demand is cut"
        );
    }

    #[test]
    fn no_aggregate_means_never_below_floor() {
        let mut f = FairShare::new(10.0, None);
        for _ in 0..1000 {
            f.add(10_000);
        }
        assert_eq!(f.below_floor(), 0);
    }

    proptest! {
        #[test]
        fn matches_water_filling(demands in prop::collection::vec(0u32..=10_000, 0..60), agg in 0u64..300_000) {
            let mut f = FairShare::new(10.0, Some(agg as f64 / 1000.0));
            for &d in &demands { f.add(d); }
            prop_assert_eq!(f.below_floor(), reference_below(&demands, agg));
            for &d in demands.iter().step_by(2) { f.remove(d); }
            let rest: Vec<u32> = demands.iter().skip(1).step_by(2).copied().collect();
            prop_assert_eq!(f.below_floor(), reference_below(&rest, agg));
        }
    }
}
