//! Synchronisation primitives used by hand-written concurrent code, swapped
//! for loom's model-checked versions under `--cfg actor_loom` (as tokio does
//! under `--cfg loom`).

#[cfg(not(actor_loom))]
mod imp {
    pub(crate) use futures_util::task::AtomicWaker;
    pub(crate) use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

    /// A mutex whose `lock` cannot fail (parking_lot; no poisoning).
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(parking_lot::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, T> {
            self.0.lock()
        }
    }
}

#[cfg(actor_loom)]
mod imp {
    pub(crate) use loom::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

    /// loom's `AtomicWaker` with the `&Waker` signature of futures'.
    #[derive(Debug)]
    pub(crate) struct AtomicWaker(loom::future::AtomicWaker);

    impl AtomicWaker {
        pub(crate) fn new() -> Self {
            AtomicWaker(loom::future::AtomicWaker::new())
        }

        pub(crate) fn register(&self, waker: &std::task::Waker) {
            self.0.register(waker.clone());
        }

        pub(crate) fn wake(&self) {
            self.0.wake();
        }
    }

    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0.lock().expect("loom mutex poisoned")
        }
    }
}

pub(crate) use imp::*;

/// Runs a loom model over every interleaving with up to three preemptions:
/// enough for the two- and three-thread races modelled here, and bounded
/// in time (the unbounded two-pusher model ran over 15 minutes).
#[cfg(all(test, actor_loom))]
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}
