//! The future event list: a monotone radix heap over integer-millisecond times.
//!
//! Events pop in (time, insertion order): among equal times the one pushed first comes first, as
//! DESIGN §2 requires, without storing a sequence number. This holds because every entry with a
//! given time always sits in the same bucket (the bucket is a function of the time and the last
//! popped time), buckets are drained in order, and bucket 0 (times equal to the last popped time)
//! is consumed first-in first-out.
//!
//! Pushing a time earlier than the last popped one is a caller bug; such a time is treated as
//! "now" (debug builds assert).

use crate::model::Millis;

const BUCKETS: usize = 65;

/// A monotone priority queue of `(time, item)`, FIFO among equal times.
#[derive(Debug, Clone)]
pub struct EventQueue<T: Copy> {
    last: Millis,
    buckets: Vec<Vec<(Millis, T)>>,
    /// Read position in bucket 0.
    head: usize,
    len: usize,
    peak_len: usize,
}

fn bucket_of(time: Millis, last: Millis) -> usize {
    (64 - (time ^ last).leading_zeros()) as usize
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
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
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

    /// Bytes reserved by the queue's buckets.
    pub fn reserved_bytes(&self) -> usize {
        self.buckets
            .iter()
            .map(|b| b.capacity() * std::mem::size_of::<(Millis, T)>())
            .sum()
    }

    pub fn push(&mut self, time: Millis, item: T) {
        debug_assert!(
            time >= self.last,
            "event at {time} pushed after {}",
            self.last
        );
        let time = time.max(self.last);
        self.buckets[bucket_of(time, self.last)].push((time, item));
        self.len += 1;
        self.peak_len = self.peak_len.max(self.len);
    }

    pub fn pop(&mut self) -> Option<(Millis, T)> {
        if self.head == self.buckets[0].len() {
            self.buckets[0].clear();
            self.head = 0;
            if !self.refill() {
                return None;
            }
        }
        let entry = self.buckets[0][self.head];
        self.head += 1;
        self.len -= 1;
        Some(entry)
    }

    /// Moves the lowest non-empty bucket down so that bucket 0 holds the new minimum time.
    fn refill(&mut self) -> bool {
        let Some(i) = (1..BUCKETS).find(|&i| !self.buckets[i].is_empty()) else {
            return false;
        };
        let mut bucket = std::mem::take(&mut self.buckets[i]);
        let min = bucket.iter().fold(Millis::MAX, |m, e| m.min(e.0));
        self.last = min;
        for &(time, item) in &bucket {
            self.buckets[bucket_of(time, min)].push((time, item));
        }
        bucket.clear();
        self.buckets[i] = bucket;
        true
    }
}

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
        q.push(5, 'd');
        q.push(4, 'e');
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, vec![(4, 'e'), (5, 'a'), (5, 'c'), (5, 'd')]);
        assert!(q.is_empty());
    }

    proptest! {
        /// Against a binary heap ordered by (time, sequence number): same pops, in the same order,
        /// for any interleaving of pushes (never earlier than the last pop) and pops.
        #[test]
        fn matches_a_time_then_sequence_heap(ops in prop::collection::vec((0u64..50, 0u8..3), 1..400)) {
            let mut q = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let mut now = 0u64;
            let mut seq = 0u32;
            for (delta, op) in ops {
                if op == 0 {
                    let popped = q.pop();
                    let expected = reference.pop().map(|Reverse((t, s))| (t, s));
                    prop_assert_eq!(popped, expected);
                    if let Some((t, _)) = popped { now = t; }
                } else {
                    let t = now + delta * delta;
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
