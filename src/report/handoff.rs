//! Items handed from the simulating thread to a writer thread in reusable batches, so that
//! rendering and writing a streamed file runs beside the simulation instead of inside it.
//!
//! Items keep their order, so the writer sees them as a single thread would and the bytes
//! written are the same. At most [`IN_FLIGHT`] full batches wait for the writer (the simulating
//! thread waits beyond that), so memory stays flat however long the run; batches come back to
//! be filled again, so an item's buffers are allocated once, not once per item.
//! [`Handoff::drain`] waits until the writer has taken every item pushed so far.
//!
//! Only the thread that starts a hand-off fills it ([`OneThread`]): an item is pushed without
//! any atomic operation, which a mutex would take twice per item.

use std::cell::{Cell, UnsafeCell};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::{Scope, ScopedJoinHandle};

/// Items per batch.
pub const BATCH: usize = 1024;
/// Full batches that may wait for the writer.
pub const IN_FLIGHT: usize = 4;

/// What goes to the writer.
enum Msg<T> {
    /// A batch and how many of its items are filled.
    Batch(Vec<T>, usize),
    /// Answer once every earlier batch is written.
    Drained(SyncSender<()>),
}

/// The batch being filled, and the ways to the writer and back.
struct Filling<T> {
    batch: Vec<T>,
    /// Items of `batch` filled (the rest are spare, from an earlier round).
    used: usize,
    full: SyncSender<Msg<T>>,
    empty: Receiver<Vec<T>>,
}

/// The simulating thread's end: [`Handoff::push`] fills the next item in place.
pub struct Handoff<'scope, T> {
    filling: OneThread<Filling<T>>,
    writer: ScopedJoinHandle<'scope, ()>,
}

/// A value that only the thread that made it may use (any other panics), one use at a time,
/// without atomic operations.
struct OneThread<T> {
    owner: usize,
    in_use: Cell<bool>,
    value: UnsafeCell<T>,
}

// SAFETY: `in_use` and `value` are touched only through `with`, which first checks that the
// calling thread is the owner (a thread's mark is unique among live threads), and through
// `into_inner`, which owns the value. Shared between threads, the cell is thus still used by one
// thread only.
unsafe impl<T: Send> Sync for OneThread<T> {}

/// The calling thread's mark: the address of its own copy of a thread-local.
fn thread_mark() -> usize {
    thread_local!(static MARK: u8 = const { 0 });
    MARK.with(|m| std::ptr::from_ref(m) as usize)
}

