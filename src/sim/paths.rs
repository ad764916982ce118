//! Bandwidth on the path during a run (docs/model.md §13): every live connection's demand, capped
//! at the per-connection figure, crosses the capacitated links of its class, (population, landing
//! association), found once before the run (`net::dataplane::bandwidth::PathPlan`). Rates are
//! max-min fair over all links (progressive filling), aggregated by class: every connection of a
//! class shares one water level, so an allocation costs a few Fenwick queries per class and link,
//! never a pass over connections.
//!
//! The allocation is recomputed only when a class's set of live connections changes, and then
//! only if some link carries more demand than its capacity (otherwise every connection has its
//! demand). Levels are whole demand units (`FairShare`'s, 1 kbps at a 10 Mbps limit): a link's
//! level is the largest unit level at which its connections fit, exactly as a single link's
//! `FairShare::below_floor` decides, so a scenario whose only links are the associations'
//! interfaces gives the same counts as before paths existed.

use crate::model::Millis;
use crate::net::dataplane::bandwidth::PathPlan;
use crate::sim::bandwidth::FairShare;
use crate::sim::stats::{BandwidthSummary, LinkSummary};

/// No level: the class is not held back by any link.
const FREE: u64 = u64::MAX;

/// What each link went through during the run.
#[derive(Debug, Clone, Default)]
struct LinkStats {
    /// ∫ connections below the floor at this link dt, connection-milliseconds.
    below_ms: u128,
    /// Time with at least one connection below the floor at this link.
    time_below: Millis,
    first_below_at: Option<Millis>,
    peak_below: u32,
    peak_below_at: Millis,
    peak_crossing: u32,
    /// Largest demand (units) crossing the link while it held a connection below the floor.
    clearing_units: u64,
    /// Lowest rate (units) it left a connection below the floor with.
    lowest_units: Option<u64>,
}

pub(crate) struct PathShare {
    pub plan: PathPlan,
    classes: usize,
    cap_units: Vec<u64>,
    class_links: Vec<Vec<u16>>,
    link_classes: Vec<Vec<u32>>,
    demands: Vec<FairShare>,
    /// Per link: Σ demands of the connections crossing it, units.
    load: Vec<u64>,
    /// Per link: live connections crossing it.
    crossing: Vec<u32>,
    /// Per link: the level found last time, where the next search starts.
    hint: Vec<u64>,
    /// Per link: connections below the floor whose bottleneck it is.
    pub below_link: Vec<u32>,
    pub below_total: u32,
    stats: Vec<LinkStats>,
    // Scratch of the allocation, kept to avoid allocating per recompute.
    level: Vec<u64>,
    /// Per class: the link that froze it (meaningful where `level` is not `FREE`).
    frozen_by: Vec<u16>,
    used: Vec<u64>,
    saturated: Vec<bool>,
    candidate: Vec<u64>,
}

impl PathShare {
    pub fn new(plan: PathPlan, per_connection_mbps: f64) -> PathShare {
        let classes = plan.classes.len();
        let probe = FairShare::tracking(per_connection_mbps);
        let unit = probe.unit_kbps();
        let cap_units: Vec<u64> = plan
            .links
            .iter()
            .map(|l| {
                let u = l.capacity_mbps * 1000.0 / unit;
                if u.is_finite() && u > 0.0 {
                    libm::floor(u).min(1e18) as u64
                } else {
                    0
                }
            })
            .collect();
        let nl = plan.links.len();
        let class_links: Vec<Vec<u16>> = plan
            .classes
            .iter()
            .map(|c| c.iter().map(|&l| l as u16).collect())
            .collect();
        let mut link_classes = vec![Vec::new(); nl];
        for (c, ls) in class_links.iter().enumerate() {
            for &l in ls {
                link_classes[l as usize].push(c as u32);
            }
        }
        let demands = class_links
            .iter()
            .map(|ls| {
                if ls.is_empty() {
                    FairShare::new(per_connection_mbps, None)
                } else {
                    FairShare::tracking(per_connection_mbps)
                }
            })
            .collect();
        PathShare {
            plan,
            classes,
            cap_units,
            class_links,
            link_classes,
            demands,
            load: vec![0; nl],
            crossing: vec![0; nl],
            hint: vec![0; nl],
            below_link: vec![0; nl],
            below_total: 0,
            stats: vec![LinkStats::default(); nl],
            level: vec![FREE; classes],
            frozen_by: vec![0; classes],
            used: vec![0; nl],
            saturated: vec![false; nl],
            candidate: vec![FREE; nl],
        }
    }

