//! [`TestProbe`]: an address that records what it is sent, and the
//! expectations a test makes of it.

mod recorder;

use std::fmt::{self, Debug};
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use actor_core::dev::{Endpoint, Signal};
use actor_core::{
    Actor, ActorId, ActorRef, ActorSystem, Handler, Message, Recipient, StopReason, Terminated,
};

use self::recorder::{ProbeCore, ProbeEndpoint, Received, State};
use crate::lifecycle::Lifecycle;

/// How long an expectation waits when its probe was not given another
/// timeout: 3 seconds (Akka's default). On paused time
/// (`#[tokio::test(start_paused = true)]`) the wait costs no real time.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// An address that records the `M`s it is sent, for a test to check.
///
/// Hand the code under test a [`recipient`](Self::recipient) (or an
/// [`actor_ref`](Self::actor_ref) typed as the actor it expects), then
/// assert on what arrived:
///
/// | method | waits for |
/// |---|---|
/// | [`receive`](Self::receive) | the next message, whatever it is |
/// | [`receive_n`](Self::receive_n) | the next `n` messages |
/// | [`expect_msg`](Self::expect_msg) | the next message, which must equal the one given |
/// | [`expect_msg_matching`](Self::expect_msg_matching) | the next message, which must satisfy a predicate |
/// | [`expect_no_msg`](Self::expect_no_msg) | no message for a while |
/// | [`expect_terminated`](Self::expect_terminated) | an actor's stop (the probe watches it) |
///
/// Each waits at most the probe's timeout ([`DEFAULT_TIMEOUT`] unless set
/// with [`with_timeout`](Self::with_timeout)) and panics, like
/// `assert_eq!`, with the caller's line, what it expected and what arrived
/// instead. Messages are taken in the order they arrived; each is taken
/// once.
///
/// An ask to the probe is recorded like a tell; the test answers it with
/// [`reply`](Self::reply) after taking it, or every ask is answered at once
/// by a closure given to [`with_auto_reply`](Self::with_auto_reply). An
/// ask nobody answers waits as on an actor that does not reply (its
/// timeout, if it has one, ends it).
///
/// The probe behaves as an actor that runs until [`stop`](Self::stop) (or
/// a `stop`/`kill` through one of its handles, or the `TestProbe` is
/// dropped): watchers are then told, and messages sent later are refused
/// with `SendError::Closed` and counted as dead letters. Messages of
/// another type than `M` (through an `ActorRef<A>` whose actor handles
/// more) are refused with `SendError::Unsupported` (`AskError::Unsupported`
/// for an ask), and a failed expectation lists them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
/// use actor_testkit::TestProbe;
///
/// #[derive(Debug, PartialEq)]
/// struct Greeting(String);
/// impl Message for Greeting { type Reply = (); }
///
/// /// The code under test: greets whoever it is given.
/// async fn greet(to: Recipient<Greeting>, name: &str) {
///     to.tell(Greeting(format!("hello, {name}"))).await.unwrap();
/// }
///
/// let system = ActorSystem::new();
/// let probe = TestProbe::<Greeting>::new(&system);
/// greet(probe.recipient(), "ada").await;
/// probe.expect_msg(Greeting("hello, ada".into())).await;
/// probe.expect_no_msg(std::time::Duration::from_millis(10)).await;
/// # }
/// ```
pub struct TestProbe<M: Message> {
    core: Arc<ProbeCore<M>>,
    timeout: Duration,
}

impl<M: Message> TestProbe<M> {
    /// A probe of `system`: its id is one of the system's, and messages
    /// sent to it once it has stopped count among the system's dead
    /// letters.
    pub fn new(system: &ActorSystem) -> Self {
        TestProbe { core: Arc::new(ProbeCore::new(Lifecycle::new(system))), timeout: DEFAULT_TIMEOUT }
    }

