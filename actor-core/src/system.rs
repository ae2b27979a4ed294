//! `ActorSystem`: the handle that owns a group of actors: their table, the
//! registry of names, the event stream and the node identity. No globals:
//! systems are independent of each other.
//!
//! This module holds what a system *is*; spawning (which needs the actor
//! runner) is added by [`runtime`](crate::runtime), and typed lookups (which
//! need addresses) by the address layer.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::actor::StopReason;
use crate::endpoint::{Endpoint, Signal};
use crate::events::{DeadLetter, EventStream};
use crate::handling::{SlowWatch, DEFAULT_SLOW_HANDLER};
use crate::id::{ActorId, NodeId};
use crate::mailbox::MailboxCapacity;
use crate::registry::Registry;

/// A group of actors with their own registry, node identity and shutdown.
///
/// Cheap to clone (a reference count). Actors run as tasks on the ambient
/// tokio runtime; many systems can live in one process without sharing
/// anything, so tests run in parallel.
///
/// # Who owns the actors
///
/// The handle made by [`new`](Self::new) (or [`builder`](Self::builder))
/// and its clones own the system: when the last of them is dropped, the
/// system shuts down (as by [`shutdown`](Self::shutdown), on a task of the
/// current tokio runtime; outside one, every top-level actor is told to
/// stop). Actors do not keep their system alive: the handle a handler gets
/// from [`Context::system`](crate::Context::system) (and its clones) does
/// not own it. So a program that drops its system without calling
/// `shutdown` does not leave timers firing and actors running for as long
/// as the runtime lives.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
/// struct Quiet;
/// impl Actor for Quiet {}
///
/// let a = ActorSystem::new();
/// let b = ActorSystem::new();
/// a.spawn(Quiet);
/// assert_eq!((a.actor_count(), b.actor_count()), (1, 0));
/// a.shutdown().await;                   // stops every actor of `a`
/// assert_eq!(a.actor_count(), 0);
/// # }
/// ```
#[derive(Clone)]
pub struct ActorSystem {
    inner: Arc<Inner>,
    /// Present in the handles the user made (they own the actors); absent
    /// in the actors' own.
    #[allow(dead_code)] // held for its Drop: the last owning handle shuts the system down
    owner: Option<Arc<Owner>>,
}

/// Shuts the system down when the last owning handle goes.
struct Owner {
    inner: std::sync::Weak<Inner>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        let Some(inner) = self.inner.upgrade() else { return };
        let system = ActorSystem { inner, owner: None };
        if system.actor_count() == 0 {
            system.inner.events.close();
            return;
        }
        tracing::debug!(node = %system.node_id(), "last owning handle dropped: shutting the system down");
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { system.shutdown().await });
            }
            Err(_) => {
                for actor in system.live_roots() {
                    let _ = actor.signal(Signal::Stop(StopReason::Shutdown));
                }
            }
        }
    }
}

struct Inner {
    node: NodeId,
    /// When the system was made; spawn times count from here.
    started: Instant,
    stop_timeout: Duration,
    /// The slow-handler threshold of actors spawned without one of their own.
    slow_handler: Option<Duration>,
    slow: Arc<SlowWatch>,
    next_seq: AtomicU64,
    actors: Mutex<Table>,
    /// Woken when the last live actor leaves the table.
    emptied: Notify,
    registry: Registry,
    events: EventStream,
    dead_letters: AtomicU64,
}

slotmap::new_key_type! {
    /// Where an actor sits in its system's table.
    pub(crate) struct TableSlot;
}

/// Live actors: a slot map (32 bytes an actor, O(1) in and out) rather than
/// an ordered map (about 60 bytes an actor); shutdown sorts the few roots
/// by spawn order itself.
#[derive(Default)]
struct Table {
    live: slotmap::SlotMap<TableSlot, Tracked>,
    shutting_down: bool,
}

/// One live actor in the table.
struct Tracked {
    actor: Arc<dyn Endpoint>,
    /// When it was spawned, in milliseconds after the system was made
    /// (saturating; 4 bytes, so the entry stays 32 bytes).
    spawned_ms: u32,
    /// Spawned by the system rather than by another actor: shutdown stops
    /// it (its parent stops the others).
    root: bool,
}

