//! The signal lane: system signals that never wait behind user messages.
//!
//! A short queue behind a mutex, plus an atomic flag word the actor loop
//! reads before every message (one relaxed-cost load on the hot path) and a
//! waker so a signal wakes an idle or awaiting actor. `kill` is a flag of its
//! own, so it takes effect even while a handler is awaiting.

use std::collections::VecDeque;
use std::task::Waker;

use crate::loom::{AtomicU8, AtomicWaker, Mutex, Ordering};

const PENDING: u8 = 0b01;
const KILLED: u8 = 0b10;

pub(crate) struct SignalLane<T> {
    queue: Mutex<Pending<T>>,
    flags: AtomicU8,
    waker: AtomicWaker,
}

struct Pending<T> {
    /// Most actors see one signal at a time (a stop, a watch notice): it
    /// waits here, without allocating; more go to `more`.
    first: Option<T>,
    more: VecDeque<T>,
    closed: bool,
}

/// The signals taken from a lane, in the order they were pushed.
pub(crate) struct Taken<T> {
    first: Option<T>,
    more: VecDeque<T>,
}

impl<T> Iterator for Taken<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.first.take().or_else(|| self.more.pop_front())
    }
}

impl<T> Taken<T> {
    #[cfg(test)]
    fn into_vec(self) -> Vec<T> {
        self.collect()
    }
}

impl<T> SignalLane<T> {
    pub(crate) fn new() -> Self {
        SignalLane {
            queue: Mutex::new(Pending { first: None, more: VecDeque::new(), closed: false }),
            flags: AtomicU8::new(0),
            waker: AtomicWaker::new(),
        }
    }

    /// Queues a signal and wakes the actor. Hands it back once the lane is
    /// closed (the actor has stopped).
    pub(crate) fn push(&self, signal: T) -> Result<(), T> {
        {
            let mut queue = self.queue.lock();
            if queue.closed {
                return Err(signal);
            }
            if queue.first.is_none() && queue.more.is_empty() {
                queue.first = Some(signal);
            } else {
                queue.more.push_back(signal);
            }
            // Set under the lock: `take` clears it under the same lock, so a
            // pushed signal is never left behind a cleared flag.
            self.flags.fetch_or(PENDING, Ordering::Release);
        }
        self.waker.wake();
        Ok(())
    }

    /// Asks the actor to stop at once, even mid-handler.
    pub(crate) fn kill(&self) {
        self.flags.fetch_or(KILLED, Ordering::Release);
        self.waker.wake();
    }

    /// Forgets a kill that has taken effect, before a supervised restart.
    pub(crate) fn clear_kill(&self) {
        self.flags.fetch_and(!KILLED, Ordering::AcqRel);
    }

    pub(crate) fn is_killed(&self) -> bool {
        self.flags.load(Ordering::Acquire) & KILLED != 0
    }

    /// True when signals are queued or a kill was requested.
    pub(crate) fn has_work(&self) -> bool {
        self.flags.load(Ordering::Acquire) != 0
    }

    /// Takes every queued signal.
    pub(crate) fn take(&self) -> Taken<T> {
        let mut queue = self.queue.lock();
        self.flags.fetch_and(!PENDING, Ordering::AcqRel);
        Taken { first: queue.first.take(), more: std::mem::take(&mut queue.more) }
    }

    /// Refuses further signals and returns those still queued.
    pub(crate) fn close(&self) -> Taken<T> {
        let mut queue = self.queue.lock();
        queue.closed = true;
        self.flags.fetch_and(!PENDING, Ordering::AcqRel);
        Taken { first: queue.first.take(), more: std::mem::take(&mut queue.more) }
    }

    /// The actor's waker, shared with its mailbox: one registration covers
    /// both lanes.
    pub(crate) fn waker(&self) -> &AtomicWaker {
        &self.waker
    }

    /// Registers the actor task to be woken by the next signal. Check
    /// [`has_work`](Self::has_work) after registering, as with any waker.
    pub(crate) fn register(&self, waker: &Waker) {
        self.waker.register(waker);
    }
}

#[cfg(all(test, actor_loom))]
mod loom_tests {
    use super::*;
    use loom::future::block_on;
    use loom::sync::Arc;
    use std::future::poll_fn;
    use std::task::Poll;

    use crate::loom::model;

    /// Waits the way the actor loop does: flag check, register, re-check.
    async fn wait_for_work(lane: &SignalLane<u32>) {
        poll_fn(|cx| {
            if lane.has_work() {
                return Poll::Ready(());
            }
            lane.register(cx.waker());
            if lane.has_work() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }

    #[test]
    fn a_pushed_signal_always_wakes_and_is_taken() {
        model(|| {
            let lane = Arc::new(SignalLane::new());
            let pusher = {
                let lane = lane.clone();
                loom::thread::spawn(move || lane.push(7).unwrap())
            };
            let mut seen = Vec::new();
            while seen.is_empty() {
                block_on(wait_for_work(&lane));
                seen.extend(lane.take());
            }
            pusher.join().unwrap();
            assert_eq!(seen, vec![7]);
        });
    }

    #[test]
    fn two_pushers_lose_nothing() {
        model(|| {
            let lane = Arc::new(SignalLane::new());
            let threads: Vec<_> = (0..2)
                .map(|i| {
                    let lane = lane.clone();
                    loom::thread::spawn(move || lane.push(i).unwrap())
                })
                .collect();
            let mut seen = Vec::new();
            while seen.len() < 2 {
                block_on(wait_for_work(&lane));
                seen.extend(lane.take());
            }
            for t in threads {
                t.join().unwrap();
            }
            seen.sort();
            assert_eq!(seen, vec![0, 1]);
        });
    }

    #[test]
    fn kill_wakes_a_waiting_actor() {
        model(|| {
            let lane = Arc::new(SignalLane::<u32>::new());
            let killer = {
                let lane = lane.clone();
                loom::thread::spawn(move || lane.kill())
            };
            block_on(wait_for_work(&lane));
            assert!(lane.is_killed());
            killer.join().unwrap();
        });
    }

    #[test]
    fn push_after_close_is_refused_and_nothing_is_stranded() {
        model(|| {
            let lane = Arc::new(SignalLane::new());
            let pusher = {
                let lane = lane.clone();
                loom::thread::spawn(move || lane.push(1).is_ok())
            };
            let drained = lane.close();
            let accepted = pusher.join().unwrap();
            // Either the signal got in before the close and was drained, or
            // it was refused; it is never accepted and then lost.
            assert_eq!(accepted, drained.count() == 1);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_clears_pending_but_not_killed() {
        let lane = SignalLane::new();
        lane.push(1).unwrap();
        lane.kill();
        assert!(lane.has_work());
        assert_eq!(lane.take().into_vec(), vec![1]);
        assert!(lane.has_work(), "kill stays set");
        assert!(lane.is_killed());
    }

    #[test]
    fn signals_come_out_in_push_order() {
        let lane = SignalLane::new();
        for n in 0..5 {
            lane.push(n).unwrap();
        }
        assert_eq!(lane.take().into_vec(), vec![0, 1, 2, 3, 4]);
        lane.push(5).unwrap();
        assert_eq!(lane.take().into_vec(), vec![5]);
    }

    #[test]
    fn closed_lane_hands_signals_back() {
        let lane = SignalLane::new();
        lane.push(1).unwrap();
        assert_eq!(lane.close().into_vec(), vec![1]);
        assert_eq!(lane.push(2), Err(2));
        assert!(!lane.has_work());
    }
}
