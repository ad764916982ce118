//! Random streams: one `rand_chacha` generator per concern, derived from (scenario seed, replica
//! index, stream id) so that enabling a feature never reshuffles the draws of another (docs/model.md §2).
//!
//! The engine draws through [`Ahead`], which keeps each stream's next value drawn and, for an
//! exponential or normal draw, its transform computed one draw ahead: the same values in the
//! same order.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::dist::{standard_normal_of, unit_of, Draw};

/// The concerns that draw random numbers. The discriminant is the stream id and is part of the
/// output format's stability: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Arrival times: workday start times, Poisson inter-arrival gaps.
    Arrivals = 1,
    /// DNS round-robin landing.
    Landing = 2,
    /// Session (work) lengths.
    Sessions = 3,
    /// Authentication failures and revoked certificates of open populations.
    Authentication = 4,
    /// Client connect handler latency and outcome.
    Handler = 5,
    /// Per-connection bandwidth demand.
    Bandwidth = 6,
    /// Retry back-off jitter.
    Retry = 7,
    /// Manual reconnections: whether and when a user reconnects by hand.
    Reconnect = 8,
    /// Drops: when a client notices a dead path (keepalive), when a spread reset reaches it.
    Drops = 9,
}

/// The generator for `stream` of replica `replica` of a scenario seeded with `seed`.
pub fn stream(seed: u64, replica: u32, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream((u64::from(replica) << 8) | stream as u64);
    rng
}

/// A stream whose next value is drawn one step ahead, transformed as the draw before it was:
/// `ln(1 − u)` of it (the logarithm of an exponential draw) or its standard normal value. Either
/// is a chain of dependent operations with a division; computed ahead, it runs while the event
/// that drew the value before it is handled instead of holding up the event that needs it. The
/// stream's values, and their order, are the generator's own: a draw of another kind computes its
/// own transform of the value held ahead, or takes its bits.
#[derive(Debug, Clone)]
pub struct Ahead {
    rng: ChaCha8Rng,
    /// The generator's next 64 bits, already drawn, and their value under a transform.
    next: Option<(u64, Transform, f64)>,
}

/// What a value held ahead is turned into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transform {
    /// `ln(1 − u)` of its uniform `u`.
    LnOneMinus,
    /// Its standard normal value.
    Normal,
}

impl Transform {
    fn of(self, bits: u64) -> f64 {
        match self {
            Transform::LnOneMinus => libm::log(1.0 - unit_of(bits)),
            Transform::Normal => standard_normal_of(bits),
        }
    }
}

impl Ahead {
    pub fn new(rng: ChaCha8Rng) -> Ahead {
        Ahead { rng, next: None }
    }

    /// Returns the value held ahead to the generator (which a draw other than 64 bits must
    /// start from): it steps back over the two 32-bit words it took.
    fn put_back(&mut self) {
        if self.next.take().is_some() {
            let at = self.rng.get_word_pos();
            self.rng.set_word_pos(at - 2);
        }
    }

    /// The next value under `t` (computed ahead if the draw before was one too), and the value
    /// after it made ready under `t`.
    #[inline(always)]
    fn transformed(&mut self, t: Transform) -> f64 {
        let v = match self.next.take() {
            Some((_, held, v)) if held == t => v,
            Some((bits, _, _)) => t.of(bits),
            None => t.of(self.rng.next_u64()),
        };
        let bits = self.rng.next_u64();
        self.next = Some((bits, t, t.of(bits)));
        v
    }
}

impl Draw for Ahead {
    fn ln_one_minus_unit(&mut self) -> f64 {
        self.transformed(Transform::LnOneMinus)
    }

    fn standard_normal(&mut self) -> f64 {
        self.transformed(Transform::Normal)
    }
}

impl RngCore for Ahead {
    fn next_u64(&mut self) -> u64 {
        match self.next.take() {
            Some((bits, _, _)) => bits,
            None => self.rng.next_u64(),
        }
    }

    fn next_u32(&mut self) -> u32 {
        self.put_back();
        self.rng.next_u32()
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.put_back();
        self.rng.fill_bytes(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::unit;
    use proptest::prelude::{prop, prop_assert_eq, proptest};

    proptest! {
        /// Drawn through [`Ahead`], a stream gives the generator's own values in its own order,
        /// whatever the mix of exponential, normal, 64-bit, 32-bit and byte draws.
        #[test]
        fn ahead_gives_the_streams_own_draws(kinds in prop::collection::vec(0u8..5, 1..300)) {
            let mut ahead = Ahead::new(stream(7, 0, Stream::Sessions));
            let mut plain = stream(7, 0, Stream::Sessions);
            for kind in kinds {
                match kind {
                    0 => prop_assert_eq!(
                        ahead.ln_one_minus_unit().to_bits(),
                        libm::log(1.0 - unit(&mut plain)).to_bits()
                    ),
                    1 => prop_assert_eq!(ahead.next_u64(), plain.next_u64()),
                    2 => prop_assert_eq!(ahead.next_u32(), plain.next_u32()),
                    3 => prop_assert_eq!(
                        ahead.standard_normal().to_bits(),
                        crate::dist::standard_normal(&mut plain).to_bits()
                    ),
                    _ => {
                        let (mut a, mut b) = ([0u8; 7], [0u8; 7]);
                        ahead.fill_bytes(&mut a);
                        plain.fill_bytes(&mut b);
                        prop_assert_eq!(a, b);
                    }
                }
            }
        }
    }

    #[test]
    fn streams_differ_by_concern_and_replica_and_repeat_exactly() {
        let first = |r: u32, s: Stream| stream(42, r, s).next_u64();
        assert_eq!(first(0, Stream::Landing), first(0, Stream::Landing));
        assert_ne!(first(0, Stream::Landing), first(0, Stream::Arrivals));
        assert_ne!(first(0, Stream::Landing), first(1, Stream::Landing));
        assert_ne!(
            stream(42, 0, Stream::Landing).next_u64(),
            stream(43, 0, Stream::Landing).next_u64()
        );
    }
}
