//! One memory budget for the blocks in flight across every member read at once.
//!
//! Each pipelined member bounds its own queue, but a bundle of many large logs on a machine with many threads
//! would still hold one queue per member. Readers take a [`Permit`] for each block before handing it on, and
//! the permit is given back when the block has been consumed. A reader waits while the budget is spent —
//! unless it has nothing in flight itself, so every member can always move and no reader waits on another.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Bytes of blocks in flight across all members unless the caller says otherwise.
pub const DEFAULT_BLOCK_BUDGET: usize = 32 << 20;

/// The shared budget.
#[derive(Debug)]
pub struct BlockBudget {
    limit: usize,
    used: Mutex<usize>,
    returned: Condvar,
}

impl Default for BlockBudget {
    fn default() -> Self {
        BlockBudget::new(DEFAULT_BLOCK_BUDGET)
    }
}

/// One reader's share: how many of its blocks are in flight.
#[derive(Debug, Default, Clone)]
pub struct Reader(Arc<AtomicUsize>);

/// A block's claim on the budget, given back when dropped.
#[derive(Debug)]
pub struct Permit<'b> {
    budget: &'b BlockBudget,
    reader: Reader,
    bytes: usize,
}

impl BlockBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        BlockBudget { limit, used: Mutex::new(0), returned: Condvar::new() }
    }

    /// Claims `bytes` for one of `reader`'s blocks, waiting while the budget is spent and the reader already
    /// has a block in flight.
    pub fn claim(&self, reader: &Reader, bytes: usize) -> Permit<'_> {
        let mut used = self.used.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while *used > 0 && used.saturating_add(bytes) > self.limit && reader.0.load(Ordering::Acquire) > 0 {
            used = self.returned.wait(used).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *used = used.saturating_add(bytes);
        reader.0.fetch_add(1, Ordering::AcqRel);
        Permit { budget: self, reader: reader.clone(), bytes }
    }

    /// Bytes claimed now.
    pub fn in_use(&self) -> usize {
        *self.used.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *used = used.saturating_sub(self.bytes);
        self.reader.0.fetch_sub(1, Ordering::AcqRel);
        drop(used);
        self.budget.returned.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;
    use std::time::Duration;

    #[test]
    fn claims_add_up_and_come_back() {
        let budget = BlockBudget::new(100);
        let reader = Reader::default();
        let a = budget.claim(&reader, 60);
        assert_eq!(budget.in_use(), 60);
        drop(a);
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn a_reader_with_nothing_in_flight_is_never_kept_waiting() {
        let budget = BlockBudget::new(10);
        let busy = Reader::default();
        let _held = budget.claim(&busy, 10);
        // Over the budget, but this reader has nothing in flight: it goes on.
        let idle = Reader::default();
        let _first = budget.claim(&idle, 50);
        assert_eq!(budget.in_use(), 60);
    }

    #[test]
    fn a_reader_over_budget_waits_until_one_of_its_blocks_is_consumed() {
        let budget: &'static BlockBudget = Box::leak(Box::new(BlockBudget::new(10)));
        let reader = Reader::default();
        let (send, receive) = sync_channel::<Permit<'static>>(8);
        send.send(budget.claim(&reader, 8)).unwrap();
        let (granted, was_granted) = sync_channel::<()>(1);
        let second = {
            let reader = reader.clone();
            std::thread::spawn(move || {
                send.send(budget.claim(&reader, 8)).unwrap();
                granted.send(()).unwrap();
            })
        };
        // The second claim is not granted while the first block is in flight…
        assert!(was_granted.recv_timeout(Duration::from_millis(200)).is_err());
        assert_eq!(budget.in_use(), 8);
        // …and is once it has been consumed.
        drop(receive.recv().unwrap());
        was_granted.recv().unwrap();
        second.join().unwrap();
        assert_eq!(budget.in_use(), 8);
        drop(receive.recv().unwrap());
        assert_eq!(budget.in_use(), 0);
    }
}
