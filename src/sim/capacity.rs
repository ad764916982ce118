//! Connection capacity (guide: "Client VPN scaling considerations", "Client VPN quotas"): the
//! endpoint limit for the current number of healthy associations (`pooled`, the default: the
//! guide publishes endpoint totals only) and, under the `even-share` what-if, each healthy
//! association's share of it. A limit only gates admissions; it never ends a live connection.
//!
//! Rounding: the share is `total / n` rounded down, and the remainder `total % n` goes one each to
//! the first healthy associations in scenario order, so the shares always add up to the total.

use crate::model::{AssocId, CapacityModel, Scenario};
use crate::sim::reason::FailureReason;

#[derive(Debug, Clone)]
pub struct Capacity {
    model: CapacityModel,
    healthy: Vec<bool>,
    healthy_count: usize,
    total: u32,
    shares: Vec<u32>,
    /// [`Self::limit_of`] of every association, kept with the shares.
    limits: Vec<u32>,
}

impl Capacity {
    /// Capacity with every association healthy, except those associated later by an event.
    pub fn new(scenario: &Scenario) -> Capacity {
        let n = scenario.associations.len();
        let mut c = Capacity {
            model: scenario.endpoint.capacity_model,
            healthy: (0..n)
                .map(|a| !scenario.associated_later(AssocId(a as u32)))
                .collect(),
            healthy_count: n,
            total: 0,
            shares: vec![0; n],
            limits: vec![0; n],
        };
        c.recompute(scenario);
        c
    }

    pub fn is_healthy(&self, a: usize) -> bool {
        self.healthy[a]
    }

    pub fn healthy_count(&self) -> usize {
        self.healthy_count
    }

    /// Endpoint-wide limit now.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// The most connections association `a` may hold now (0 when unhealthy).
    pub fn limit_of(&self, a: usize) -> u32 {
        self.limits[a]
    }

    /// [`Self::limit_of`] every association, in scenario order.
    pub fn limits(&self) -> &[u32] {
        &self.limits
    }

    /// Marks association `a` healthy or not and recomputes the limits.
    pub fn set_healthy(&mut self, scenario: &Scenario, a: usize, healthy: bool) {
        self.healthy[a] = healthy;
        self.recompute(scenario);
    }

    fn recompute(&mut self, scenario: &Scenario) {
        self.healthy_count = self.healthy.iter().filter(|&&h| h).count();
        self.total = scenario.connection_limit(self.healthy_count);
        let n = self.healthy_count.max(1) as u32;
        let (base, extra) = (self.total / n, self.total % n);
        let mut rank = 0;
        for (a, share) in self.shares.iter_mut().enumerate() {
            *share = if self.healthy[a] {
                rank += 1;
                base + u32::from(rank <= extra)
            } else {
                0
            };
        }
        for (a, limit) in self.limits.iter_mut().enumerate() {
            *limit = match (self.healthy[a], self.model) {
                (false, _) => 0,
                (true, CapacityModel::EvenShare) => self.shares[a],
                (true, CapacityModel::Pooled) => self.total,
            };
        }
    }

    /// Whether one more connection may land on `a`, given the live counts.
    pub fn admit(&self, a: usize, live_on_a: u32, live_total: u32) -> Result<(), FailureReason> {
        if self.model == CapacityModel::EvenShare && live_on_a >= self.limit_of(a) {
            return Err(FailureReason::AssociationAtCapacity);
        }
        if live_total >= self.total {
            return Err(FailureReason::EndpointAtCapacity);
        }
        Ok(())
    }
}