    /// The same probe with expectations that wait at most `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same probe, answering every ask at once with `answer(&msg)`;
    /// the message is still recorded for the expectations.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actor_core::prelude::*;
    /// use actor_testkit::TestProbe;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Price { sku: u32 }
    /// impl Message for Price { type Reply = u64; }
    ///
    /// let system = ActorSystem::new();
    /// let prices = TestProbe::<Price>::new(&system).with_auto_reply(|p| u64::from(p.sku) * 100);
    /// assert_eq!(prices.recipient().ask(Price { sku: 7 }).await, Ok(700));
    /// prices.expect_msg(Price { sku: 7 }).await;
    /// # }
    /// ```
    #[must_use]
    pub fn with_auto_reply(self, answer: impl FnMut(&M) -> M::Reply + Send + 'static) -> Self {
        self.core.set_auto_reply(Box::new(answer));
        self
    }

    /// How long this probe's expectations wait.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The probe's id (one of its system's).
    pub fn id(&self) -> ActorId {
        self.core.life.id()
    }

    /// "Whoever handles `M`", here this probe: what the code under test is
    /// given.
    pub fn recipient(&self) -> Recipient<M> {
        Recipient::from_endpoint(self.endpoint_as(std::any::type_name::<Self>()))
    }

    /// The probe as the address of an actor of type `A`, for code that
    /// expects an `ActorRef<A>`. It records the `M`s sent to it and
    /// refuses the other messages `A` handles (`SendError::Unsupported`;
    /// use a [`MockActor`](crate::MockActor) to stand in for all of them).
    /// A typed lookup finds it as an `A` once
    /// [registered](actor_core::ActorSystem::register_endpoint) with
    /// `actor_ref.endpoint()`.
    pub fn actor_ref<A: Handler<M>>(&self) -> ActorRef<A> {
        ActorRef::from_endpoint(self.endpoint_as(std::any::type_name::<A>()))
    }

    fn endpoint_as(&self, actor_type: &'static str) -> Arc<dyn Endpoint> {
        Arc::new(ProbeEndpoint { core: self.core.clone(), actor_type })
    }

    /// Starts watching `actor`: its stop will be there for
    /// [`expect_terminated`](Self::expect_terminated) (which also watches
    /// by itself). Watching an actor that has already stopped records its
    /// notice at once; watching twice records one notice.
    pub fn watch<A: Actor>(&self, actor: &ActorRef<A>) {
        {
            let mut state = self.core.state.lock();
            if state.watching.contains(&actor.id()) {
                return;
            }
            state.watching.push(actor.id());
        }
        let target = actor.endpoint();
        if let Err(Signal::Watch(_)) =
            target.signal(Signal::Watch(self.endpoint_as(std::any::type_name::<Self>())))
        {
            let reason = target.stop_reason().unwrap_or(StopReason::Normal);
            self.core.push_terminated(Terminated::new(actor.id(), reason));
        }
    }

    /// Stops the probe as an actor stops: its watchers are told
    /// ([`StopReason::Normal`]), later messages are refused and counted as
    /// dead letters, asks still waiting on it end with
    /// `AskError::Stopped`. What it recorded stays readable. Dropping the
    /// `TestProbe` does the same.
    pub fn stop(&self) {
        self.core.stop(StopReason::Normal);
    }

