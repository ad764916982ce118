//! The future event list: a monotone radix queue over integer-millisecond times, with 256-way
//! digits.
//!
//! An entry sits at the level of the highest byte in which its time differs from the last popped
//! time, in the slot given by its time's byte at that level (level 0 holds times that differ from
//! the last only in the lowest byte). Popping takes the lowest slot of level 0; when level 0 is
//! empty, the lowest non-empty slot of the lowest non-empty level is spread down over the levels
//! below, relative to its minimum (a slot of one entry lands straight in level 0). An entry thus
//! moves at most once per level (a few times for times within weeks). Every occupied slot of a
//! level lies above the last popped time's digit there (level 0: at or above), so the lowest set
//! bit of a level's occupancy bitmap is its next slot, found in a few word tests.
//!
//! Events pop in (time, insertion order), as docs/model.md §2 requires, without a sequence number: all
//! entries with the same time always share one slot (the slot is a function of the time and the
//! last popped time, and spreading a slot never moves entries past one another), and every slot
//! is a first-in first-out list.
//!
//! A spread reads every entry it moves anyway, so it reports those that land in levels 0 and 1
//! (due within about a minute of the new minimum) to the caller of [`EventQueue::pop_with`]: the
//! engine starts loading their users' records then, many at once, long before they are handled.
//!
//! Pushing a time earlier than the last popped one is a caller bug; such a time is treated as
//! "now" (debug builds assert).

use crate::model::Millis;

const LEVELS: usize = 8;
const SLOTS: usize = 256;

/// A monotone priority queue of `(time, item)`, FIFO among equal times.
#[derive(Debug, Clone)]
pub struct EventQueue<T: Copy> {
    last: Millis,
    /// `slots[level * 256 + digit]`.
    slots: Vec<Vec<(Millis, T)>>,
    /// Bit `digit` of word `level * 4 + digit / 64`: that slot is non-empty.
    occupied: [u64; LEVELS * 4],
    /// Read position in the level-0 slot of the last popped time.
    head: usize,
    len: usize,
    peak_len: usize,
}

fn level_of(time: Millis, last: Millis) -> usize {
    let diff = time ^ last;
    if diff == 0 {
        0
    } else {
        (63 - diff.leading_zeros() as usize) / 8
    }
}

fn digit(time: Millis, level: usize) -> usize {
    ((time >> (8 * level)) & 0xff) as usize
}

