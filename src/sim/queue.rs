//! The future event list: a monotone radix queue over integer-millisecond times, with 256-way
//! digits, whose lowest level is one sorted vector.
//!
//! An entry sits at the level of the highest byte in which its time differs from the last popped
//! time, in the slot given by its time's byte at that level. Level 0 (times that differ from the
//! last only in the lowest byte: the current window of 256 ms) is the front, one vector sorted by
//! descending (time, insertion order): a pop takes its last entry, and a push moves the entries
//! that pop before the new one up by one from the end, where the soonest are. When the front is
//! empty, the lowest non-empty slot of the lowest non-empty level is spread down over the levels
//! below, relative to its minimum; what lands in the front is sorted there (stably, by time) once.
//! An entry thus moves at most once per level (a few times for times within weeks). Every occupied
//! slot of a level lies above the last popped time's digit there, so the lowest set bit of a
//! level's occupancy bitmap is its next slot, found in a few word tests.
//!
//! Events pop in (time, insertion order), as docs/model.md §2 requires, without a sequence number: all
//! entries with the same time always share one slot or the front (the place is a function of the
//! time and the last popped time, and spreading a slot never moves entries past one another),
//! every slot is a first-in first-out list, and the front keeps equal times in insertion order.
//!
//! A spread reads every entry it moves anyway, so it reports those that land in the front and in
//! level 1 (due within about a minute of the new minimum) to the caller of
//! [`EventQueue::pop_with`]: the engine starts loading their users' records then, many at once,
//! long before they are handled.
//!
//! A queue of at most [`SMALL_MAX`] entries (the open Erlang model's 31, say) keeps every entry in
//! the front, whatever its time, and never spreads. The queue changes form when it grows past
//! [`SMALL_MAX`] entries (those outside the current window move into the levels, in pop order) and
//! when it shrinks below [`SMALL_MIN`] (all are popped from the levels in order into the front);
//! the gap between the two keeps a queue near one size from changing form back and forth. Either
//! form pops the same entries in the same order.
//!
//! Pushing a time earlier than the last popped one is a caller bug; such a time is treated as
//! "now" (debug builds assert).

use crate::model::Millis;

/// Levels 1 to 7 are slots; level 0 is the front.
const LEVELS: usize = 8;
const SLOTS: usize = 256;

/// Most entries the small form holds before the queue moves them into the levels.
pub const SMALL_MAX: usize = 64;
/// Below this many entries, a queue in levels moves its entries back into the small form.
pub const SMALL_MIN: usize = 16;

