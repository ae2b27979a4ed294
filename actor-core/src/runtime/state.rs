//! The runner's state: what an actor's task keeps beside the actor value,
//! and how an incarnation ends. The loop itself is in `serve`, the
//! signals in `signals`, the stop sequence in `stop`, the incarnations in
//! `runner`.

use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use crate::actor::{Actor, StopReason};
use crate::address::ActorRef;
use crate::context::Context;
use crate::endpoint::Endpoint;
use crate::envelope::Envelope;
use crate::events::EventSource;
use crate::id::ActorId;
use crate::mailbox::MailboxReceiver;

/// How one incarnation of an actor ended.
pub(crate) enum Ended {
    /// It stopped (or failed, or was killed) on its own account.
    OnItsOwn(StopReason),
    /// Its supervisor suspended it for a group restart.
    Suspended,
    /// Its supervisor stopped it for good.
    ForGood(StopReason),
}

/// The loop state of an actor: the [`Context`] it lends to every handler,
/// the messages taken from the mailbox, and (boxed on first use) event
/// subscriptions, children and watchers.
pub(crate) struct Runner<A: Actor> {
    pub(super) ctx: Context<A>,
    /// The actor's own address, for the loop's use of its cell while the
    /// context is lent to a handler.
    pub(super) myself: ActorRef<A>,
    pub(super) inbox: MailboxReceiver<Envelope<A>>,
    pub(super) rare: Option<Box<Rare<A>>>,
}

/// The runner's rarely used state.
pub(super) struct Rare<A: Actor> {
    pub(super) sources: EventSources<A>,
    /// Children spawned from the context, stopped before the actor.
    pub(super) children: Vec<Arc<dyn Endpoint>>,
    /// Actors watching this one, told when it stops for good.
    pub(super) watchers: Vec<Arc<dyn Endpoint>>,
    /// Asked to stop once the mailbox is empty, with this reason.
    pub(super) draining: Option<StopReason>,
}

impl<A: Actor> Runner<A> {
    pub(crate) fn new(ctx: Context<A>) -> Self {
        Runner { myself: ctx.myself().clone(), ctx, inbox: MailboxReceiver::new(), rare: None }
    }

    pub(super) fn rare(&mut self) -> &mut Rare<A> {
        Rare::get(&mut self.rare)
    }

    /// Takes the children and subscriptions the handlers made.
    pub(super) fn collect(&mut self) {
        if !self.ctx.has_new_work() {
            return;
        }
        let (children, sources) = (self.ctx.take_new_children(), self.ctx.take_new_sources());
        let rare = self.rare();
        if !children.is_empty() {
            // Stopped children are pruned as new ones come, so a parent
            // that spawns many short-lived children keeps a short list.
            rare.children.retain(|c| c.is_alive());
            rare.children.extend(children);
        }
        rare.sources.extend(sources);
    }
}

impl<A: Actor> Rare<A> {
    /// The rare state, made on first use.
    pub(super) fn get(rare: &mut Option<Box<Rare<A>>>) -> &mut Rare<A> {
        rare.get_or_insert_with(|| {
            Box::new(Rare {
                sources: EventSources::new(),
                children: Vec::new(),
                watchers: Vec::new(),
                draining: None,
            })
        })
    }

    pub(super) fn add_watcher(rare: &mut Option<Box<Rare<A>>>, watcher: Arc<dyn Endpoint>) {
        let id = watcher.id();
        let watchers = &mut Rare::get(rare).watchers;
        if !watchers.iter().any(|w| w.id() == id) {
            watchers.push(watcher);
        }
    }

    pub(super) fn remove_watcher(rare: &mut Option<Box<Rare<A>>>, watcher: ActorId) {
        if let Some(rare) = rare.as_mut() {
            rare.watchers.retain(|w| w.id() != watcher);
        }
    }
}

/// The event subscriptions of a running incarnation.
pub(super) struct EventSources<A: Actor> {
    pub(super) list: Vec<Box<dyn EventSource<A>>>,
    /// Whether the last poll looked at the events before the mailbox.
    pub(super) first: bool,
    /// A run of events from one subscription: its index and length so far.
    pub(super) run: Option<(u32, u32)>,
}

impl<A: Actor> EventSources<A> {
    pub(super) fn new() -> Self {
        EventSources { list: Vec::new(), first: false, run: None }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(super) fn extend(&mut self, sources: Vec<Box<dyn EventSource<A>>>) {
        self.list.extend(sources);
    }

    /// Drops every subscription (which unsubscribes).
    pub(super) fn clear(&mut self) {
        self.list.clear();
        self.run = None;
    }

    /// The index of a subscription with an event ready; ended
    /// subscriptions (the system shut down) are dropped on the way.
    pub(super) fn poll(&mut self, cx: &mut TaskContext<'_>) -> Option<usize> {
        let mut index = 0;
        while index < self.list.len() {
            match self.list[index].poll_ready(cx) {
                Poll::Ready(true) => return Some(index),
                Poll::Ready(false) => {
                    self.list.swap_remove(index);
                }
                Poll::Pending => index += 1,
            }
        }
        None
    }
}