/// At most this many top-level actors are waited for one after the other
/// at shutdown; more are stopped in this many groups.
const SEQUENTIAL_GROUPS: usize = 256;

/// How many actors killed at shutdown are named in a warning each.
const KILL_WARNINGS: usize = 32;

/// The stop timeout of a system built without one: 5 seconds, as a
/// supervisor's default for its workers.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The grace given, once the stop timeout has passed, to the actors told
/// to stop only then.
fn grace(timeout: Duration) -> Duration {
    (timeout / 10).min(Duration::from_millis(100))
}

/// How long to wait for a killed actor to end (it ends at its next poll).
fn grace_after_kill() -> Duration {
    Duration::from_millis(100)
}

impl ActorSystem {
    /// A new system with a fresh random node id and the default settings;
    /// [`builder`](Self::builder) for others.
    pub fn new() -> Self {
        ActorSystem::builder().build()
    }

    /// A builder for a system with settings of its own.
    ///
    /// ```
    /// use actor_core::ActorSystem;
    /// use std::time::Duration;
    /// let system = ActorSystem::builder().stop_timeout(Duration::from_secs(1)).build();
    /// # let _ = system;
    /// ```
    pub fn builder() -> SystemBuilder {
        SystemBuilder { stop_timeout: DEFAULT_STOP_TIMEOUT, slow_handler: Some(DEFAULT_SLOW_HANDLER) }
    }

    fn from_builder(builder: SystemBuilder) -> Self {
        let system = ActorSystem {
            owner: None,
            inner: Arc::new(Inner {
                node: NodeId::random(),
                started: Instant::now(),
                stop_timeout: builder.stop_timeout,
                slow_handler: builder.slow_handler,
                slow: Arc::default(),
                next_seq: AtomicU64::new(1),
                actors: Mutex::new(Table::default()),
                emptied: Notify::new(),
                registry: Registry::default(),
                events: EventStream::new(),
                dead_letters: AtomicU64::new(0),
            }),
        };
        let owner = Owner { inner: Arc::downgrade(&system.inner) };
        ActorSystem { owner: Some(Arc::new(owner)), ..system }
    }

    /// A handle to the same system that does not own it: what actors hold.
    pub(crate) fn non_owning(&self) -> ActorSystem {
        ActorSystem { inner: self.inner.clone(), owner: None }
    }

    /// This system's node id; every [`ActorId`] it hands out carries it.
    pub fn node_id(&self) -> NodeId {
        self.inner.node
    }

    /// Stops every actor and returns once all have stopped, within the
    /// system's stop timeout ([`DEFAULT_STOP_TIMEOUT`] unless the system
    /// was built with another, see [`SystemBuilder::stop_timeout`]); see
    /// [`shutdown_timeout`](Self::shutdown_timeout).
    ///
    /// # Cancel safety
    /// Not cancel safe: dropped early, the actors already told to stop go
    /// on stopping, and the others keep running.
    pub async fn shutdown(&self) {
        self.shutdown_timeout(self.inner.stop_timeout).await;
    }

