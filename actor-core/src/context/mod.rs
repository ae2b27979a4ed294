//! `Context<A>`: what a handler can do besides changing its own state.

mod schedule;

use std::collections::HashSet;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

pub use schedule::TaskHandle;

use crate::events::{Event, EventSource, SubscribeOptions};
use crate::mailbox::MailboxReceiver;
use crate::runtime::cell::{AnyActor, Signal};
use crate::{Actor, ActorId, ActorRef, ActorSystem, Handler, Message, SpawnOptions, StopReason, Terminated};

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
    /// The messages taken from the mailbox and not yet handled.
    inbox: MailboxReceiver<A>,
    /// Rarely used parts, allocated on first use to keep idle actors small.
    extras: Option<Box<Extras<A>>>,
}

struct Extras<A: Actor> {
    stop_requested: Option<StopReason>,
    children: Vec<Arc<dyn AnyActor>>,
    watching: HashSet<ActorId>,
    watchers: Vec<Arc<dyn AnyActor>>,
    lifecycle: Option<CancellationToken>,
    /// Subscriptions made since the actor loop last looked.
    new_sources: Vec<Box<dyn EventSource<A>>>,
    /// Children a supervisor stops by its own policies; stopped here only
    /// if the supervisor's incarnation ends without doing it (killed).
    supervised: Vec<Arc<dyn AnyActor>>,
}

impl<A: Actor> Default for Extras<A> {
    fn default() -> Self {
        Extras {
            stop_requested: None,
            children: Vec::new(),
            watching: HashSet::new(),
            watchers: Vec::new(),
            lifecycle: None,
            new_sources: Vec::new(),
            supervised: Vec::new(),
        }
    }
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(myself: ActorRef<A>) -> Self {
        Context { myself, inbox: MailboxReceiver::new(), extras: None }
    }

    fn extras(&mut self) -> &mut Extras<A> {
        self.extras.get_or_insert_with(Box::default)
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
        &self.myself.cell.shared.system
    }

    /// Stops this actor with [`StopReason::Normal`] once the current handler
    /// returns: children stop, `on_stop` runs, queued messages become dead
    /// letters.
    pub fn stop(&mut self) {
        self.stop_with(StopReason::Normal);
    }

    pub(crate) fn stop_with(&mut self, reason: StopReason) {
        self.extras().stop_requested.get_or_insert(reason);
    }

    pub(crate) fn take_stop_request(&mut self) -> Option<StopReason> {
        self.extras.as_mut().and_then(|x| x.stop_requested.take())
    }

    /// Spawns a child actor. Children stop before their parent: when this
    /// actor stops, each child is stopped (newest first, waiting for each)
    /// before `on_stop` runs.
    pub fn spawn_child<C: Actor>(&mut self, child: C) -> ActorRef<C> {
        self.spawn_child_with(child, SpawnOptions::default())
    }

    /// [`spawn_child`](Self::spawn_child) with options.
    pub fn spawn_child_with<C: Actor>(&mut self, child: C, options: SpawnOptions) -> ActorRef<C> {
        let me: Arc<dyn AnyActor> = self.myself.cell.clone();
        let child = crate::runtime::spawn(self.system(), child, options, Some(me));
        self.extras().children.push(child.cell.clone());
        child
    }

    /// Watches `other`: when it stops, this actor's
    /// [`on_terminated`](Actor::on_terminated) runs once with its id and
    /// reason. Watching an actor that has already stopped notifies at once;
    /// watching twice notifies once; watching itself does nothing.
    pub fn watch<B: Actor>(&mut self, other: &ActorRef<B>) {
        let id = other.id();
        if id == self.id() || !self.extras().watching.insert(id) {
            return;
        }
        let me: Arc<dyn AnyActor> = self.myself.cell.clone();
        let target = &other.cell.shared;
        if target.signals.push(Signal::Watch(me)).is_err() {
            // The lane closes only after the reason is set.
            let reason = target.stop_reason().cloned().unwrap_or(StopReason::Normal);
            let _ =
                self.myself.cell.shared.signals.push(Signal::Terminated(Box::new(Terminated { id, reason })));
        }
    }

