//! Actors and helpers the kit's tests share.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use actor_core::prelude::*;
use futures_util::FutureExt;

/// A message a probe records.
#[derive(Debug, PartialEq, Eq, Clone)]
pub(crate) struct Note(pub(crate) &'static str);
impl Message for Note {
    type Reply = ();
}

/// An ask a probe or mock answers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Double(pub(crate) u64);
impl Message for Double {
    type Reply = u64;
}

/// Panics with its text.
#[derive(Debug)]
pub(crate) struct Boom(pub(crate) &'static str);
impl Message for Boom {
    type Reply = ();
}

/// A downstream service the tests stand probes and mocks in for; never
/// spawned itself.
pub(crate) struct Downstream;
impl Actor for Downstream {}
impl Handler<Note> for Downstream {
    async fn handle(&mut self, _: Note, _: &mut Context<Self>) {}
}
impl Handler<Double> for Downstream {
    async fn handle(&mut self, msg: Double, _: &mut Context<Self>) -> u64 {
        msg.0 * 2
    }
}
impl Handler<Boom> for Downstream {
    async fn handle(&mut self, msg: Boom, _: &mut Context<Self>) {
        panic!("{}", msg.0)
    }
}

/// A worker that panics on `Boom` and otherwise idles.
#[derive(Default)]
pub(crate) struct Fragile;
impl Actor for Fragile {}
impl Handler<Boom> for Fragile {
    async fn handle(&mut self, msg: Boom, _: &mut Context<Self>) {
        panic!("{}", msg.0)
    }
}

/// The panic message of `fut`, which must panic.
pub(crate) async fn panic_text(fut: impl Future) -> String {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => match payload.downcast::<String>() {
            Ok(text) => *text,
            Err(payload) => payload.downcast::<&str>().map(|s| s.to_string()).unwrap_or_default(),
        },
    }
}
