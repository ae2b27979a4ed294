//! Helpers shared by the behaviour tests: a general-purpose `Worker` actor,
//! a way to hold an actor inside a handler until the test lets it go, and a
//! shared log for recording the order things happen in.

pub(crate) mod flaky;
pub(crate) mod svc;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use actor_core::prelude::*;
use futures_util::FutureExt;
use tokio::sync::oneshot;

/// A shared, ordered record of what happened, for asserting order across
/// actors.
#[derive(Clone, Default, Debug)]
pub(crate) struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub(crate) fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    pub(crate) fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Holds the actor inside its handler: the handler reports `started`, then
/// waits until `release` fires (or its sender is dropped).
pub(crate) struct Block {
    pub(crate) started: oneshot::Sender<()>,
    pub(crate) release: oneshot::Receiver<()>,
}

impl Message for Block {
    type Reply = ();
}

impl Block {
    pub(crate) async fn run(self) {
        let _ = self.started.send(());
        let _ = self.release.await;
    }
}

/// Sends a [`Block`] and returns once the actor is inside the handler (so
/// the mailbox is empty and the actor busy). Send on (or drop) the returned
/// sender to let the actor go on.
pub(crate) async fn block<A: Handler<Block>>(actor: &ActorRef<A>) -> oneshot::Sender<()> {
    let (started_tx, started_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel();
    actor.tell(Block { started: started_tx, release: release_rx }).await.expect("actor alive");
    started_rx.await.expect("the actor entered the blocking handler");
    release_tx
}

/// True if polling `fut` once leaves it pending.
pub(crate) fn is_pending<F: Future>(fut: Pin<&mut F>) -> bool {
    fut.now_or_never().is_none()
}

/// An actor that counts what it handles and logs its stop.
#[derive(Default)]
pub(crate) struct Worker {
    pub(crate) label: &'static str,
    pub(crate) handled: usize,
    pub(crate) log: Log,
}

impl Worker {
    pub(crate) fn new(label: &'static str, log: &Log) -> Self {
        Worker { label, handled: 0, log: log.clone() }
    }
}

impl Actor for Worker {
    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("{} on_stop: {reason}", self.label));
    }
}

/// Echoes its number; counted.
pub(crate) struct Ping(pub(crate) u64);
impl Message for Ping {
    type Reply = u64;
}

impl Handler<Ping> for Worker {
    async fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        self.handled += 1;
        msg.0
    }
}

/// How many `Ping`s the worker has handled.
pub(crate) struct Handled;
impl Message for Handled {
    type Reply = usize;
}

impl Handler<Handled> for Worker {
    async fn handle(&mut self, _: Handled, _ctx: &mut Context<Self>) -> usize {
        self.handled
    }
}

impl Handler<Block> for Worker {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
    }
}

/// Panics with the given text.
pub(crate) struct Boom(pub(crate) &'static str);
impl Message for Boom {
    type Reply = u64;
}

impl Handler<Boom> for Worker {
    async fn handle(&mut self, msg: Boom, _ctx: &mut Context<Self>) -> u64 {
        panic!("{}", msg.0);
    }
}
