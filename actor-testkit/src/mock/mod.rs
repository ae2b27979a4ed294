//! [`MockActor`]: an actor whose handlers are the test's closures, behind
//! an ordinary `ActorRef<A>`.

mod handler;
mod runner;

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use actor_core::dev::Endpoint;
use actor_core::{
    Actor, ActorId, ActorRef, ActorSystem, Handler, MailboxCapacity, Message, Recipient, StopReason,
};
use parking_lot::Mutex;
use tokio::sync::mpsc;

use self::handler::{AsyncHandler, ErasedHandler, SyncHandler};
use self::runner::{MailboxReceiver, MailboxSender, MockEndpoint, Runner, Shared, SystemClosed};
use crate::lifecycle::Lifecycle;

/// A stand-in for an actor of type `A`: its handlers are closures, and its
/// address is an ordinary `ActorRef<A>`, so the code under test cannot
/// tell it from the real one (a fake downstream service, a database that
/// fails on cue).
///
/// Build one with [`MockActor::builder`], one closure per message type
/// ([`on`](MockBuilder::on), or [`on_async`](MockBuilder::on_async) for a
/// closure that awaits, e.g. `tokio::time::sleep` to play a slow service),
/// then [`spawn`](MockBuilder::spawn) it. A closure can only be given for a
/// message that `A` handles, and must return its reply type.
///
/// It behaves like an actor: its own tokio task runs the closures one
/// message at a time, in order, from a mailbox of `A::MAILBOX`'s capacity
/// (or the one given to [`mailbox`](MockBuilder::mailbox)), so `tell` waits
/// when it is full. `stop`, `kill`, `drain_and_stop` and `watch` work
/// through any of its handles; a closure that panics fails its ask with
/// `AskError::Failed` and stops the mock with `StopReason::Panicked`; the
/// system's shutdown stops it with `StopReason::Shutdown`. A message sent
/// after it stopped is refused with `SendError::Closed` and counted as a
/// dead letter.
///
/// A message type without a closure is refused, never handled by
/// surprise: `tell` returns `SendError::Unsupported(msg)`, `ask` returns
/// `AskError::Unsupported`, a warning is traced, and
/// [`unhandled`](Self::unhandled) lists it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use actor_core::prelude::*;
/// use actor_testkit::MockActor;
///
/// /// The real service, which a unit test does not want to run.
/// struct Payments;
/// impl Actor for Payments {}
/// struct Charge { cents: u64 }
/// impl Message for Charge { type Reply = Result<u64, String>; }
/// impl Handler<Charge> for Payments {
///     async fn handle(&mut self, _: Charge, _: &mut Context<Self>) -> Result<u64, String> {
///         unimplemented!("talks to the bank")
///     }
/// }
/// struct Refund;
/// impl Message for Refund { type Reply = (); }
/// impl Handler<Refund> for Payments {
///     async fn handle(&mut self, _: Refund, _: &mut Context<Self>) {}
/// }
///
/// let system = ActorSystem::new();
/// let payments = MockActor::<Payments>::builder()
///     .on(|c: Charge| if c.cents > 1000 { Err("declined".to_string()) } else { Ok(c.cents) })
///     .spawn(&system);
/// let service: ActorRef<Payments> = payments.actor_ref();   // what the code under test gets
/// assert_eq!(service.ask(Charge { cents: 5 }).await?, Ok(5));
/// assert_eq!(service.ask(Charge { cents: 5000 }).await?, Err("declined".into()));
/// assert_eq!(service.ask(Refund).await, Err(AskError::Unsupported));
/// assert_eq!(payments.handled::<Charge>(), 2);
/// assert_eq!(payments.unhandled().len(), 1);
/// # system.shutdown().await;
/// # Ok(()) }
/// ```
pub struct MockActor<A: Actor> {
    endpoint: Arc<MockEndpoint>,
    actor: PhantomData<fn() -> A>,
}

/// Builds a [`MockActor`]: its closures and its mailbox.
#[must_use = "a mock does nothing until it is spawned"]
pub struct MockBuilder<A: Actor> {
    handlers: HashMap<TypeId, Box<dyn ErasedHandler>>,
    mailbox: MailboxCapacity,
    actor: PhantomData<fn() -> A>,
}

impl<A: Actor> MockActor<A> {
    /// A builder with no closures yet and `A`'s mailbox capacity.
    pub fn builder() -> MockBuilder<A> {
        MockBuilder { handlers: HashMap::new(), mailbox: A::MAILBOX, actor: PhantomData }
    }

    /// The mock's address: an `ActorRef<A>` like any other.
    pub fn actor_ref(&self) -> ActorRef<A> {
        ActorRef::from_endpoint(self.endpoint())
    }

    /// The mock as "whoever handles `M`".
    pub fn recipient<M>(&self) -> Recipient<M>
    where
        A: Handler<M>,
        M: Message,
    {
        self.actor_ref().recipient()
    }

    /// The mock's endpoint, e.g. to
    /// [register](actor_core::ActorSystem::register_endpoint) it under a
    /// name, where a typed lookup finds it as an `A`.
    pub fn endpoint(&self) -> Arc<dyn Endpoint> {
        self.endpoint.clone()
    }

