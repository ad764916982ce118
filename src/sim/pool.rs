//! The client CIDR address pool (docs/model.md §4; guide: "Client VPN scaling considerations").
//!
//! Half of the client CIDR block supports the endpoint's availability model and is never assigned;
//! this model reserves the lower half and assigns from the upper half. Every live connection holds
//! one unique address; allocation is deterministic: always the lowest free address.
//!
//! A bitmap of held addresses with a one-bit-per-word summary of words that still have a free
//! address finds the lowest free one in a few word scans (a /12 has 8,192 words, 128 summary
//! words). The scan of the summary starts at its lowest word that may have a free bit: every
//! summary word below it is empty, so a pool filled from the bottom is not scanned again from
//! its start for every address.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// Index of an assigned address within the usable half (0 = the first usable address).
pub type Slot = u32;

#[derive(Debug, Clone)]
pub struct AddressPool {
    first: u32,
    usable: u32,
    /// Bit i set: slot i is held. Bits beyond `usable` are set (never free).
    held: Vec<u64>,
    /// Bit w set: word w of `held` has a free slot.
    has_free: Vec<u64>,
    /// Every word of `has_free` below this one is 0.
    first_free: usize,
    in_use: u32,
}

impl AddressPool {
    /// The pool of a client CIDR block: `usable` = half the block.
    pub fn new(block: Ipv4Net) -> AddressPool {
        let size = 1u64 << (32 - block.prefix_len());
        let usable = (size / 2) as u32;
        let first = u32::from(block.network()) + usable;
        let words = (usable as usize).div_ceil(64);
        let mut held = vec![0u64; words];
        if usable % 64 != 0 {
            held[words - 1] = !0u64 << (usable % 64);
        }
        let mut has_free = vec![0u64; words.div_ceil(64)];
        for (w, bits) in held.iter().enumerate() {
            if *bits != !0 {
                has_free[w / 64] |= 1 << (w % 64);
            }
        }
        AddressPool {
            first,
            usable,
            held,
            has_free,
            first_free: 0,
            in_use: 0,
        }
    }

    pub fn usable(&self) -> u32 {
        self.usable
    }

    pub fn in_use(&self) -> u32 {
        self.in_use
    }

    pub fn is_full(&self) -> bool {
        self.in_use >= self.usable
    }

    /// Takes the lowest free address; `None` when every usable address is held.
    pub fn allocate(&mut self) -> Option<Slot> {
        let s = self.first_free
            + self.has_free[self.first_free..]
                .iter()
                .position(|&b| b != 0)?;
        self.first_free = s;
        let w = s * 64 + self.has_free[s].trailing_zeros() as usize;
        let bit = (!self.held[w]).trailing_zeros() as usize;
        self.held[w] |= 1 << bit;
        if self.held[w] == !0 {
            self.has_free[s] &= !(1 << (w % 64));
        }
        self.in_use += 1;
        Some((w * 64 + bit) as Slot)
    }

    pub fn release(&mut self, slot: Slot) {
        let (w, bit) = (slot as usize / 64, slot % 64);
        debug_assert!(self.held[w] & (1 << bit) != 0, "slot {slot} released twice");
        self.held[w] &= !(1 << bit);
        self.has_free[w / 64] |= 1 << (w % 64);
        self.first_free = self.first_free.min(w / 64);
        self.in_use -= 1;
    }

    pub fn address(&self, slot: Slot) -> Ipv4Addr {
        Ipv4Addr::from(self.first + slot)
    }

    pub fn reserved_bytes(&self) -> usize {
        (self.held.capacity() + self.has_free.capacity()) * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn pool(cidr: &str) -> AddressPool {
        AddressPool::new(cidr.parse().unwrap())
    }

    /// Guide, "Client VPN scaling considerations": a /22 has 1,024 addresses, half usable; the
    /// 8,000-connection example needs a /18 (16,384 addresses, 8,192 usable).
    #[test]
    fn half_the_block_is_usable_scaling_considerations() {
        assert_eq!(pool("10.0.0.0/22").usable(), 512);
        assert_eq!(pool("10.0.0.0/18").usable(), 8_192);
        assert!(pool("10.0.0.0/18").usable() >= 8_000);
        assert!(pool("10.0.0.0/19").usable() < 8_000);
        assert_eq!(pool("10.0.0.0/12").usable(), 1 << 19);
    }

    #[test]
    fn assigns_lowest_free_unique_addresses_from_the_upper_half() {
        let mut p = pool("10.100.0.0/22");
        let a = p.allocate().unwrap();
        let b = p.allocate().unwrap();
        let c = p.allocate().unwrap();
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(p.address(a), Ipv4Addr::new(10, 100, 2, 0));
        assert_eq!(p.address(c), Ipv4Addr::new(10, 100, 2, 2));
        p.release(b);
        assert_eq!(p.allocate(), Some(1));
        p.release(c);
        p.release(a);
        assert_eq!(p.in_use(), 1);
        assert_eq!(p.allocate(), Some(0));
        assert_eq!(p.allocate(), Some(2));
    }

    /// docs/model.md §4: an attempt that finds no free address is refused (`client-cidr-exhausted`).
    #[test]
    fn exhausts_after_the_usable_half() {
        let mut p = pool("10.0.0.0/22");
        for i in 0..512 {
            assert_eq!(p.allocate(), Some(i));
        }
        assert!(p.is_full());
        assert_eq!(p.allocate(), None);
        assert_eq!(p.address(511), Ipv4Addr::new(10, 0, 3, 255));
        p.release(300);
        assert_eq!(p.allocate(), Some(300));
    }

    proptest! {
        /// Against a set of held slots: allocation always returns the lowest free slot.
        #[test]
        fn allocation_is_lowest_free(ops in prop::collection::vec(any::<(bool, u16)>(), 1..2000)) {
            let mut p = pool("10.0.0.0/21");
            let mut held = BTreeSet::new();
            for (alloc, pick) in ops {
                if alloc || held.is_empty() {
                    let expected = (0..1024u32).find(|s| !held.contains(s));
                    prop_assert_eq!(p.allocate(), expected);
                    if let Some(s) = expected { held.insert(s); }
                } else {
                    let s = *held.iter().nth(pick as usize % held.len()).unwrap();
                    held.remove(&s);
                    p.release(s);
                }
                prop_assert_eq!(p.in_use() as usize, held.len());
            }
        }

        /// A pool held over several summary words (4,096 addresses each), with addresses freed
        /// below the lowest free word and taken again: still the lowest free slot every time.
        #[test]
        fn allocation_is_lowest_free_across_summary_words(
            first in 0u32..20_000,
            ops in prop::collection::vec(any::<(bool, u32)>(), 1..500),
        ) {
            let mut p = pool("10.0.0.0/16");
            for s in 0..first {
                prop_assert_eq!(p.allocate(), Some(s));
            }
            // Held: every slot below `fresh` but the released ones.
            let (mut fresh, mut released) = (first, BTreeSet::new());
            for (alloc, pick) in ops {
                if alloc || fresh as usize == released.len() {
                    let expected = released.pop_first().unwrap_or_else(|| {
                        fresh += 1;
                        fresh - 1
                    });
                    prop_assert_eq!(p.allocate(), Some(expected));
                } else {
                    let s = pick % fresh;
                    if released.insert(s) {
                        p.release(s);
                    }
                }
                prop_assert_eq!(p.in_use() as usize, fresh as usize - released.len());
            }
        }
    }
}
