//! `Context<A>`: what a handler can do besides changing its own state.

mod schedule;

use std::collections::HashSet;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

pub use schedule::TaskHandle;

use crate::actor::{Actor, StopReason, Terminated};
use crate::address::ActorRef;
use crate::cell::SupervisedChild;
use crate::endpoint::{Endpoint, Signal};
use crate::events::{Event, EventSource, SubscribeOptions};
use crate::id::ActorId;
use crate::message::{Handler, Message};
use crate::system::ActorSystem;

/// The actor's view of itself and the runtime, passed to every handler and
/// hook.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
///
/// struct Worker;
/// impl Actor for Worker {}
///
/// struct Boss;
/// impl Actor for Boss {
///     async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
///         let worker = ctx.spawn_child(Worker);  // stops before the boss does
///         ctx.watch(&worker);                    // on_terminated when it stops
///         Ok(())
///     }
/// }
///
/// let system = ActorSystem::new();
/// let boss = system.spawn(Boss);
/// boss.stop();
/// assert_eq!(boss.wait_for_stop().await, StopReason::Normal);
/// # }
/// ```
pub struct Context<A: Actor> {
    myself: ActorRef<A>,
    /// What handlers asked for that the runner picks up between messages;
    /// allocated on first use, to keep idle actors small.
    requests: Option<Box<Requests<A>>>,
}

/// What the handlers of one incarnation asked for, beyond their replies.
struct Requests<A: Actor> {
    stop: Option<StopReason>,
    /// Actors this one watches (for `unwatch` and to accept only notices
    /// still wanted).
    watching: HashSet<ActorId>,
    /// Cancelled when the incarnation ends: timers, streams, deferred work.
    lifecycle: Option<CancellationToken>,
    /// Children spawned since the runner last looked.
    new_children: Vec<Arc<dyn Endpoint>>,
    /// Subscriptions made since the runner last looked.
    new_sources: Vec<Box<dyn EventSource<A>>>,
    /// Children a supervisor stops by its own policies; stopped by the
    /// runner only if the supervisor ends without doing it (killed).
    supervised: Vec<Arc<dyn SupervisedChild>>,
}

impl<A: Actor> Default for Requests<A> {
    fn default() -> Self {
        Requests {
            stop: None,
            watching: HashSet::new(),
            lifecycle: None,
            new_children: Vec::new(),
            new_sources: Vec::new(),
            supervised: Vec::new(),
        }
    }
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(myself: ActorRef<A>) -> Self {
        Context { myself, requests: None }
    }

    fn requests(&mut self) -> &mut Requests<A> {
        self.requests.get_or_insert_with(Box::default)
    }

    /// This actor's own address.
    pub fn myself(&self) -> &ActorRef<A> {
        &self.myself
    }

    /// This actor's id.
    pub fn id(&self) -> ActorId {
        self.myself.id()
    }

    /// The system the actor runs in.
    pub fn system(&self) -> &ActorSystem {
        match self.myself.local() {
            Some(cell) => cell.system(),
            None => unreachable!("a context belongs to a local actor"),
        }
    }

    /// Stops this actor with [`StopReason::Normal`] once the current handler
    /// returns: children stop, `on_stop` runs, queued messages become dead
    /// letters.
    pub fn stop(&mut self) {
        self.stop_with(StopReason::Normal);
    }

    /// Stops this actor with `reason` once the current handler returns.
    pub(crate) fn stop_with(&mut self, reason: StopReason) {
        self.requests().stop.get_or_insert(reason);
    }

    /// Watches `other`: when it stops, this actor's
    /// [`on_terminated`](Actor::on_terminated) runs once with its id and
    /// reason. Watching an actor that has already stopped notifies at once;
    /// watching twice notifies once; watching itself does nothing.
    pub fn watch<B: Actor>(&mut self, other: &ActorRef<B>) {
        let id = other.id();
        if id == self.id() || !self.requests().watching.insert(id) {
            return;
        }
        let target = other.endpoint();
        if target.signal(Signal::Watch(self.myself.endpoint())).is_err() {
            // A lane closes only after the reason is set.
            let reason = target.stop_reason().unwrap_or(StopReason::Normal);
            let _ = self.myself.endpoint().signal(Signal::Terminated(Terminated { id, reason }));
        }
    }

    /// Stops watching `other`. No notice arrives afterwards, even one that
    /// was already on its way.
    pub fn unwatch<B: Actor>(&mut self, other: &ActorRef<B>) {
        if self.requests.as_mut().is_some_and(|r| r.watching.remove(&other.id())) {
            let _ = other.endpoint().signal(Signal::Unwatch(self.id()));
        }
    }

