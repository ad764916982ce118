//! The client CIDR address pool (DESIGN §4; guide: "Client VPN scaling considerations").
//!
//! Half of the client CIDR block supports the endpoint's availability model and is never assigned;
//! this model reserves the lower half and assigns from the upper half. Every live connection holds
//! one unique address; allocation is deterministic: always the lowest free address.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// Index of an assigned address within the usable half (0 = the first usable address).
pub type Slot = u32;

#[derive(Debug, Clone)]
pub struct AddressPool {
    first: u32,
    usable: u32,
    /// Every slot at or above this one has never been assigned.
    fresh: Slot,
    /// Released slots below `fresh`, lowest first.
    released: BinaryHeap<Reverse<Slot>>,
    in_use: u32,
}

impl AddressPool {
    /// The pool of a client CIDR block: `usable` = half the block.
    pub fn new(block: Ipv4Net) -> AddressPool {
        let size = 1u64 << (32 - block.prefix_len());
        let usable = (size / 2) as u32;
        let first = u32::from(block.network()) + usable;
        AddressPool {
            first,
            usable,
            fresh: 0,
            released: BinaryHeap::new(),
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
        let slot = match self.released.pop() {
            Some(Reverse(s)) => s,
            None if self.fresh < self.usable => {
                self.fresh += 1;
                self.fresh - 1
            }
            None => return None,
        };
        self.in_use += 1;
        Some(slot)
    }

    pub fn release(&mut self, slot: Slot) {
        debug_assert!(slot < self.fresh);
        self.in_use -= 1;
        self.released.push(Reverse(slot));
    }

    pub fn address(&self, slot: Slot) -> Ipv4Addr {
        Ipv4Addr::from(self.first + slot)
    }

    pub fn reserved_bytes(&self) -> usize {
        self.released.capacity() * std::mem::size_of::<Slot>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// DESIGN §4: an attempt that finds no free address is refused (`client-cidr-exhausted`).
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

    #[test]
    fn release_in_any_order_keeps_slots_unique() {
        let mut p = pool("10.0.0.0/22");
        let held: Vec<Slot> = (0..64).map(|_| p.allocate().unwrap()).collect();
        for &s in held.iter().rev().step_by(2) {
            p.release(s);
        }
        let mut again: Vec<Slot> = (0..32).map(|_| p.allocate().unwrap()).collect();
        again.sort_unstable();
        let expected: Vec<Slot> = held.iter().copied().filter(|s| s % 2 == 1).collect();
        assert_eq!(again, expected);
        assert_eq!(p.in_use(), 64);
        assert_eq!(p.allocate(), Some(64));
    }
}