    /// Stops every actor, killing those still running after `timeout`,
    /// and returns once all have stopped.
    ///
    /// Top-level actors are stopped newest first, each stopping its
    /// children (newest first) before itself; each finishes its current
    /// message, runs `on_stop`, and stops with [`StopReason::Shutdown`].
    /// Up to 256 top-level actors are stopped one after the other; more are
    /// stopped in up to 256 groups (newest group first), the actors of a
    /// group at the same time, so a million idle actors stop in about a
    /// second rather than one by one. Actors spawned after shutdown began
    /// stop at once.
    ///
    /// An actor that has not stopped when `timeout` has passed (a handler
    /// that never returns, an `on_stop` that waits forever) does not hold
    /// the others up: every top-level actor still running is then told to
    /// stop, given a short grace (a tenth of `timeout`, at most 100 ms),
    /// and killed if it is still running after it, with a warning naming
    /// it, its type and how long it ran. A killed actor's children are
    /// killed with it. Supervisors stop their children by their own
    /// [`Shutdown`](crate::supervision::Shutdown) policies within the same
    /// bound. Finally every event-stream subscription ends.
    ///
    /// A handler that blocks its thread (rather than awaiting) cannot be
    /// killed: tokio cannot preempt it. Shutdown then returns after the
    /// grace with an error trace counting the actors left behind.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// use actor_core::prelude::*;
    /// use std::time::Duration;
    ///
    /// struct Stuck;
    /// impl Actor for Stuck {
    ///     async fn on_stop(&mut self, _ctx: &mut Context<Self>, _reason: &StopReason) {
    ///         std::future::pending::<()>().await;      // never finishes stopping
    ///     }
    /// }
    ///
    /// let system = ActorSystem::new();
    /// let stuck = system.spawn(Stuck);
    /// system.shutdown_timeout(Duration::from_secs(1)).await;   // returns all the same
    /// assert_eq!(stuck.wait_for_stop().await, StopReason::Killed);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    /// Not cancel safe, like [`shutdown`](Self::shutdown).
    pub async fn shutdown_timeout(&self, timeout: Duration) {
        self.stop_everything(timeout, Signal::Stop(StopReason::Shutdown)).await;
    }

    /// Like [`shutdown_timeout`](Self::shutdown_timeout), except that each
    /// top-level actor first handles every message already in its mailbox
    /// (see [`ActorRef::drain_and_stop`](crate::ActorRef::drain_and_stop));
    /// their children are stopped as usual. Sends to a top-level actor are
    /// refused from the moment its group is asked to drain. `timeout`
    /// bounds the whole, draining included.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use actor_core::prelude::*;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// struct Writer(Arc<AtomicU64>);
    /// impl Actor for Writer {}
    /// struct Line;
    /// impl Message for Line { type Reply = (); }
    /// impl Handler<Line> for Writer {
    ///     async fn handle(&mut self, _: Line, _: &mut Context<Self>) { self.0.fetch_add(1, Ordering::Relaxed); }
    /// }
    ///
    /// let written = Arc::new(AtomicU64::new(0));
    /// let system = ActorSystem::new();
    /// let writer = system.spawn(Writer(written.clone()));
    /// for _ in 0..100 {
    ///     writer.tell(Line).await?;
    /// }
    /// system.shutdown_draining(Duration::from_secs(5)).await;
    /// assert_eq!(written.load(Ordering::Relaxed), 100);   // none lost
    /// # Ok(()) }
    /// ```
    ///
    /// # Cancel safety
    /// Not cancel safe, like [`shutdown`](Self::shutdown).
    pub async fn shutdown_draining(&self, timeout: Duration) {
        self.stop_everything(timeout, Signal::Drain(StopReason::Shutdown)).await;
    }