impl<T> OneThread<T> {
    fn new(value: T) -> Self {
        OneThread {
            owner: thread_mark(),
            in_use: Cell::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` on the value, on the owning thread.
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        assert_eq!(
            thread_mark(),
            self.owner,
            "a hand-off is filled by the thread that started it"
        );
        assert!(!self.in_use.replace(true), "a hand-off filled from a fill");
        struct Done<'a>(&'a Cell<bool>);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let _done = Done(&self.in_use);
        // SAFETY: this is the owning thread (checked above), and no other `with` runs on it
        // until `_done` clears the flag: this is the only reference to the value.
        f(unsafe { &mut *self.value.get() })
    }

    fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<'scope, T: Default + Send + 'scope> Handoff<'scope, T> {
    /// Starts a writer thread in `scope` that calls `write` on the items pushed, a run of
    /// them at a time, in order.
    pub fn spawn<'env>(
        scope: &'scope Scope<'scope, 'env>,
        mut write: impl FnMut(&[T]) + Send + 'scope,
    ) -> Handoff<'scope, T> {
        let (full, batches) = sync_channel::<Msg<T>>(IN_FLIGHT);
        let (back, empty) = channel::<Vec<T>>();
        let writer = scope.spawn(move || {
            for msg in batches {
                match msg {
                    Msg::Batch(batch, used) => {
                        write(&batch[..used]);
                        // The simulating thread may have finished already: the batch is then
                        // dropped.
                        let _ = back.send(batch);
                    }
                    Msg::Drained(answer) => {
                        let _ = answer.send(());
                    }
                }
            }
        });
        Handoff {
            filling: OneThread::new(Filling {
                batch: Vec::with_capacity(BATCH),
                used: 0,
                full,
                empty,
            }),
            writer,
        }
    }

    /// Fills the next item with `fill` (which finds it as an earlier round left it, or
    /// default), and hands the batch over when it is full.
    pub fn push(&self, fill: impl FnOnce(&mut T)) {
        self.filling.with(|f| {
            if f.used == f.batch.len() {
                f.batch.push(T::default());
            }
            let i = f.used;
            fill(&mut f.batch[i]);
            f.used += 1;
            if f.used == BATCH {
                f.hand_over();
            }
        });
    }

    /// Hands over the batch being filled and waits until the writer has written every item
    /// pushed so far (at once if the writer has stopped).
    pub fn drain(&self) {
        self.filling.with(|f| {
            if f.used > 0 {
                f.hand_over();
            }
            let (answer, answered) = sync_channel(1);
            if f.full.send(Msg::Drained(answer)).is_ok() {
                let _ = answered.recv();
            }
        });
    }

    /// Hands over the last batch and waits until the writer has written every item. A panic
    /// of the writer's goes on here.
    pub fn finish(self) {
        let mut f = self.filling.into_inner();
        if f.used > 0 {
            f.hand_over();
        }
        drop(f);
        if let Err(panic) = self.writer.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

impl<T> Filling<T> {
    fn hand_over(&mut self) {
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let batch = std::mem::replace(&mut self.batch, next);
        let used = std::mem::take(&mut self.used);
        // A writer that stopped has panicked; `finish` passes the panic on.
        let _ = self.full.send(Msg::Batch(batch, used));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Another thread may hold the hand-off but not fill it: it panics, touching nothing, and
    /// the owner goes on.
    #[test]
    fn only_the_starting_thread_fills() {
        let seen = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            let h = Handoff::spawn(s, |xs: &[u64]| seen.lock().unwrap().extend_from_slice(xs));
            h.push(|x| *x = 1);
            let other = std::thread::scope(|t| t.spawn(|| h.push(|x| *x = 2)).join());
            assert!(other.is_err());
            h.push(|x| *x = 3);
            h.finish();
        });
        assert_eq!(seen.into_inner().unwrap(), [1, 3]);
    }

    /// Every item arrives once and in order, across many batches and a last partial one, and
    /// a reused item is found as the earlier round left it.
    #[test]
    fn items_arrive_in_order_and_slots_are_reused() {
        let n = 10 * BATCH + 17;
        let mut seen = Vec::new();
        let mut reused = 0;
        std::thread::scope(|s| {
            let h = Handoff::spawn(s, |xs: &[(u64, Vec<u64>)]| {
                seen.extend(xs.iter().map(|x| x.0))
            });
            for i in 0..n as u64 {
                h.push(|slot| {
                    if !slot.1.is_empty() {
                        reused += 1;
                    }
                    slot.0 = i;
                    slot.1.clear();
                    slot.1.push(i);
                });
            }
            h.finish();
        });
        assert_eq!(seen, (0..n as u64).collect::<Vec<_>>());
        // Only the batches in flight at once are ever allocated: most items reuse a slot.
        assert!(reused >= n - (IN_FLIGHT + 3) * BATCH, "{reused} of {n}");
    }

    /// After `drain`, the writer has taken every item pushed, including a partial batch; the
    /// items pushed later still arrive, in order.
    #[test]
    fn drain_waits_for_every_item_pushed() {
        let seen = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            let h = Handoff::spawn(s, |xs: &[u64]| seen.lock().unwrap().extend_from_slice(xs));
            for i in 0..(2 * BATCH + 5) as u64 {
                h.push(|slot| *slot = i);
            }
            h.drain();
            assert_eq!(seen.lock().unwrap().len(), 2 * BATCH + 5);
            h.push(|slot| *slot = 7);
            h.finish();
        });
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 2 * BATCH + 6);
        assert_eq!(seen[2 * BATCH + 4..], [(2 * BATCH + 4) as u64, 7]);
    }

    /// A writer's panic reaches the thread that finishes the hand-off.
    #[test]
    fn a_writer_panic_is_passed_on() {
        let r = std::panic::catch_unwind(|| {
            std::thread::scope(|s| {
                let h = Handoff::spawn(s, |xs: &[u64]| {
                    assert!(xs.iter().all(|&x| x < 5), "writer failed")
                });
                for i in 0..(3 * BATCH) as u64 {
                    h.push(|slot| *slot = i);
                }
                h.finish();
            })
        });
        assert!(r.is_err());
    }
}