    /// Whether class `c`'s connections cross a capacitated link (and so need a demand).
    pub fn tracks(&self, c: usize) -> bool {
        c < self.classes && !self.class_links[c].is_empty()
    }

    /// A demand in Mbps as the capped whole-unit figure the classes store.
    pub fn demand_units(&self, c: usize, mbps: f64) -> u32 {
        self.demands[c].demand_units(mbps)
    }

    /// A connection of class `c` demanding `d` units goes live at `now`.
    pub fn add(&mut self, c: usize, d: u32, now: Millis) {
        if !self.tracks(c) {
            return;
        }
        self.demands[c].add(d);
        for &l in &self.class_links[c] {
            let l = l as usize;
            self.load[l] += u64::from(d);
            self.crossing[l] += 1;
            self.stats[l].peak_crossing = self.stats[l].peak_crossing.max(self.crossing[l]);
        }
        self.reallocate(now);
    }

    pub fn remove(&mut self, c: usize, d: u32, now: Millis) {
        if !self.tracks(c) {
            return;
        }
        self.demands[c].remove(d);
        for &l in &self.class_links[c] {
            let l = l as usize;
            self.load[l] -= u64::from(d);
            self.crossing[l] -= 1;
        }
        self.reallocate(now);
    }

    /// Time passes: integrates each link's below-floor connections over `dt`.
    pub fn integrate(&mut self, dt: Millis) {
        for (l, st) in self.stats.iter_mut().enumerate() {
            let b = self.below_link[l];
            if b > 0 {
                st.below_ms += u128::from(b) * u128::from(dt);
                st.time_below += dt;
            }
        }
    }

    /// Recomputes the allocation after a class changed.
    fn reallocate(&mut self, now: Millis) {
        let overloaded = self
            .load
            .iter()
            .zip(&self.cap_units)
            .any(|(load, cap)| load > cap);
        if !overloaded {
            if self.below_total > 0 {
                self.below_link.iter_mut().for_each(|b| *b = 0);
                self.below_total = 0;
            }
            return;
        }
        self.allocate();
        self.below_link.iter_mut().for_each(|b| *b = 0);
        self.below_total = 0;
        for c in 0..self.classes {
            let k = self.level[c];
            if k == FREE {
                continue;
            }
            let d = &self.demands[c];
            let below = d.len() - d.prefix(k).0;
            if below == 0 {
                continue;
            }
            let l = self.frozen_by[c] as usize;
            let low = &mut self.stats[l].lowest_units;
            *low = Some(low.map_or(k, |x| x.min(k)));
            self.below_link[l] += below;
            self.below_total += below;
        }
        for l in 0..self.below_link.len() {
            let b = self.below_link[l];
            if b == 0 {
                continue;
            }
            let st = &mut self.stats[l];
            st.first_below_at.get_or_insert(now);
            if b > st.peak_below {
                st.peak_below = b;
                st.peak_below_at = now;
            }
            st.clearing_units = st.clearing_units.max(self.load[l]);
        }
    }

    /// Progressive filling by class: in each round, the lowest level at which some link with
    /// unfrozen classes is full freezes those classes at that level.
    fn allocate(&mut self) {
        let nl = self.cap_units.len();
        self.level.iter_mut().for_each(|x| *x = FREE);
        self.used.iter_mut().for_each(|x| *x = 0);
        self.saturated.iter_mut().for_each(|x| *x = false);
        self.candidate.iter_mut().for_each(|x| *x = FREE);
        loop {
            let mut best = FREE;
            for l in 0..nl {
                self.candidate[l] = FREE;
                if self.saturated[l] || self.load[l] <= self.cap_units[l] {
                    continue;
                }
                if self.link_classes[l]
                    .iter()
                    .all(|&c| self.level[c as usize] != FREE)
                {
                    continue;
                }
                let k = self.fill_level(l);
                if k == FREE {
                    continue;
                }
                self.candidate[l] = k;
                best = best.min(k);
            }
            if best == FREE {
                return;
            }
            for l in 0..nl {
                if self.candidate[l] != best {
                    continue;
                }
                self.saturated[l] = true;
                for i in 0..self.link_classes[l].len() {
                    let c = self.link_classes[l][i] as usize;
                    if self.level[c] != FREE {
                        continue;
                    }
                    self.level[c] = best;
                    self.frozen_by[c] = l as u16;
                    let took = self.demands[c].throughput_at(best);
                    for &m in &self.class_links[c] {
                        self.used[m as usize] += took;
                    }
                }
            }
        }
    }