    /// Tells the top-level actors `stop` (newest group first), kills the
    /// stragglers after `timeout`, waits for the table to empty.
    async fn stop_everything(&self, timeout: Duration, stop: Signal) {
        let started = Instant::now();
        let deadline = started + timeout;
        let mut roots: Vec<Arc<dyn Endpoint>> = {
            let mut table = self.inner.actors.lock();
            table.shutting_down = true;
            table.live.values().filter(|t| t.root).map(|t| t.actor.clone()).collect()
        };
        roots.sort_unstable_by_key(|actor| std::cmp::Reverse(actor.id().sequence()));
        let group = roots.len().div_ceil(SEQUENTIAL_GROUPS).max(1);
        let mut in_time = true;
        'groups: for members in roots.chunks(group) {
            for actor in members {
                let _ = actor.signal(stop.clone());
            }
            for actor in members {
                if tokio::time::timeout_at(deadline, actor.wait_for_stop()).await.is_err() {
                    in_time = false;
                    break 'groups;
                }
            }
        }
        if !in_time {
            self.kill_stragglers(&roots, timeout, started).await;
        }
        // Actors spawned while the roots were stopping stop at once (see
        // `track`); wait for them too.
        let grace = Instant::now() + grace(timeout);
        loop {
            let emptied = self.inner.emptied.notified();
            let left = self.actor_count();
            if left == 0 {
                break;
            }
            if tokio::time::timeout_at(grace.max(deadline), emptied).await.is_err() {
                self.kill_stragglers(&self.live_roots(), timeout, started).await;
                let left = self.actor_count();
                if left > 0 {
                    tracing::error!(
                        left,
                        "shutdown: actors still running after being killed (a handler blocks its thread?)"
                    );
                }
                break;
            }
        }
        self.inner.events.close();
    }

    /// The stop timeout ran out: every top-level actor still running is
    /// told to stop (those never asked yet get their chance), and after a
    /// short grace killed, with a warning for each.
    async fn kill_stragglers(&self, roots: &[Arc<dyn Endpoint>], timeout: Duration, started: Instant) {
        let running: Vec<&Arc<dyn Endpoint>> = roots.iter().filter(|a| a.is_alive()).collect();
        for actor in &running {
            let _ = actor.signal(Signal::Stop(StopReason::Shutdown));
        }
        let grace = Instant::now() + grace(timeout);
        let mut killed = 0usize;
        for actor in &running {
            if tokio::time::timeout_at(grace, actor.wait_for_stop()).await.is_ok() {
                continue;
            }
            killed += 1;
            if killed <= KILL_WARNINGS {
                let ran = self.ran_for(actor.id()).unwrap_or_else(|| started.elapsed());
                tracing::warn!(
                    actor = %actor.id(),
                    actor_type = actor.actor_type(),
                    name = actor.name().unwrap_or(""),
                    ran_for = ?ran,
                    timeout = ?timeout,
                    "actor did not stop within the shutdown timeout; killing it"
                );
            }
            let _ = actor.signal(Signal::Kill);
        }
        if killed > KILL_WARNINGS {
            tracing::warn!(killed, "shutdown: more actors killed than warned about");
        }
        for actor in &running {
            let _ = tokio::time::timeout(grace_after_kill(), actor.wait_for_stop()).await;
        }
    }

    /// Top-level actors still in the table.
    fn live_roots(&self) -> Vec<Arc<dyn Endpoint>> {
        let table = self.inner.actors.lock();
        table.live.values().filter(|t| t.root).map(|t| t.actor.clone()).collect()
    }

    /// How long the actor with this id has been running.
    fn ran_for(&self, id: ActorId) -> Option<Duration> {
        let table = self.inner.actors.lock();
        let tracked = table.live.values().find(|t| t.actor.id() == id)?;
        let spawned = self.inner.started + Duration::from_millis(u64::from(tracked.spawned_ms));
        Some(spawned.elapsed())
    }

    /// This system's event stream: publish facts, subscribe by type.
    pub fn events(&self) -> &EventStream {
        &self.inner.events
    }

    /// How many actors of this system are running.
    pub fn actor_count(&self) -> usize {
        self.inner.actors.lock().live.len()
    }

    /// How many messages this system could not deliver: sent to a stopped
    /// actor, or still queued when their actor stopped. Each one is also
    /// published as a [`DeadLetter`](crate::events::DeadLetter) fact.
    pub fn dead_letter_count(&self) -> u64 {
        self.inner.dead_letters.load(Ordering::Relaxed)
    }

    // ---- crate-internal ----

    pub(crate) fn next_actor_id(&self) -> ActorId {
        ActorId::new(self.inner.node, self.inner.next_seq.fetch_add(1, Ordering::Relaxed))
    }

    /// Adds a new actor to the table; its key comes back for `untrack`. A
    /// top-level actor spawned while the system shuts down is told to stop
    /// at once.
    pub(crate) fn track(&self, actor: Arc<dyn Endpoint>, root: bool) -> TableSlot {
        // Read only for top-level actors: shutdown warns about those alone.
        let spawned_ms = if root {
            u32::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(u32::MAX)
        } else {
            0
        };
        let mut table = self.inner.actors.lock();
        if table.shutting_down && root {
            let _ = actor.signal(Signal::Stop(StopReason::Shutdown));
        }
        table.live.insert(Tracked { actor, spawned_ms, root })
    }

    /// Every live actor's endpoint, and whether it is top-level.
    pub(crate) fn endpoints(&self) -> Vec<(Arc<dyn Endpoint>, bool)> {
        let table = self.inner.actors.lock();
        table.live.values().map(|t| (t.actor.clone(), t.root)).collect()
    }

    /// The system's watch over slow handlers.
    pub(crate) fn slow_watch(&self) -> &Arc<SlowWatch> {
        &self.inner.slow
    }

    /// The slow-handler threshold for a new actor: its own, or the system's.
    pub(crate) fn slow_handler(&self, own: Option<Option<Duration>>) -> Option<Duration> {
        own.unwrap_or(self.inner.slow_handler)
    }

    pub(crate) fn untrack(&self, slot: TableSlot) {
        let mut table = self.inner.actors.lock();
        table.live.remove(slot);
        if table.live.is_empty() {
            self.inner.emptied.notify_waiters();
        }
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    pub(crate) fn dead_letter(&self, to: ActorId, message_type: &'static str) {
        self.inner.dead_letters.fetch_add(1, Ordering::Relaxed);
        crate::telemetry::metrics::dead_letter(message_type);
        tracing::debug!(%to, message_type, "dead letter");
        self.inner.events.dead_letter(|| DeadLetter { to, message_type });
    }
}

