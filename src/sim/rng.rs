//! Random streams: one `rand_chacha` generator per concern, derived from (scenario seed, replica
//! index, stream id) so that enabling a feature never reshuffles the draws of another (docs/model.md §2).
//!
//! The engine draws through [`Ahead`], which keeps a stream's next values drawn ahead (four for
//! exponential draws, one for a normal draw) with their transforms computed: the same values in
//! the same order.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::dist::log::{ln_one_minus_units, LANES};
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

/// A stream whose next values are drawn ahead, transformed as the draw that emptied the batch
/// before was: `ln(1 − u)` of each of the next four (the logarithm of an exponential draw), or
/// the standard normal value of the next one. Either is a chain of dependent operations with a
/// division; computed ahead, it runs while the event that drew the value before is handled
/// instead of holding up the event that needs it, and `ln(1 − u)` of four draws is one pass of
/// vector instructions ([`crate::dist::log`], the same bits as `libm::log`). The stream's
/// values, and their order, are the generator's own: a draw of another kind computes its own
/// transform of the next value held, or takes its bits, and a draw of 32 bits or of bytes first
/// returns what is held to the generator.
#[derive(Debug, Clone)]
pub struct Ahead {
    rng: ChaCha8Rng,
    /// The generator's next values, already drawn: `bits[at..]`, and `values[at..]` their
    /// values under `transform`. Nothing is held when `at` is [`LANES`].
    bits: [u64; LANES],
    values: [f64; LANES],
    at: usize,
    transform: Transform,
}

/// What the values held ahead are turned into.
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
        Ahead {
            rng,
            bits: [0; LANES],
            values: [0.0; LANES],
            at: LANES,
            transform: Transform::LnOneMinus,
        }
    }

    /// Returns the values held ahead to the generator (which a draw other than 64 bits must
    /// start from): it steps back over the two 32-bit words each took.
    fn put_back(&mut self) {
        let held = (LANES - self.at) as u128;
        if held > 0 {
            let at = self.rng.get_word_pos();
            self.rng.set_word_pos(at - 2 * held);
            self.at = LANES;
        }
    }

    /// Draws the next batch and computes its values under `t`.
    fn fill(&mut self, t: Transform) {
        self.transform = t;
        match t {
            Transform::LnOneMinus => {
                for b in &mut self.bits {
                    *b = self.rng.next_u64();
                }
                self.values = ln_one_minus_units(&self.bits);
                self.at = 0;
            }
            // Computed one at a time, there is nothing to share: one value ahead is enough.
            Transform::Normal => {
                let b = self.rng.next_u64();
                self.bits[LANES - 1] = b;
                self.values[LANES - 1] = standard_normal_of(b);
                self.at = LANES - 1;
            }
        }
    }

    /// The next value under `t` (computed ahead if the batch was drawn for `t`); the batch
    /// after it is drawn as soon as this one is used up.
    #[inline(always)]
    fn transformed(&mut self, t: Transform) -> f64 {
        if self.at == LANES {
            self.fill(t);
        }
        let i = self.at;
        self.at += 1;
        let v = if self.transform == t {
            self.values[i]
        } else {
            t.of(self.bits[i])
        };
        if self.at == LANES {
            self.fill(t);
        }
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
        if self.at < LANES {
            self.at += 1;
            self.bits[self.at - 1]
        } else {
            self.rng.next_u64()
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