    /// Why the probe stopped, once it has.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.core.life.stop_reason()
    }

    /// Answers the last ask taken by an expectation (or `receive`) with
    /// `value`; false if its asker has stopped waiting. An earlier ask
    /// left unanswered stays unanswered.
    ///
    /// # Panics
    /// If no ask is waiting for an answer: the last message taken was a
    /// tell, or its ask has been answered already.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actor_core::prelude::*;
    /// use actor_testkit::TestProbe;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Quote(u32);
    /// impl Message for Quote { type Reply = u64; }
    ///
    /// let system = ActorSystem::new();
    /// let pricing = TestProbe::<Quote>::new(&system);
    /// let asker = pricing.recipient();
    /// let asked = tokio::spawn(async move { asker.ask(Quote(3)).await });
    /// pricing.expect_msg(Quote(3)).await;
    /// assert!(pricing.reply(300));
    /// assert_eq!(asked.await.unwrap(), Ok(300));
    /// # }
    /// ```
    #[track_caller]
    pub fn reply(&self, value: M::Reply) -> bool {
        let Some(reply) = self.core.state.lock().last_ask.take() else {
            panic!(
                "TestProbe::reply at {}: no ask is waiting for an answer (the last message taken was a tell, or was answered)",
                Location::caller()
            );
        };
        reply.send_typed(value).is_ok()
    }

    /// The next message if one has arrived, without waiting.
    pub fn try_receive(&self) -> Option<M> {
        let mut state = self.core.state.lock();
        let received = state.messages.pop_front()?;
        Some(take(&mut state, received))
    }

    /// Waits for the next message, whatever it is.
    ///
    /// # Panics
    /// If none arrives within the probe's timeout.
    #[track_caller]
    pub fn receive(&self) -> impl Future<Output = M> + '_ {
        let caller = Location::caller();
        async move {
            match self.within(self.timeout, |state| pop(state)).await {
                Some(msg) => msg,
                None => self.fail(caller, "receive", format_args!("no message within {:?}", self.timeout)),
            }
        }
    }

    /// Waits for the next `n` messages, in the order they arrived.
    ///
    /// # Panics
    /// If fewer than `n` arrive within the probe's timeout (one timeout
    /// for all of them).
    #[track_caller]
    pub fn receive_n(&self, n: usize) -> impl Future<Output = Vec<M>> + '_ {
        let caller = Location::caller();
        async move {
            let mut got = Vec::with_capacity(n);
            let deadline = tokio::time::Instant::now() + self.timeout;
            while got.len() < n {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                match self.within(left, |state| pop(state)).await {
                    Some(msg) => got.push(msg),
                    None => self.fail(
                        caller,
                        "receive_n",
                        format_args!("received {} of {n} messages within {:?}", got.len(), self.timeout),
                    ),
                }
            }
            got
        }
    }

    /// Waits until `actor` has stopped and returns its notice (the probe
    /// watches it, if it did not already). Each notice is taken once.
    ///
    /// # Panics
    /// If the actor is still running after the probe's timeout.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actor_core::prelude::*;
    /// use actor_testkit::TestProbe;
    ///
    /// struct Worker;
    /// impl Actor for Worker {}
    /// # #[derive(Debug)] struct Any; impl Message for Any { type Reply = (); }
    ///
    /// let system = ActorSystem::new();
    /// let worker = system.spawn(Worker);
    /// let probe = TestProbe::<Any>::new(&system);
    /// probe.watch(&worker);
    /// worker.kill();
    /// assert_eq!(probe.expect_terminated(&worker).await.reason, StopReason::Killed);
    /// # }
    /// ```
    #[track_caller]
    pub fn expect_terminated<'a, A: Actor>(
        &'a self,
        actor: &'a ActorRef<A>,
    ) -> impl Future<Output = Terminated> + 'a {
        let caller = Location::caller();
        async move {
            self.watch(actor);
            let id = actor.id();
            let found = self
                .within(self.timeout, |state| {
                    let at = state.terminated.iter().position(|t| t.id == id)?;
                    state.terminated.remove(at)
                })
                .await;
            match found {
                Some(notice) => notice,
                None => self.fail(
                    caller,
                    "expect_terminated",
                    format_args!(
                        "{actor:?} did not stop within {:?} (alive: {})",
                        self.timeout,
                        actor.is_alive()
                    ),
                ),
            }
        }
    }

    /// Runs `take` on the state until it finds something or `limit` passes.
    async fn within<T>(&self, limit: Duration, take: impl FnMut(&mut State<M>) -> Option<T>) -> Option<T> {
        tokio::time::timeout(limit, self.core.wait_for(take)).await.ok()
    }

    /// Panics with the caller's line, the expectation, what went wrong, and
    /// what else the probe saw.
    fn fail(&self, caller: &Location<'_>, expectation: &str, what: fmt::Arguments<'_>) -> ! {
        let state = self.core.state.lock();
        let mut text = format!("TestProbe::{expectation} at {caller}: {what}");
        text.push_str(&format!("; {} message(s) taken before", state.taken));
        if !state.refused.is_empty() {
            text.push_str(&format!(
                "; refused {} message(s) of other types than `{}`: {:?}",
                state.refused.len(),
                std::any::type_name::<M>(),
                state.refused
            ));
        }
        if let Some(reason) = self.core.life.stop_reason() {
            text.push_str(&format!("; the probe has stopped ({reason})"));
        }
        drop(state);
        panic!("{text}");
    }
}