    /// Subscribes this actor to events of type `E`, delivered through its
    /// `Handler<E>` between messages, with the default buffer and
    /// [`Overflow::DropOldest`](crate::events::Overflow::DropOldest). The
    /// subscription ends when the actor stops.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), actor_core::AskError> {
    /// use actor_core::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct PaymentCompleted { cents: u64 }
    /// impl Event for PaymentCompleted {}
    /// impl Message for PaymentCompleted { type Reply = (); }
    ///
    /// #[derive(Default)]
    /// struct Analytics { revenue: u64 }
    /// impl Actor for Analytics {
    ///     async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
    ///         ctx.subscribe::<PaymentCompleted>();
    ///         Ok(())
    ///     }
    /// }
    /// impl Handler<PaymentCompleted> for Analytics {
    ///     async fn handle(&mut self, e: PaymentCompleted, _ctx: &mut Context<Self>) {
    ///         self.revenue += e.cents;
    ///     }
    /// }
    /// # struct Revenue; impl Message for Revenue { type Reply = u64; }
    /// # impl Handler<Revenue> for Analytics {
    /// #     async fn handle(&mut self, _: Revenue, _: &mut Context<Self>) -> u64 { self.revenue }
    /// # }
    ///
    /// let system = ActorSystem::new();
    /// let analytics = system.spawn(Analytics::default());
    /// analytics.ask(Revenue).await?;                 // on_start has run: subscribed
    /// system.events().publish(PaymentCompleted { cents: 250 });
    /// # while analytics.ask(Revenue).await? == 0 { tokio::task::yield_now().await }
    /// # assert_eq!(analytics.ask(Revenue).await?, 250);
    /// # system.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn subscribe<E>(&mut self)
    where
        A: Handler<E>,
        E: Event + Message<Reply = ()>,
    {
        self.subscribe_with(SubscribeOptions::new());
    }

    /// [`subscribe`](Self::subscribe) with a buffer size, overflow policy
    /// and filter of its own.
    pub fn subscribe_with<E>(&mut self, options: SubscribeOptions<E>)
    where
        A: Handler<E>,
        E: Event + Message<Reply = ()>,
    {
        let subscription =
            self.system().events().subscribe_actor(options, self.id(), std::any::type_name::<A>());
        self.requests().new_sources.push(Box::new(subscription));
    }

    /// A token cancelled when this incarnation ends; timers, streams and
    /// deferred replies started from the context end with it.
    pub(crate) fn lifecycle(&mut self) -> CancellationToken {
        self.requests().lifecycle.get_or_insert_with(CancellationToken::new).clone()
    }

    /// Records a child spawned from this context, for the runner.
    pub(crate) fn add_child(&mut self, child: Arc<dyn Endpoint>) {
        self.requests().new_children.push(child);
    }

    /// Records a supervised child of this (supervisor) actor.
    pub(crate) fn add_supervised(&mut self, child: Arc<dyn SupervisedChild>) {
        let supervised = &mut self.requests().supervised;
        supervised.retain(|c| c.endpoint().is_alive());
        supervised.push(child);
    }
}

/// What the runner collects from the context between messages.
impl<A: Actor> Context<A> {
    /// A stop asked for by a handler or hook.
    pub(crate) fn take_stop_request(&mut self) -> Option<StopReason> {
        self.requests.as_mut().and_then(|r| r.stop.take())
    }

    /// Whether handlers spawned children or subscribed since the last look.
    pub(crate) fn has_new_work(&self) -> bool {
        self.requests.as_ref().is_some_and(|r| !r.new_sources.is_empty() || !r.new_children.is_empty())
    }

    /// Children spawned since the last look.
    pub(crate) fn take_new_children(&mut self) -> Vec<Arc<dyn Endpoint>> {
        self.requests.as_mut().map(|r| std::mem::take(&mut r.new_children)).unwrap_or_default()
    }

    /// Subscriptions made since the last look.
    pub(crate) fn take_new_sources(&mut self) -> Vec<Box<dyn EventSource<A>>> {
        self.requests.as_mut().map(|r| std::mem::take(&mut r.new_sources)).unwrap_or_default()
    }

    /// True if the notice is for an actor still watched (and forgets it).
    pub(crate) fn accept_terminated(&mut self, id: ActorId) -> bool {
        self.requests.as_mut().is_some_and(|r| r.watching.remove(&id))
    }

    /// The supervised children, for a supervisor that ends without having
    /// stopped them.
    pub(crate) fn take_supervised(&mut self) -> Vec<Arc<dyn SupervisedChild>> {
        self.requests.as_mut().map(|r| std::mem::take(&mut r.supervised)).unwrap_or_default()
    }

    /// Ends the incarnation's background work.
    pub(crate) fn cancel_lifecycle(&mut self) {
        if let Some(token) = self.requests.as_mut().and_then(|r| r.lifecycle.take()) {
            token.cancel();
        }
    }

    /// Forgets what belonged to the incarnation that ended: a pending
    /// stop, watches, subscriptions and children not yet collected.
    pub(crate) fn reset_for_restart(&mut self) {
        self.requests = None;
    }
}

impl<A: Actor> std::fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("myself", &self.myself).finish_non_exhaustive()
    }
}