/// A monotone priority queue of `(time, item)`, FIFO among equal times.
#[derive(Debug, Clone)]
pub struct EventQueue<T: Copy> {
    last: Millis,
    /// `slots[(level - 1) * 256 + digit]`, levels 1 to 7.
    slots: Vec<Vec<(Millis, T)>>,
    /// Bit `digit` of word `(level - 1) * 4 + digit / 64`: that slot is non-empty.
    occupied: [u64; (LEVELS - 1) * 4],
    /// Sorted by descending (time, insertion order): the next to pop is the last. In levels:
    /// every entry of the current window; in the small form: every entry.
    front: Vec<(Millis, T)>,
    len: usize,
    peak_len: usize,
    /// Whether every entry is in `front`.
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

/// Index of slot (`level`, `d`) in `slots`, `level` ≥ 1.
fn index(level: usize, d: usize) -> usize {
    (level - 1) * SLOTS + d
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
            slots: (0..(LEVELS - 1) * SLOTS).map(|_| Vec::new()).collect(),
            occupied: [0; (LEVELS - 1) * 4],
            front: Vec::new(),
            len: 0,
            peak_len: 0,
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

    /// Bytes reserved by the queue's slots and front.
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

    /// Files an entry in the small form; in the levels when it is full.
    #[inline(never)]
    fn push_small(&mut self, time: Millis, item: T) {
        if self.len < self.small_max {
            self.insert_front(time, item);
        } else {
            self.move_to_levels();
            self.put(time, item);
        }
    }

    /// Files an entry in the front, after every entry of an earlier or equal time (those pop
    /// first): from the end, moving each of them one place up.
    #[inline(always)]
    fn insert_front(&mut self, time: Millis, item: T) {
        self.front.push((time, item));
        // The hole walks down from the new last place while the entry before it pops first.
        let mut entries = self.front.iter_mut().rev();
        let Some(mut hole) = entries.next() else {
            return;
        };
        for e in entries {
            if e.0 > time {
                break;
            }
            *hole = *e;
            hole = e;
        }
        *hole = (time, item);
    }

    /// Files an entry in the levels form; returns its level (0: the front).
    #[inline(always)]
    fn put(&mut self, time: Millis, item: T) -> usize {
        let level = level_of(time, self.last);
        if level == 0 {
            self.insert_front(time, item);
        } else {
            self.put_slot(level, time, item);
        }
        level
    }

    /// Files an entry in slot (`level` ≥ 1, its time's digit there).
    #[inline(always)]
    fn put_slot(&mut self, level: usize, time: Millis, item: T) {
        let d = digit(time, level);
        self.slots[index(level, d)].push((time, item));
        self.occupied[(level - 1) * 4 + d / 64] |= 1 << (d % 64);
    }

    pub fn pop(&mut self) -> Option<(Millis, T)> {
        self.pop_with(|_| {})
    }

    /// Pops like [`EventQueue::pop`], and calls `soon` with every entry that a spread moves into
    /// the front and level 1 on the way. A hint for prefetching; the order of the calls means
    /// nothing.
    #[inline(always)]
    pub fn pop_with(&mut self, mut soon: impl FnMut(T)) -> Option<(Millis, T)> {
        let entry = match self.front.pop() {
            Some(entry) => entry,
            // In levels (the small form's entries are all in the front), or empty.
            None if self.len > 0 => {
                self.advance(&mut soon);
                self.front.pop()?
            }
            None => return None,
        };
        self.last = entry.0;
        self.len -= 1;
        if !self.small && self.len < self.small_min {
            self.move_to_small();
        }
        Some(entry)
    }

    /// The entry that pops next, if it is due at the last popped time; no queue work is done to
    /// find one that is not.
    pub fn peek_ready(&self) -> Option<T> {
        self.front
            .last()
            .filter(|e| e.0 == self.last)
            .map(|&(_, item)| item)
    }

    /// Fills the empty front from the lowest occupied slot (the queue is in levels and not
    /// empty).
    fn advance(&mut self, soon: &mut impl FnMut(T)) {
        release(&mut self.front);
        for level in 1..LEVELS {
            if let Some(d) = self.first_occupied(level) {
                self.spread(level, d, soon);
                return;
            }
        }
    }

    /// Moves slot (`level`, `d`) down, relative to its minimum time, which becomes `last`; the
    /// front is empty.
    fn spread(&mut self, level: usize, d: usize, soon: &mut impl FnMut(T)) {
        let i = index(level, d);
        let mut slot = std::mem::take(&mut self.slots[i]);
        self.clear(level, d);
        if let [(time, item)] = slot[..] {
            // One entry: it is the new minimum, due now.
            self.last = time;
            self.front.push((time, item));
            soon(item);
        } else {
            self.last = slot.iter().fold(Millis::MAX, |m, e| m.min(e.0));
            for &(time, item) in &slot {
                match level_of(time, self.last) {
                    0 => {
                        self.front.push((time, item));
                        soon(item);
                    }
                    l => {
                        self.put_slot(l, time, item);
                        if l == 1 {
                            soon(item);
                        }
                    }
                }
            }
            // The front is in slot order, which is insertion order among equal times; the
            // drained slot holds at least as many entries: room for the sort.
            slot.clear();
            self.sort_front(&mut slot);
        }
        release(&mut slot);
        self.slots[i] = slot;
    }

    /// Sorts the front, filled in slot order (insertion order among equal times), by descending
    /// (time, insertion order). Its entries differ only in their lowest byte, so many are
    /// counted into place by that byte (stable, in linear time) in `room`, an empty vector of
    /// enough capacity that then takes the front's old allocation: no memory is added.
    fn sort_front(&mut self, room: &mut Vec<(Millis, T)>) {
        let n = self.front.len();
        if n <= 32 {
            sort_descending(&mut self.front);
            return;
        }
        // `at[b]`: one past where the next entry of byte `b` goes, filling each byte's run from
        // its end (so the first inserted pops first); higher bytes first.
        let mut at = [0u32; 256];
        for e in &self.front {
            at[digit(e.0, 0)] += 1;
        }
        let mut end = 0;
        for b in (0..256).rev() {
            end += at[b];
            at[b] = end;
        }
        room.extend_from_slice(&self.front);
        for &e in &self.front {
            let b = digit(e.0, 0);
            at[b] -= 1;
            room[at[b] as usize] = e;
        }
        std::mem::swap(&mut self.front, room);
        room.clear();
    }

    /// Moves the small form's entries outside the current window into the levels, in pop order
    /// (so equal times keep their order in their slot's list).
    #[cold]
    #[inline(never)]
    fn move_to_levels(&mut self) {
        let front = std::mem::take(&mut self.front);
        self.small = false;
        for &(time, item) in front.iter().rev() {
            match level_of(time, self.last) {
                0 => self.front.push((time, item)),
                l => self.put_slot(l, time, item),
            }
        }
        self.front.reverse();
    }

    /// Moves the levels' entries into the small form, popping them in order; the last popped
    /// time stays what it was.
    #[cold]
    #[inline(never)]
    fn move_to_small(&mut self) {
        let last = self.last;
        let mut all = Vec::with_capacity(self.small_max);
        loop {
            match self.front.pop() {
                Some(entry) => {
                    self.last = entry.0;
                    all.push(entry);
                }
                None if self.occupied.iter().any(|&w| w != 0) => self.advance(&mut |_| {}),
                None => break,
            }
        }
        debug_assert_eq!(all.len(), self.len);
        all.reverse();
        self.front = all;
        self.last = last;
        self.small = true;
    }

    /// Marks slot (`level`, `d`) empty.
    fn clear(&mut self, level: usize, d: usize) {
        self.occupied[(level - 1) * 4 + d / 64] &= !(1 << (d % 64));
    }

    /// The lowest occupied slot of `level` (≥ 1). Every occupied slot of a level lies above the
    /// last popped time's digit there (an entry's time is never earlier), so the lowest set bit
    /// is the next one.
    fn first_occupied(&self, level: usize) -> Option<usize> {
        let words = &self.occupied[(level - 1) * 4..level * 4];
        words
            .iter()
            .position(|&w| w != 0)
            .map(|i| i * 64 + words[i].trailing_zeros() as usize)
    }
}

/// Sorts `entries`, in insertion order among equal times, by descending (time, insertion
/// order), as the front keeps them: an insertion sort in which each entry goes before every
/// entry of an earlier or equal time (those pop first), as [`EventQueue::push`] files one.
fn sort_descending<E: Copy>(entries: &mut [(Millis, E)]) {
    for i in 1..entries.len() {
        let sorted = &mut entries[..=i];
        let e = sorted[i];
        // As `EventQueue::insert_front`: the hole walks down from place `i`.
        let mut before = sorted.iter_mut().rev();
        let Some(mut hole) = before.next() else {
            continue;
        };
        for x in before {
            if x.0 > e.0 {
                break;
            }
            *hole = *x;
            hole = x;
        }
        *hole = e;
    }
}

/// Empties a drained slot (or the front), giving a large allocation back: slots fill at different times, and
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