    /// Link `l`'s level: the largest whole-unit level k at which the frozen classes' rates plus
    /// Σ min(d, k) over its unfrozen connections fit its capacity. Searched from the last level
    /// found (levels move little between events), doubling the step, then halving.
    fn fill_level(&mut self, l: usize) -> u64 {
        let cap = self.cap_units[l];
        let top = self.link_classes[l]
            .iter()
            .map(|&c| u64::from(self.demands[c as usize].cap_units()))
            .max()
            .unwrap_or(0);
        let fits = |k: u64| -> bool {
            let mut t = self.used[l];
            for &c in &self.link_classes[l] {
                if self.level[c as usize] == FREE {
                    t += self.demands[c as usize].throughput_at(k);
                }
            }
            t <= cap
        };
        // Frozen classes may take less than their demand: the unfrozen ones may all fit.
        if fits(top) {
            return FREE;
        }
        // fits(0) holds (used ≤ cap: the frozen classes fitted at a lower level) and fits(top)
        // fails, so the answer is in [0, top).
        let h = self.hint[l].min(top.saturating_sub(1));
        let (mut lo, mut hi);
        if fits(h) {
            lo = h;
            let mut step = 1;
            loop {
                let next = lo + step;
                if next >= top {
                    hi = top;
                    break;
                }
                if fits(next) {
                    lo = next;
                    step *= 2;
                } else {
                    hi = next;
                    break;
                }
            }
        } else {
            hi = h;
            let mut step = 1;
            loop {
                if hi <= step {
                    lo = 0;
                    break;
                }
                let next = hi - step;
                if fits(next) {
                    lo = next;
                    break;
                }
                hi = next;
                step *= 2;
            }
        }
        // Invariant: fits(lo), !fits(hi).
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        self.hint[l] = lo;
        lo
    }

    /// Bytes reserved by the classes' trees.
    pub fn reserved_bytes(&self) -> usize {
        self.demands.iter().map(|f| f.reserved_bytes()).sum()
    }

