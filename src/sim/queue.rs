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
//! A queue of at most [`SMALL_MAX`] entries (the open Erlang model's 31, say) keeps them instead
//! in one vector sorted by descending (time, insertion order): a push is a binary search and a
//! short move, a pop takes the last entry, and no spread is ever needed. The queue changes form
//! when it grows past [`SMALL_MAX`] entries (all move into the levels, in pop order) and when it
//! shrinks below [`SMALL_MIN`] (all are popped from the levels in order into the vector); the
//! gap between the two keeps a queue near one size from changing form back and forth. Either
//! form pops the same entries in the same order.
//!
//! Pushing a time earlier than the last popped one is a caller bug; such a time is treated as
//! "now" (debug builds assert).

use crate::model::Millis;

const LEVELS: usize = 8;
const SLOTS: usize = 256;

/// Most entries the sorted vector holds before the queue moves them into the levels.
pub const SMALL_MAX: usize = 64;
/// Below this many entries, a queue in levels moves its entries back into the sorted vector.
pub const SMALL_MIN: usize = 16;

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
    /// The small form's entries, sorted by descending (time, insertion order): the next to pop
    /// is the last. Empty while the entries are in the levels.
    front: Vec<(Millis, T)>,
    /// Whether the entries are in `front` (else in the levels).
    small: bool,
    /// [`SMALL_MAX`] and [`SMALL_MIN`] (other values in tests, to change form often).
    small_max: usize,
    small_min: usize,
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
            front: Vec::new(),
            small: true,
            small_max: SMALL_MAX,
            small_min: SMALL_MIN,
        }
    }

    /// A queue that changes form at other sizes than [`SMALL_MAX`] and [`SMALL_MIN`].
    #[cfg(test)]
    fn with_forms(small_max: usize, small_min: usize) -> Self {
        EventQueue {
            small_max,
            small_min,
            ..Self::new()
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
            + self.front.capacity() * std::mem::size_of::<(Millis, T)>()
    }

    #[inline(always)]
    pub fn push(&mut self, time: Millis, item: T) {
        debug_assert!(
            time >= self.last,
            "event at {time} pushed after {}",
            self.last
        );
        let time = time.max(self.last);
        if self.small {
            self.push_small(time, item);
        } else {
            self.put(time, item);
        }
        self.len += 1;
        self.peak_len = self.peak_len.max(self.len);
    }

    /// Files an entry in the sorted vector, after every entry of an earlier or equal time (those
    /// pop first); in the levels when the vector is full.
    #[inline(never)]
    fn push_small(&mut self, time: Millis, item: T) {
        if self.len < self.small_max {
            // From the end, where the soonest entries are (and most new ones go), moving each
            // entry that pops first one place up.
            self.front.push((time, item));
            let front = &mut self.front[..];
            let mut at = front.len() - 1;
            while at > 0 && front[at - 1].0 <= time {
                front[at] = front[at - 1];
                at -= 1;
            }
            front[at] = (time, item);
        } else {
            self.move_to_levels();
            self.put(time, item);
        }
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
    #[inline(always)]
    pub fn pop_with(&mut self, mut soon: impl FnMut(T)) -> Option<(Millis, T)> {
        if self.small {
            let entry = self.front.pop()?;
            self.last = entry.0;
            self.len -= 1;
            return Some(entry);
        }
        let entry = self.pop_levels(&mut soon)?;
        if self.len < self.small_min {
            self.move_to_front();
        }
        Some(entry)
    }

    /// Pops from the levels.
    #[inline(always)]
    fn pop_levels(&mut self, soon: &mut impl FnMut(T)) -> Option<(Millis, T)> {
        if self.len == 0 {
            return None;
        }
        let current = digit(self.last, 0);
        if self.head == self.slots[current].len() {
            self.vacate(0, current);
            self.head = 0;
            self.advance(soon);
        }
        let d = digit(self.last, 0);
        let entry = self.slots[d][self.head];
        self.head += 1;
        self.len -= 1;
        Some(entry)
    }

    /// Moves the small form's entries into the levels, in pop order (so equal times keep their
    /// order in their slot's list).
    #[cold]
    #[inline(never)]
    fn move_to_levels(&mut self) {
        let front = std::mem::take(&mut self.front);
        self.small = false;
        self.head = 0;
        for &(time, item) in front.iter().rev() {
            self.put(time, item);
        }
    }

    /// Moves the levels' entries into the small form, popping them in order; the last popped
    /// time stays what it was.
    #[cold]
    #[inline(never)]
    fn move_to_front(&mut self) {
        let last = self.last;
        let mut front = Vec::with_capacity(self.small_max);
        let len = self.len;
        while self.len > 0 {
            if let Some(entry) = self.pop_levels(&mut |_| {}) {
                front.push(entry);
            }
        }
        // Every slot is empty now but the one read last, which the next pop would have vacated.
        self.vacate(0, digit(self.last, 0));
        debug_assert!(self.occupied.iter().all(|&w| w == 0));
        self.head = 0;
        self.last = last;
        self.len = len;
        front.reverse();
        self.front = front;
        self.small = true;
    }

    /// The entry that pops next, if it is due at the last popped time (in the levels: already
    /// in the slot being popped); no queue work is done to find one that is not.
    pub fn peek_ready(&self) -> Option<T> {
        if self.small {
            return self
                .front
                .last()
                .filter(|e| e.0 == self.last)
                .map(|&(_, item)| item);
        }
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

    /// Both forms and the changes between them: a queue that moves into the levels above four
    /// entries and back below two pops the same as one that never changes form.
    #[test]
    fn changing_form_keeps_the_order() {
        let mut q = EventQueue::with_forms(4, 2);
        for (i, t) in [9, 3, 9, 3, 5].into_iter().enumerate() {
            q.push(t, i);
        }
        // Five entries: in the levels now.
        assert!(!q.small);
        assert_eq!(q.pop(), Some((3, 1)));
        assert_eq!(q.peek_ready(), Some(3));
        assert_eq!(q.pop(), Some((3, 3)));
        assert_eq!(q.pop(), Some((5, 4)));
        // One entry left after this pop: back in the sorted vector, due at the time just popped.
        assert_eq!(q.pop(), Some((9, 0)));
        assert!(q.small);
        assert_eq!(q.peek_ready(), Some(2));
        q.push(9, 5);
        q.push(12, 6);
        q.push(10, 7);
        assert_eq!(q.peek_ready(), Some(2));
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, vec![(9, 2), (9, 5), (10, 7), (12, 6)]);
        assert!(q.occupied.iter().all(|&w| w == 0));
        assert_eq!(q.peak_len(), 5);
    }

    proptest! {
        /// Like `matches_a_time_then_sequence_heap`, with queues that change form at small sizes.
        #[test]
        fn either_form_matches_the_heap(
            forms in (1usize..10).prop_flat_map(|max| (Just(max), 0..=max)),
            ops in prop::collection::vec((prop_oneof![0u64..4, 0u64..300, 0u64..100_000, 0u64..1 << 40], 0u8..2), 1..300)
        ) {
            let mut q = EventQueue::with_forms(forms.0, forms.1);
            let mut reference = BinaryHeap::new();
            let mut now = 0u64;
            let mut seq = 0u32;
            for (delta, op) in ops {
                if op == 0 {
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
                prop_assert_eq!(q.len(), reference.len());
            }
            while let Some(expected) = reference.pop() {
                prop_assert_eq!(q.pop(), Some(expected.0));
            }
            prop_assert_eq!(q.pop(), None);
        }

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