    /// A spread that lands many entries of one 256 ms window in the front (counted into place
    /// by their lowest byte) keeps (time, insertion order).
    #[test]
    fn a_large_front_is_sorted_stably() {
        let mut q = EventQueue::with_forms(4, 2);
        let mut expected = Vec::new();
        for i in 0..300u32 {
            // Times 70,000..70,256, many repeated, in a scrambled order.
            let t = 70_000 + u64::from(i.wrapping_mul(97) % 61) * 4;
            q.push(t, i);
            expected.push((t, i));
        }
        q.push(5, 999);
        assert_eq!(q.pop(), Some((5, 999)));
        expected.sort_by_key(|e| e.0);
        let popped: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(popped, expected);
    }

    /// Plays `ops` (a time ahead of the last pop and whether to pop) on `q` and on a binary heap
    /// ordered by (time, sequence number): the same pops in the same order, and a ready entry
    /// is always the one that pops next.
    fn plays_like_the_heap(
        mut q: EventQueue<u32>,
        ops: Vec<(u64, u8)>,
    ) -> Result<(), TestCaseError> {
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
                if let Some((t, _)) = popped {
                    now = t;
                }
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
        Ok(())
    }

    proptest! {
        /// Like `matches_a_time_then_sequence_heap`, with queues that change form at small sizes.
        #[test]
        fn either_form_matches_the_heap(
            forms in (1usize..10).prop_flat_map(|max| (Just(max), 0..=max)),
            ops in prop::collection::vec((prop_oneof![0u64..4, 0u64..300, 0u64..100_000, 0u64..1 << 40], 0u8..2), 1..300)
        ) {
            plays_like_the_heap(EventQueue::with_forms(forms.0, forms.1), ops)?;
        }

        /// Against a binary heap ordered by (time, sequence number): same pops, in the same order,
        /// for any interleaving of pushes (never earlier than the last pop) and pops.
        #[test]
        fn matches_a_time_then_sequence_heap(
            ops in prop::collection::vec((prop_oneof![0u64..4, 0u64..300, 0u64..100_000, 0u64..1 << 40], 0u8..3), 1..600)
        ) {
            plays_like_the_heap(EventQueue::new(), ops)?;
        }
    }
}