    /// The run's bandwidth figures, per link.
    pub fn summary(&self, floor_mbps: f64) -> BandwidthSummary {
        let unit = self.demands.first().map_or(1.0, |d| d.unit_kbps() / 1000.0);
        BandwidthSummary {
            modelled: self.plan.is_modelled(),
            floor_mbps,
            links: self
                .plan
                .links
                .iter()
                .zip(&self.stats)
                .map(|(l, st)| LinkSummary {
                    link: l.label.clone(),
                    kind: l.what,
                    capacity_mbps: l.capacity_mbps,
                    capacity_source: l.source,
                    peak_connections: st.peak_crossing,
                    fit_at_floor: if floor_mbps > 0.0 {
                        libm::floor(l.capacity_mbps / floor_mbps + 1e-9) as u64
                    } else {
                        0
                    },
                    below_floor_peak: st.peak_below,
                    below_floor_peak_at_ms: (st.peak_below > 0).then_some(st.peak_below_at),
                    first_below_floor_at_ms: st.first_below_at,
                    below_floor_ms: st.time_below,
                    below_floor_connection_minutes: st.below_ms as f64
                        / crate::model::MINUTE as f64,
                    clearing_capacity_mbps: (st.clearing_units > 0)
                        .then_some(st.clearing_units as f64 * unit),
                    lowest_rate_mbps: st.lowest_units.map(|k| k as f64 * unit),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::dataplane::bandwidth::{LinkKind, PathLink};
    use proptest::prelude::*;

    fn plan(capacities_kbps: &[u64], classes: Vec<Vec<usize>>) -> PathPlan {
        PathPlan {
            links: capacities_kbps
                .iter()
                .enumerate()
                .map(|(i, &c)| PathLink {
                    kind: LinkKind::NatGateway(i),
                    label: format!("l{i}"),
                    what: "NAT gateway",
                    capacity_mbps: c as f64 / 1000.0,
                    source: "scenario",
                })
                .collect(),
            paths: vec![Vec::new(); classes.len()],
            classes,
        }
    }

    /// Progressive filling one connection at a time, one unit at a time: every unfrozen
    /// connection takes one more unit when every link it crosses can give one more unit to
    /// each unfrozen connection crossing it; a connection stops at its demand, or is frozen by
    /// the first link that cannot. Returns per connection (rate, bottleneck link).
    fn unit_filling(
        caps: &[u64],
        conns: &[(usize, u64)],
        classes: &[Vec<usize>],
    ) -> Vec<(u64, Option<usize>)> {
        let mut rate = vec![0u64; conns.len()];
        let mut frozen: Vec<Option<Option<usize>>> = vec![None; conns.len()];
        loop {
            for (i, &(_, d)) in conns.iter().enumerate() {
                if frozen[i].is_none() && rate[i] >= d {
                    frozen[i] = Some(None);
                }
            }
            let active: Vec<usize> = (0..conns.len()).filter(|&i| frozen[i].is_none()).collect();
            if active.is_empty() {
                break;
            }
            let full: Vec<bool> = (0..caps.len())
                .map(|l| {
                    let on = |i: &usize| classes[conns[*i].0].contains(&l);
                    let used: u64 = (0..conns.len()).filter(on).map(|i| rate[i]).sum();
                    let want = active.iter().filter(|i| on(i)).count() as u64;
                    want > 0 && used + want > caps[l]
                })
                .collect();
            let mut froze = false;
            for &i in &active {
                if let Some(&l) = classes[conns[i].0].iter().find(|&&l| full[l]) {
                    frozen[i] = Some(Some(l));
                    froze = true;
                }
            }
            if !froze {
                for &i in &active {
                    rate[i] += 1;
                }
            }
        }
        rate.into_iter()
            .zip(frozen)
            .map(|(r, f)| (r, f.flatten()))
            .collect()
    }

    /// docs/model.md §13's worked case through the engine's structure: 300 connections wanting
    /// 10 Mbps through one 1.25 Gbps tunnel are all below the floor at 4.166 Mbps (whole
    /// kbps); 125 are not.
    #[test]
    fn three_hundred_through_one_tunnel() {
        let mut p = PathShare::new(plan(&[1_250_000], vec![vec![0]]), 10.0);
        for i in 0..125 {
            p.add(0, p.demand_units(0, 10.0), i);
        }
        assert_eq!(p.below_total, 0, "125 × 10 Mbps = 1,250 Mbps fits");
        p.add(0, p.demand_units(0, 10.0), 125);
        assert_eq!(p.below_total, 126);
        for i in 126..300 {
            p.add(0, p.demand_units(0, 10.0), i);
        }
        assert_eq!(p.below_total, 300);
        assert_eq!(p.below_link, vec![300]);
        let s = p.summary(10.0);
        let l = &s.links[0];
        assert_eq!((l.below_floor_peak, l.fit_at_floor), (300, 125));
        assert_eq!(l.clearing_capacity_mbps, Some(3000.0));
        assert_eq!(
            l.lowest_rate_mbps,
            Some(4.166),
            "1,250,000 kbps / 300, whole kbps"
        );
        assert_eq!(l.first_below_floor_at_ms, Some(125));
        for i in 0..175 {
            p.remove(0, p.demand_units(0, 10.0), 300 + i);
        }
        assert_eq!(p.below_total, 0);
    }

    proptest! {
        /// The class-aggregated allocation equals unit-by-unit progressive filling of every
        /// connection: the same connections below the floor, frozen by the same links, after
        /// every addition and removal.
        #[test]
        fn matches_progressive_filling(
            caps in prop::collection::vec(0u64..400, 1..4),
            class_sets in prop::collection::vec(prop::collection::vec(0usize..3, 0..3), 1..5),
            conns in prop::collection::vec((0usize..5, 0u64..=50), 0..40),
        ) {
            let nl = caps.len();
            let classes: Vec<Vec<usize>> = class_sets
                .iter()
                .map(|s| {
                    let mut v: Vec<usize> = s.iter().map(|&l| l % nl).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect();
            let conns: Vec<(usize, u64)> =
                conns.into_iter().map(|(c, d)| (c % classes.len(), d)).collect();
            // 0.05 Mbps per connection: one unit is 1 kbps, demands up to 50 units.
            let mut p = PathShare::new(plan(&caps, classes.clone()), 0.05);
            let check = |p: &PathShare, live: &[(usize, u64)]| -> Result<(), TestCaseError> {
                let reference = unit_filling(&caps, live, &classes);
                let mut per_link = vec![0u32; nl];
                for (&(c, d), &(r, l)) in live.iter().zip(&reference) {
                    if !classes[c].is_empty() && r < d {
                        per_link[l.expect("a connection below its demand has a bottleneck")] += 1;
                    }
                }
                prop_assert_eq!(&p.below_link, &per_link);
                Ok(())
            };
            for (k, &(c, d)) in conns.iter().enumerate() {
                p.add(c, d as u32, k as Millis);
                check(&p, &conns[..=k])?;
            }
            for k in (0..conns.len()).step_by(2) {
                let (c, d) = conns[k];
                p.remove(c, d as u32, 100);
                let live: Vec<(usize, u64)> = conns
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j > k || (j < k && j % 2 == 1))
                    .map(|(_, &x)| x)
                    .collect();
                check(&p, &live)?;
            }
        }
    }
}