impl<T: Copy> Default for EventQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy> EventQueue<T> {
    pub fn new() -> Self {
        EventQueue {
            last: 0,
            slots: (0..LEVELS * SLOTS).map(|_| Vec::new()).collect(),
            occupied: [0; LEVELS * 4],
            head: 0,
            len: 0,
            peak_len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The largest number of entries held at once.
    pub fn peak_len(&self) -> usize {
        self.peak_len
    }

    /// Bytes reserved by the queue's slots.
    pub fn reserved_bytes(&self) -> usize {
        self.slots
            .iter()
            .map(|b| b.capacity() * std::mem::size_of::<(Millis, T)>())
            .sum::<usize>()
            + self.slots.capacity() * std::mem::size_of::<Vec<(Millis, T)>>()
    }

    pub fn push(&mut self, time: Millis, item: T) {
        debug_assert!(
            time >= self.last,
            "event at {time} pushed after {}",
            self.last
        );
        let time = time.max(self.last);
        self.put(time, item);
        self.len += 1;
        self.peak_len = self.peak_len.max(self.len);
    }

    /// Files an entry; returns its level.
    fn put(&mut self, time: Millis, item: T) -> usize {
        let level = level_of(time, self.last);
        let d = digit(time, level);
        self.slots[level * SLOTS + d].push((time, item));
        self.occupied[level * 4 + d / 64] |= 1 << (d % 64);
        level
    }

    pub fn pop(&mut self) -> Option<(Millis, T)> {
        self.pop_with(|_| {})
    }

    /// Pops like [`EventQueue::pop`], and calls `soon` with every entry that a spread moves into
    /// levels 0 and 1 on the way. A hint for prefetching; the order of the calls means nothing.
    pub fn pop_with(&mut self, mut soon: impl FnMut(T)) -> Option<(Millis, T)> {
        if self.len == 0 {
            return None;
        }
        let current = digit(self.last, 0);
        if self.head == self.slots[current].len() {
            self.vacate(0, current);
            self.head = 0;
            self.advance(&mut soon);
        }
        let d = digit(self.last, 0);
        let entry = self.slots[d][self.head];
        self.head += 1;
        self.len -= 1;
        Some(entry)
    }

    /// The entry that pops next, if it is already at the front (in the slot being popped); no
    /// queue work is done to find one that is not.
    pub fn peek_ready(&self) -> Option<T> {
        let slot = &self.slots[digit(self.last, 0)];
        slot.get(self.head).map(|&(_, item)| item)
    }

    /// Makes the level-0 slot of the new minimum time the current one (the queue is not empty).
    fn advance(&mut self, soon: &mut impl FnMut(T)) {
        if let Some(d) = self.first_occupied(0) {
            self.last = (self.last & !0xff) | d as Millis;
            return;
        }
        for level in 1..LEVELS {
            if let Some(d) = self.first_occupied(level) {
                self.spread(level, d, soon);
                return;
            }
        }
    }

    /// Moves slot (`level`, `d`) down, relative to its minimum time, which becomes `last`.
    fn spread(&mut self, level: usize, d: usize, soon: &mut impl FnMut(T)) {
        let mut slot = std::mem::take(&mut self.slots[level * SLOTS + d]);
        self.clear(level, d);
        if let [(time, item)] = slot[..] {
            // One entry: it is the new minimum, due now.
            self.last = time;
            self.put(time, item);
            soon(item);
        } else {
            self.last = slot.iter().fold(Millis::MAX, |m, e| m.min(e.0));
            for &(time, item) in &slot {
                if self.put(time, item) <= 1 {
                    soon(item);
                }
            }
        }
        release(&mut slot);
        self.slots[level * SLOTS + d] = slot;
    }

    fn vacate(&mut self, level: usize, d: usize) {
        release(&mut self.slots[level * SLOTS + d]);
        self.clear(level, d);
    }

    /// Marks slot (`level`, `d`) empty.
    fn clear(&mut self, level: usize, d: usize) {
        self.occupied[level * 4 + d / 64] &= !(1 << (d % 64));
    }

    /// The lowest occupied slot of `level`. Every occupied slot of a level lies at or above the
    /// last popped time's digit there (an entry's time is never earlier), so the lowest set bit
    /// is the next one.
    fn first_occupied(&self, level: usize) -> Option<usize> {
        let words = &self.occupied[level * 4..level * 4 + 4];
        words
            .iter()
            .position(|&w| w != 0)
            .map(|i| i * 64 + words[i].trailing_zeros() as usize)
    }
}

/// Empties a drained slot, giving a large allocation back: slots fill at different times, and
/// keeping every slot's high-water capacity would hold several times the queue's peak size.
fn release<E>(slot: &mut Vec<E>) {
    if slot.capacity() > KEEP_CAPACITY {
        *slot = Vec::new();
    } else {
        slot.clear();
    }
}

/// Entries a drained slot may keep reserved.
const KEEP_CAPACITY: usize = 8192;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.push(5, 'a');
        q.push(3, 'b');
        q.push(5, 'c');
        assert_eq!(q.pop(), Some((3, 'b')));
        // 'b' was alone at its time: nothing is ready until the queue moves on.
        assert_eq!(q.peek_ready(), None);
        q.push(5, 'd');
        q.push(4, 'e');
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, vec![(4, 'e'), (5, 'a'), (5, 'c'), (5, 'd')]);
        assert!(q.is_empty());
        q.push(7, 'f');
        q.push(7, 'g');
        assert_eq!(q.pop(), Some((7, 'f')));
        assert_eq!(q.peek_ready(), Some('g'));
    }

    proptest! {
        /// Against a binary heap ordered by (time, sequence number): same pops, in the same order,
        /// for any interleaving of pushes (never earlier than the last pop) and pops.
        #[test]
        fn matches_a_time_then_sequence_heap(
            ops in prop::collection::vec((prop_oneof![0u64..4, 0u64..300, 0u64..100_000, 0u64..1 << 40], 0u8..3), 1..600)
        ) {
            let mut q = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let mut now = 0u64;
            let mut seq = 0u32;
            for (delta, op) in ops {
                if op == 0 {
                    // A ready entry is always the one that pops next.
                    let ready = q.peek_ready();
                    let popped = q.pop();
                    if ready.is_some() {
                        prop_assert_eq!(ready, popped.map(|(_, item)| item));
                    }
                    let expected = reference.pop().map(|Reverse((t, s))| (t, s));
                    prop_assert_eq!(popped, expected);
                    if let Some((t, _)) = popped { now = t; }
                } else {
                    let t = now + delta;
                    q.push(t, seq);
                    reference.push(Reverse((t, seq)));
                    seq += 1;
                }
            }
            while let Some(expected) = reference.pop() {
                prop_assert_eq!(q.pop(), Some(expected.0));
            }
            prop_assert_eq!(q.pop(), None);
        }
    }
}
