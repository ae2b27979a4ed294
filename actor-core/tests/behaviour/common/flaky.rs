//! `Flaky`: a supervised child whose `on_start` fails for chosen
//! incarnations, for the tests of failed restarts (back-off, intensity).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use actor_core::prelude::*;

use super::Boom;

/// Fails `on_start` for the incarnations listed in `fail` (1-based,
/// counted across restarts) with `start N failed`; panics on `Boom`.
pub(crate) struct Flaky {
    pub(crate) incarnation: u32,
    pub(crate) fail: &'static [u32],
}

impl Actor for Flaky {
    async fn on_start(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if self.fail.contains(&self.incarnation) {
            return Err(ActorError::msg(format!("start {} failed", self.incarnation)));
        }
        Ok(())
    }
}

impl Handler<Boom> for Flaky {
    async fn handle(&mut self, msg: Boom, _ctx: &mut Context<Self>) -> u64 {
        panic!("{}", msg.0);
    }
}

/// Which incarnation is running (1 for the first start).
pub(crate) struct Incarnation;
impl Message for Incarnation {
    type Reply = u32;
}
impl Handler<Incarnation> for Flaky {
    async fn handle(&mut self, _: Incarnation, _ctx: &mut Context<Self>) -> u32 {
        self.incarnation
    }
}

/// A factory for `ChildSpec::new`: numbers the incarnations it makes from 1
/// and fails the starts of those listed in `fail`.
pub(crate) fn flaky(fail: &'static [u32]) -> impl Fn() -> Flaky + Send + Sync + 'static {
    let made = Arc::new(AtomicU32::new(0));
    move || Flaky { incarnation: made.fetch_add(1, Ordering::SeqCst) + 1, fail }
}
