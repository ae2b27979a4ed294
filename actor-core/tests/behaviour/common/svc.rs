//! `Svc`: the supervised worker most supervision tests use. It keeps what
//! it is sent, logs its start and stop, panics on `Boom`, and can be held
//! inside a handler with `Block`.

use actor_core::prelude::*;

use super::{Block, Boom, Log};

/// Keeps what it is sent; logs its start and stop.
pub(crate) struct Svc {
    pub(crate) label: &'static str,
    pub(crate) log: Log,
    pub(crate) items: Vec<u64>,
}

impl Actor for Svc {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.log.push(format!("{} start", self.label));
        Ok(())
    }

    async fn on_stop(&mut self, _ctx: &mut Context<Self>, reason: &StopReason) {
        self.log.push(format!("{} stop: {reason}", self.label));
    }
}

pub(crate) struct Push(pub(crate) u64);
impl Message for Push {
    type Reply = ();
}
impl Handler<Push> for Svc {
    async fn handle(&mut self, msg: Push, _ctx: &mut Context<Self>) {
        self.items.push(msg.0);
    }
}

pub(crate) struct Items;
impl Message for Items {
    type Reply = Vec<u64>;
}
impl Handler<Items> for Svc {
    async fn handle(&mut self, _: Items, _ctx: &mut Context<Self>) -> Vec<u64> {
        self.items.clone()
    }
}

impl Handler<Boom> for Svc {
    async fn handle(&mut self, msg: Boom, _ctx: &mut Context<Self>) -> u64 {
        panic!("{}", msg.0);
    }
}

impl Handler<Block> for Svc {
    async fn handle(&mut self, msg: Block, _ctx: &mut Context<Self>) {
        msg.run().await;
    }
}

/// A factory for `ChildSpec::new`: every incarnation starts with no items.
pub(crate) fn svc(label: &'static str, log: &Log) -> impl Fn() -> Svc + Send + Sync + 'static {
    let log = log.clone();
    move || Svc { label, log: log.clone(), items: Vec::new() }
}