impl Default for ActorSystem {
    fn default() -> Self {
        ActorSystem::new()
    }
}

impl fmt::Debug for ActorSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorSystem").field("node", &self.inner.node).finish_non_exhaustive()
    }
}

/// Settings of a system: `ActorSystem::builder()...build()`.
#[derive(Clone, Debug)]
pub struct SystemBuilder {
    stop_timeout: Duration,
    slow_handler: Option<Duration>,
}

impl SystemBuilder {
    /// How long [`shutdown`](ActorSystem::shutdown) lets actors take to
    /// stop before it kills those still running (default
    /// [`DEFAULT_STOP_TIMEOUT`]).
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }

    /// Warn when a handler has run longer than `threshold` (and once more
    /// when it ends): one `warn` trace with the actor's id, name and type,
    /// the message type and the time so far. `None` turns the warnings
    /// off. Default [`DEFAULT_SLOW_HANDLER`] (1 s); a spawn may set its own
    /// with [`SpawnOptions::slow_handler`].
    ///
    /// Handlers are watched once they have had to wait (`Pending`): an ask
    /// cycle or a forgotten `pending()` shows; a handler that blocks its
    /// thread without awaiting does not (nothing can run to see it).
    pub fn slow_handler(mut self, threshold: Option<Duration>) -> Self {
        self.slow_handler = threshold;
        self
    }

    /// The system.
    pub fn build(self) -> ActorSystem {
        ActorSystem::from_builder(self)
    }
}

/// Options for one spawn: a name and the mailbox capacity.
///
/// The name shows in traces, `Debug` output and (later) tree snapshots; it
/// need not be unique. To find an actor by name, [`register`](ActorSystem::register) it.
#[derive(Clone, Debug, Default)]
pub struct SpawnOptions {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) capacity: Option<MailboxCapacity>,
    pub(crate) slow_handler: Option<Option<Duration>>,
}

impl SpawnOptions {
    /// Defaults: no name, the actor type's [`Actor::MAILBOX`](crate::Actor::MAILBOX).
    pub fn new() -> Self {
        SpawnOptions::default()
    }

    /// Names the actor.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(Arc::from(name.into()));
        self
    }

    /// A bounded mailbox of `capacity` messages (0 is treated as 1, and
    /// anything above [`MAX_MAILBOX_CAPACITY`](crate::MAX_MAILBOX_CAPACITY) as that).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = Some(MailboxCapacity::Bounded(capacity));
        self
    }

    /// This actor's slow-handler threshold, instead of the system's (see
    /// [`SystemBuilder::slow_handler`]); `None` turns its warnings off.
    pub fn slow_handler(mut self, threshold: Option<Duration>) -> Self {
        self.slow_handler = Some(threshold);
        self
    }

    /// An unbounded mailbox: senders never wait.
    pub fn unbounded(mut self) -> Self {
        self.capacity = Some(MailboxCapacity::Unbounded);
        self
    }
}