impl<M: Message + Debug> TestProbe<M> {
    /// Waits for the next message and checks that it equals `expected`;
    /// returns it.
    ///
    /// # Panics
    /// If another message arrives first (both are shown), or none within
    /// the probe's timeout.
    #[track_caller]
    pub fn expect_msg(&self, expected: M) -> impl Future<Output = M> + '_
    where
        M: PartialEq,
    {
        let caller = Location::caller();
        async move {
            match self.within(self.timeout, |state| pop(state)).await {
                Some(msg) if msg == expected => msg,
                Some(msg) => {
                    self.fail(caller, "expect_msg", format_args!("expected {expected:?}, received {msg:?}"))
                }
                None => self.fail(
                    caller,
                    "expect_msg",
                    format_args!("expected {expected:?}, but no message arrived within {:?}", self.timeout),
                ),
            }
        }
    }

    /// Waits for the next message and checks it with `check`; returns it.
    /// The next message must match: one that does not fails the
    /// expectation rather than being skipped.
    ///
    /// # Panics
    /// If the next message does not satisfy `check` (it is shown), or none
    /// arrives within the probe's timeout.
    #[track_caller]
    pub fn expect_msg_matching<'a, F>(&'a self, check: F) -> impl Future<Output = M> + 'a
    where
        F: FnOnce(&M) -> bool + 'a,
    {
        let caller = Location::caller();
        async move {
            match self.within(self.timeout, |state| pop(state)).await {
                Some(msg) if check(&msg) => msg,
                Some(msg) => self.fail(
                    caller,
                    "expect_msg_matching",
                    format_args!("received {msg:?}, which does not match"),
                ),
                None => self.fail(
                    caller,
                    "expect_msg_matching",
                    format_args!("no message arrived within {:?}", self.timeout),
                ),
            }
        }
    }

    /// Checks that no message arrives for `within` (one already waiting
    /// fails at once). On paused time the wait costs no real time.
    ///
    /// # Panics
    /// If a message arrives meanwhile (it is shown, with when it came).
    #[track_caller]
    pub fn expect_no_msg(&self, within: Duration) -> impl Future<Output = ()> + '_ {
        let caller = Location::caller();
        async move {
            let started = tokio::time::Instant::now();
            if let Some(msg) = self.within(within, |state| pop(state)).await {
                self.fail(
                    caller,
                    "expect_no_msg",
                    format_args!(
                        "expected no message for {within:?}, received {msg:?} after {:?}",
                        started.elapsed()
                    ),
                );
            }
        }
    }
}

/// Takes the next message out of the state, keeping its reply slot for
/// `reply`.
fn pop<M>(state: &mut State<M>) -> Option<M> {
    let received = state.messages.pop_front()?;
    Some(take(state, received))
}

fn take<M>(state: &mut State<M>, received: Received<M>) -> M {
    state.taken += 1;
    // `reply` answers the message taken last: an ask left unanswered
    // before it stays unanswered.
    let earlier = match received.reply {
        Some(reply) => state.last_ask.replace(reply),
        None => state.last_ask.take(),
    };
    if let Some(earlier) = earlier {
        state.unanswered.push(earlier);
    }
    received.msg
}

impl<M: Message> Drop for TestProbe<M> {
    fn drop(&mut self) {
        self.core.stop(StopReason::Normal);
    }
}

impl<M: Message> fmt::Debug for TestProbe<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.core.state.lock();
        f.debug_struct("TestProbe")
            .field("id", &self.id())
            .field("message", &std::any::type_name::<M>())
            .field("waiting", &state.messages.len())
            .field("taken", &state.taken)
            .field("timeout", &self.timeout)
            .finish()
    }
}