    /// The mock's id (one of its system's).
    pub fn id(&self) -> ActorId {
        self.endpoint.shared.life.id()
    }

    /// How many `M`s its closure has handled to the end (a panicking or
    /// killed one is not counted).
    pub fn handled<M: Message>(&self) -> usize {
        self.endpoint.shared.handled.lock().get(&TypeId::of::<M>()).copied().unwrap_or(0)
    }

    /// The types of the messages it refused for want of a closure, in
    /// order.
    pub fn unhandled(&self) -> Vec<&'static str> {
        self.endpoint.shared.unhandled.lock().clone()
    }

    /// Stops the mock as an actor stops: after the current message.
    pub fn stop(&self) {
        self.actor_ref().stop();
    }

    /// Why the mock stopped, once it has.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.endpoint.shared.life.stop_reason()
    }

    /// Waits until the mock has stopped and returns why.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn wait_for_stop(&self) -> StopReason {
        self.endpoint.shared.life.wait_for_stop().await
    }
}

impl<A: Actor> MockBuilder<A> {
    /// Handles every `M` with `f`, whose return value is the reply.
    /// Replaces an earlier closure for `M`.
    pub fn on<M>(mut self, f: impl FnMut(M) -> M::Reply + Send + 'static) -> Self
    where
        A: Handler<M>,
        M: Message,
    {
        self.handlers.insert(TypeId::of::<M>(), Box::new(SyncHandler { f, message: PhantomData }));
        self
    }

    /// Handles every `M` with `f`, whose future gives the reply; the mock
    /// takes its next message once the future is done, as an actor does.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// use std::time::Duration;
    /// use actor_core::prelude::*;
    /// use actor_testkit::MockActor;
    ///
    /// struct Inventory;
    /// impl Actor for Inventory {}
    /// struct InStock(u32);
    /// impl Message for InStock { type Reply = bool; }
    /// impl Handler<InStock> for Inventory {
    ///     async fn handle(&mut self, _: InStock, _: &mut Context<Self>) -> bool { true }
    /// }
    ///
    /// let system = ActorSystem::new();
    /// let slow = MockActor::<Inventory>::builder()
    ///     .on_async(|_: InStock| async {
    ///         tokio::time::sleep(Duration::from_secs(30)).await;   // paused time: instant
    ///         true
    ///     })
    ///     .spawn(&system);
    /// let asked = slow.actor_ref().ask(InStock(1)).timeout(Duration::from_secs(5)).await;
    /// assert_eq!(asked, Err(AskError::Timeout));
    /// # }
    /// ```
    pub fn on_async<M, F, Fut>(mut self, f: F) -> Self
    where
        A: Handler<M>,
        M: Message,
        F: FnMut(M) -> Fut + Send + 'static,
        Fut: Future<Output = M::Reply> + Send + 'static,
    {
        self.handlers.insert(TypeId::of::<M>(), Box::new(AsyncHandler { f, message: PhantomData }));
        self
    }

    /// The mock's mailbox capacity instead of `A::MAILBOX`.
    pub fn mailbox(mut self, capacity: MailboxCapacity) -> Self {
        self.mailbox = capacity;
        self
    }

    /// Starts the mock on the current tokio runtime, as an actor of
    /// `system` (an id of its node, its dead letters, stopped by its
    /// shutdown).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(self, system: &ActorSystem) -> MockActor<A> {
        let (mailbox, receiver) = match self.mailbox {
            MailboxCapacity::Bounded(capacity) => {
                let capacity = capacity.clamp(1, actor_core::MAX_MAILBOX_CAPACITY);
                let (tx, rx) = mpsc::channel(capacity);
                (MailboxSender::Bounded(tx), MailboxReceiver::Bounded(rx))
            }
            // `MailboxCapacity` may grow; anything but a bound is unbounded here.
            _ => {
                let (tx, rx) = mpsc::unbounded_channel();
                (MailboxSender::Unbounded(tx), MailboxReceiver::Unbounded(rx))
            }
        };
        let (commands, command_receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            life: Lifecycle::new(system),
            actor_type: std::any::type_name::<A>(),
            handles: self.handlers.keys().copied().collect::<HashSet<_>>(),
            handled: Mutex::new(HashMap::new()),
            unhandled: Mutex::new(Vec::new()),
            accepting: AtomicBool::new(true),
        });
        let runner = Runner {
            shared: shared.clone(),
            handlers: self.handlers,
            mailbox: receiver,
            commands: command_receiver,
            system_closed: system.events().subscribe::<SystemClosed>(),
        };
        tokio::spawn(runner.run());
        MockActor { endpoint: Arc::new(MockEndpoint { shared, mailbox, commands }), actor: PhantomData }
    }
}

impl<A: Actor> fmt::Debug for MockActor<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockActor")
            .field("id", &self.id())
            .field("actor", &std::any::type_name::<A>())
            .field("stopped", &self.stop_reason())
            .finish()
    }
}

impl<A: Actor> fmt::Debug for MockBuilder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockBuilder")
            .field("actor", &std::any::type_name::<A>())
            .field("handlers", &self.handlers.len())
            .field("mailbox", &self.mailbox)
            .finish()
    }
}
