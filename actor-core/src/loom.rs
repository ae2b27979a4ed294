//! Synchronisation primitives used by hand-written concurrent code, swapped
//! for loom's model-checked versions under `--cfg loom` (as tokio does).

#[cfg(not(loom))]
mod imp {
    pub(crate) use futures_util::task::AtomicWaker;
    pub(crate) use std::sync::atomic::{AtomicU8, Ordering};

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

#[cfg(loom)]
mod imp {
    pub(crate) use loom::future::AtomicWaker;
    pub(crate) use loom::sync::atomic::{AtomicU8, Ordering};

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