    /// Stops watching `other`. No notice arrives afterwards, even one that
    /// was already on its way.
    pub fn unwatch<B: Actor>(&mut self, other: &ActorRef<B>) {
        if self.extras.as_mut().is_some_and(|x| x.watching.remove(&other.id())) {
            let _ = other.cell.shared.signals.push(Signal::Unwatch(self.id()));
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
        let subscription = self.system().events().subscribe_actor(options, self.id());
        self.extras().new_sources.push(Box::new(subscription));
    }

    /// Moves subscriptions made by the last handler into the loop's list.
    pub(crate) fn has_new_sources(&self) -> bool {
        self.extras.as_ref().is_some_and(|x| !x.new_sources.is_empty())
    }

    pub(crate) fn take_new_sources(&mut self, into: &mut Vec<Box<dyn EventSource<A>>>) {
        if let Some(x) = self.extras.as_mut() {
            into.append(&mut x.new_sources);
        }
    }

    /// A token cancelled when this actor stops; timers, streams and
    /// deferred replies started from the context end with it.
    pub(crate) fn lifecycle(&mut self) -> CancellationToken {
        self.extras().lifecycle.get_or_insert_with(CancellationToken::new).clone()
    }

    // ---- used by the actor loop ----

    pub(crate) fn on_signal_watch(&mut self, watcher: Arc<dyn AnyActor>) {
        let id = watcher.shared().id;
        let watchers = &mut self.extras().watchers;
        if !watchers.iter().any(|w| w.shared().id == id) {
            watchers.push(watcher);
        }
    }

    pub(crate) fn on_signal_unwatch(&mut self, watcher: ActorId) {
        if let Some(x) = self.extras.as_mut() {
            x.watchers.retain(|w| w.shared().id != watcher);
        }
    }

    /// True if the notice is for an actor still watched (and forgets it).
    pub(crate) fn accept_terminated(&mut self, id: ActorId) -> bool {
        self.extras.as_mut().is_some_and(|x| x.watching.remove(&id))
    }

    pub(crate) fn on_child_stopped(&mut self, child: ActorId) {
        if let Some(x) = self.extras.as_mut() {
            x.children.retain(|c| c.shared().id != child);
        }
    }

    pub(crate) fn take_children(&mut self) -> Vec<Arc<dyn AnyActor>> {
        self.extras.as_mut().map(|x| std::mem::take(&mut x.children)).unwrap_or_default()
    }

    pub(crate) fn add_supervised(&mut self, child: Arc<dyn AnyActor>) {
        let supervised = &mut self.extras().supervised;
        supervised.retain(|c| c.shared().is_alive());
        supervised.push(child);
    }

    pub(crate) fn take_supervised(&mut self) -> Vec<Arc<dyn AnyActor>> {
        self.extras.as_mut().map(|x| std::mem::take(&mut x.supervised)).unwrap_or_default()
    }

    pub(crate) fn take_watchers(&mut self) -> Vec<Arc<dyn AnyActor>> {
        self.extras.as_mut().map(|x| std::mem::take(&mut x.watchers)).unwrap_or_default()
    }

    pub(crate) fn cancel_lifecycle(&mut self) {
        if let Some(token) = self.extras.as_mut().and_then(|x| x.lifecycle.take()) {
            token.cancel();
        }
    }

    /// Forgets what belonged to the incarnation that ended: a pending
    /// stop, watches, new subscriptions. Watchers of this actor stay.
    pub(crate) fn reset_for_restart(&mut self) {
        if let Some(x) = self.extras.as_mut() {
            x.stop_requested = None;
            x.watching.clear();
            x.new_sources.clear();
            x.lifecycle = None;
        }
    }

    /// Whether a message is queued (it is then in the actor's batch, and
    /// `next_message` returns it without locking).
    pub(crate) fn has_message(&mut self) -> bool {
        self.inbox.ready(&self.myself.cell.mailbox)
    }

    /// The next queued message, if any.
    pub(crate) fn next_message(&mut self) -> Option<crate::mailbox::Envelope<A>> {
        self.inbox.try_recv(&self.myself.cell.mailbox)
    }
}

impl<A: Actor> std::fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("myself", &self.myself).finish_non_exhaustive()
    }
}
