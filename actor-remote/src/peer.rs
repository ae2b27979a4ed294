//! One peer node incarnation as this node sees it: the outbound buffer
//! every message to it goes through (it outlives a broken link, so order
//! holds across a reconnect), asks waiting for replies, send credits per
//! remote actor, and watchers to tell when it is down.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use actor_core::dev::{BoxFuture, Endpoint, Signal};
use actor_core::{ActorId, NodeId, StopReason, Terminated, TraceContext};
use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;

use crate::wire::envelope::{Failure, Header};
use crate::wire::frame;
use crate::wire::WireError;

/// An answer to something this node asked the peer.
pub(crate) enum Answer<'a> {
    Reply(&'a [u8]),
    Failed(Failure),
    Found {
        target: u64,
        window: u32,
        handles: Vec<&'a str>,
    },
    NotFound,
    /// The answer to a name claim: who holds the name, if not the asker.
    Claimed(Option<NodeId>),
    /// The link broke (or the peer went down) before the answer came.
    Unreachable,
}

/// What to do with an answer when it comes.
pub(crate) trait PendingAnswer: Send {
    fn answer(self: Box<Self>, answer: Answer<'_>);
    /// True once nobody waits for the answer (an asker that timed out).
    fn is_abandoned(&self) -> bool;
}

pub(crate) type Pending = Box<dyn PendingAnswer>;

/// The link state of a peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkState {
    Up(u64),
    Down,
    /// Gone for good.
    Gone,
}

pub(crate) struct Peer {
    pub(crate) node: NodeId,
    pub(crate) incarnation: u64,
    /// The largest frame both ends accept.
    pub(crate) max_frame: usize,
    /// Above this many bytes waiting, user messages wait (or are `Full`).
    pub(crate) watermark: usize,
    out: Mutex<Outbound>,
    /// Wakes the link's writer: bytes are waiting.
    pub(crate) wake_writer: Notify,
    /// Wakes senders: the buffer drained, credits came, or the peer is gone.
    pub(crate) space: Notify,
    pending: Mutex<HashMap<u64, Pending>>,
    /// The size of `pending` after its last sweep.
    swept_at: AtomicUsize,
    next_corr: AtomicU64,
    credits: Mutex<HashMap<u64, Arc<Credits>>>,
    /// Local actors watching actors of the peer: told once, by the peer's
    /// `Terminated` or with `NodeDown` when the peer is gone.
    watchers: Mutex<Vec<(ActorId, Arc<dyn Endpoint>)>>,
    /// Watches of local actors by the peer's actors: `(target, watcher)`.
    pub(crate) watched_by: Mutex<std::collections::HashSet<(u64, u64)>>,
    /// Notices of local actors' stops sent to the peer and not yet
    /// acknowledged: resent on every new link.
    unacked: Mutex<HashMap<(u64, u64), StopReason>>,
    state: watch::Sender<LinkState>,
    /// The current link's number (0: none). A reader hands nothing on once
    /// its link is not the current one: a link that replaced it may already
    /// be delivering what the peer sent after, and order would not hold.
    current: AtomicU64,
    /// Who dialed the current link, and how to close it.
    link: Mutex<Option<(NodeId, CancellationToken)>>,
    /// Why this node closed the link, for the fact that reports it.
    close_reason: Mutex<Option<String>>,
    /// Set once the peer is gone (also in the link state): read on every send.
    gone: AtomicBool,
    /// The addresses this node reached the peer at (dialed, or advertised
    /// in its hello): a dial to one of them while the link is up is not
    /// made again.
    addrs: Mutex<Vec<String>>,
    /// Messages from the peer waiting for their local actor, per actor.
    pub(crate) inbound: Mutex<HashMap<u64, Arc<Mutex<Inbound>>>>,
}

/// Hands messages from the network to one local actor, for one message
/// type: decodes them and queues them in the actor's mailbox.
pub(crate) trait Deliver: Send + Sync {
    /// Decodes `payload` and queues it now if the mailbox has room (an
    /// ask's reply goes back through `route` when the actor answers).
    /// A message that decoded but found the mailbox full comes back.
    fn try_deliver(&self, payload: &[u8], route: Option<ReplyRoute>) -> Result<(), Undelivered>;

    /// Queues what [`try_deliver`](Self::try_deliver) gave back, waiting
    /// for room.
    fn deliver(&self, undelivered: Undelivered) -> BoxFuture<'static, ()>;

    /// The message's Rust type, for dead letters.
    fn message_type(&self) -> &'static str;
}

/// A decoded message that waits for room in its actor's mailbox.
pub(crate) struct Undelivered(pub(crate) Box<dyn Any + Send>);

/// Where the reply to an ask from the peer goes.
#[derive(Clone)]
pub(crate) struct ReplyRoute {
    pub(crate) peer: Arc<Peer>,
    pub(crate) corr: u64,
}

/// One message from the peer on its way to a local actor.
pub(crate) enum Queued {
    /// As it came off the wire.
    Raw { deliver: Arc<dyn Deliver>, payload: Bytes, corr: Option<u64>, trace: Option<TraceContext> },
    /// Decoded; the mailbox was full.
    Decoded { deliver: Arc<dyn Deliver>, undelivered: Undelivered, trace: Option<TraceContext> },
}

/// The messages from the peer for one local actor, in order, and whether a
/// task is draining them.
#[derive(Default)]
pub(crate) struct Inbound {
    pub(crate) queue: VecDeque<Queued>,
    pub(crate) draining: bool,
}

/// What waits to be written to the peer.
struct Outbound {
    buf: BytesMut,
    /// Frames in `buf`, for the count of what is dropped when the peer is gone.
    frames: usize,
    gone: bool,
}

impl Outbound {
    /// Appends one frame written by `write` after its length prefix;
    /// whether the buffer was empty before. A frame that fails to write or
    /// is over `max_frame` leaves nothing behind.
    fn push_frame<E>(
        &mut self,
        max_frame: usize,
        write: impl FnOnce(&mut BytesMut) -> Result<(), E>,
    ) -> Result<bool, AppendError<E>> {
        let was_empty = self.buf.is_empty();
        let start = frame::begin(&mut self.buf);
        if let Err(e) = write(&mut self.buf) {
            self.buf.truncate(start);
            return Err(AppendError::Write(e));
        }
        frame::finish(&mut self.buf, start, max_frame).map_err(AppendError::Frame)?;
        self.frames += 1;
        Ok(was_empty)
    }
}

impl Peer {
    pub(crate) fn new(node: NodeId, incarnation: u64, max_frame: usize, watermark: usize) -> Arc<Peer> {
        Arc::new(Peer {
            node,
            incarnation,
            max_frame,
            watermark,
            out: Mutex::new(Outbound { buf: BytesMut::with_capacity(8 * 1024), frames: 0, gone: false }),
            wake_writer: Notify::new(),
            space: Notify::new(),
            pending: Mutex::new(HashMap::new()),
            swept_at: AtomicUsize::new(0),
            next_corr: AtomicU64::new(1),
            credits: Mutex::new(HashMap::new()),
            watchers: Mutex::new(Vec::new()),
            watched_by: Mutex::new(std::collections::HashSet::new()),
            unacked: Mutex::new(HashMap::new()),
            state: watch::Sender::new(LinkState::Down),
            current: AtomicU64::new(0),
            link: Mutex::new(None),
            close_reason: Mutex::new(None),
            gone: AtomicBool::new(false),
            addrs: Mutex::new(Vec::new()),
            inbound: Mutex::new(HashMap::new()),
        })
    }

    /// Notes that the peer is reached at `addr`.
    pub(crate) fn reached_at(&self, addr: &str) {
        let mut addrs = self.addrs.lock();
        if !addrs.iter().any(|known| known == addr) {
            addrs.push(addr.to_owned());
        }
    }

    /// Whether the peer has a live link and is reached at `addr`.
    pub(crate) fn linked_at(&self, addr: &str) -> bool {
        matches!(self.state(), LinkState::Up(_)) && self.addrs.lock().iter().any(|known| known == addr)
    }

    /// Closes the current link, saying why (see [`close_reason`](Self::close_reason)).
    pub(crate) fn close_link(&self, reason: String) {
        *self.close_reason.lock() = Some(reason);
        if let Some((_, link)) = self.link.lock().as_ref() {
            link.cancel();
        }
    }

    /// Why this node closed the link itself, if it did.
    pub(crate) fn close_reason(&self) -> Option<String> {
        self.close_reason.lock().take()
    }

    /// The node that dialed the current link.
    pub(crate) fn link_dialer(&self) -> Option<NodeId> {
        self.link.lock().as_ref().map(|(dialer, _)| *dialer)
    }

    pub(crate) fn state(&self) -> LinkState {
        *self.state.borrow()
    }

    pub(crate) fn subscribe_state(&self) -> watch::Receiver<LinkState> {
        self.state.subscribe()
    }

    pub(crate) fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }

    /// A link came up: it carries what waits in the buffer, and every
    /// remote actor's window starts full again (the receiver's queues of
    /// the old link are bounded apart). A link it replaces is closed.
    pub(crate) fn link_up(&self, link: u64, dialer: NodeId, cancel: CancellationToken) {
        // Before the new link's reader starts: the old one's stops handing
        // frames on from here.
        self.current.store(link, Ordering::Release);
        if let Some((_, old)) = self.link.lock().replace((dialer, cancel)) {
            old.cancel();
            // What the old link carried may be lost with it, and its end is
            // no longer the current link's: what waits for an answer ends
            // now, as when a link breaks.
            if matches!(self.state(), LinkState::Up(_)) {
                self.fail_pending();
            }
        }
        for credits in self.credits.lock().values() {
            credits.reset();
        }
        // System signals outlive links: what the peer may have missed goes again.
        for (target, watcher) in self.watchers.lock().iter() {
            self.control(&Header::Watch { target: target.sequence(), watcher: watcher.id().sequence() }, &[]);
        }
        for ((target, watcher), reason) in self.unacked.lock().iter() {
            let notice = Header::Terminated { target: *target, watcher: *watcher, reason: reason.clone() };
            self.control(&notice, &[]);
        }
        self.state.send_replace(LinkState::Up(link));
        self.wake_writer.notify_one();
        self.space.notify_waiters();
    }

    /// Link `link` broke: asks waiting on it end with `Unreachable`.
    /// Returns false if it was not the current link.
    pub(crate) fn link_lost(&self, link: u64) -> bool {
        let current = self.state.send_if_modified(|state| {
            if *state == LinkState::Up(link) {
                *state = LinkState::Down;
                true
            } else {
                false
            }
        });
        if current {
            let _ = self.current.compare_exchange(link, 0, Ordering::AcqRel, Ordering::Relaxed);
            self.fail_pending();
        }
        current
    }

    /// Whether `link` is the peer's current link: a reader checks it before
    /// each frame, and under the actor's inbound lock before delivering.
    pub(crate) fn is_current(&self, link: u64) -> bool {
        self.current.load(Ordering::Acquire) == link
    }

    /// The peer is gone for good; returns how many frames were dropped
    /// unsent (0 if it was already gone).
    pub(crate) fn gone(&self, system_notice: impl Fn(&dyn Endpoint, Signal)) -> Option<usize> {
        let unsent = {
            let mut out = self.out.lock();
            if out.gone {
                return None;
            }
            out.gone = true;
            self.gone.store(true, Ordering::Release);
            out.buf = BytesMut::new();
            std::mem::take(&mut out.frames)
        };
        self.state.send_replace(LinkState::Gone);
        if let Some((_, link)) = self.link.lock().take() {
            link.cancel();
        }
        self.fail_pending();
        self.space.notify_waiters();
        for credits in self.credits.lock().values() {
            credits.notify.notify_waiters();
        }
        for (target, watcher) in std::mem::take(&mut *self.watchers.lock()) {
            system_notice(&*watcher, Signal::Terminated(Terminated::new(target, StopReason::NodeDown)));
        }
        Some(unsent)
    }

    fn fail_pending(&self) {
        let pending = std::mem::take(&mut *self.pending.lock());
        for (_, pending) in pending {
            pending.answer(Answer::Unreachable);
        }
    }

    /// Bytes waiting to be written.
    pub(crate) fn buffered(&self) -> usize {
        self.out.lock().buf.len()
    }

    /// Appends one frame, written by `write` after the length prefix with
    /// a fresh correlation id; `pending` waits for the answer under that
    /// id (registered before the frame can be written). If the frame is
    /// not appended, `pending` is answered with the reason at once.
    ///
    /// # Errors
    /// `Gone` if the peer is gone; the frame error if it is over the limit;
    /// `write`'s own error.
    pub(crate) fn append<E: std::fmt::Display>(
        &self,
        write: impl FnOnce(&mut BytesMut, u64) -> Result<(), E>,
        pending: Option<Pending>,
    ) -> Result<(), AppendError<E>> {
        let mut out = self.out.lock();
        let result = if out.gone {
            Err(AppendError::Gone)
        } else if out.buf.len() >= self.hard_limit() {
            // Only answers and credits get here past the watermark: a peer
            // that keeps asking but does not read what it is sent. Its link
            // goes (and with it what waits), so memory stays bounded.
            let dropped = std::mem::take(&mut out.frames);
            out.buf.clear();
            drop(out);
            let reason = format!("the peer does not read what it is sent ({dropped} frames dropped)");
            tracing::warn!(peer = %self.node, %reason, "dropping the link");
            self.close_link(reason);
            out = self.out.lock();
            Err(AppendError::Frame(WireError::malformed("link", "the peer does not read what it is sent")))
        } else {
            let corr = self.next_corr.fetch_add(1, Ordering::Relaxed);
            match out.push_frame(self.max_frame, |buf| write(buf, corr)) {
                Err(e) => Err(e),
                Ok(was_empty) => {
                    if let Some(pending) = pending {
                        self.register(corr, pending);
                    }
                    drop(out);
                    self.wrote(was_empty);
                    return Ok(());
                }
            }
        };
        drop(out);
        if let (Err(e), Some(pending)) = (&result, pending) {
            match e {
                AppendError::Gone => pending.answer(Answer::Unreachable),
                AppendError::Frame(e) => pending.answer(Answer::Failed(Failure::Codec(e.to_string()))),
                AppendError::Write(e) => pending.answer(Answer::Failed(Failure::Codec(e.to_string()))),
            }
        }
        result
    }

    /// The most that may wait for the peer, answers included: four times
    /// the watermark, and at least 1 MiB.
    fn hard_limit(&self) -> usize {
        self.watermark.saturating_mul(4).max(1 << 20)
    }

    /// Appends a tell, unless the buffer is at the watermark (`Ok(false)`):
    /// the tell header's bytes, then the payload by `write`.
    pub(crate) fn append_tell<E: std::fmt::Display>(
        &self,
        header: &[u8],
        write: impl FnOnce(&mut BytesMut) -> Result<(), E>,
    ) -> Result<bool, AppendError<E>> {
        let mut out = self.out.lock();
        if out.gone {
            return Err(AppendError::Gone);
        }
        if out.buf.len() >= self.watermark {
            return Ok(false);
        }
        let was_empty = out.push_frame(self.max_frame, |buf| {
            buf.extend_from_slice(header);
            write(buf)
        })?;
        drop(out);
        self.wrote(was_empty);
        Ok(true)
    }

    /// A frame was appended: the writer is woken for the first frame only
    /// (while it writes, later frames pile up behind and go with its next
    /// write).
    fn wrote(&self, was_empty: bool) {
        if was_empty {
            self.wake_writer.notify_one();
        }
    }

    /// Registers `pending` under `corr`; every time the map doubles, the
    /// answers nobody waits for any more are dropped, so askers that time
    /// out against a peer that never answers leave nothing behind.
    fn register(&self, corr: u64, pending: Pending) {
        let mut map = self.pending.lock();
        map.insert(corr, pending);
        let swept = self.swept_at.load(Ordering::Relaxed);
        if map.len() >= swept.max(1024) * 2 {
            map.retain(|_, p| !p.is_abandoned());
            self.swept_at.store(map.len(), Ordering::Relaxed);
        }
    }

    /// Appends a control frame (a reply, a credit, a lookup answer): never
    /// waits, and only fails if the peer is gone.
    pub(crate) fn control(&self, header: &Header<'_>, payload: &[u8]) -> bool {
        let appended = self.append::<std::convert::Infallible>(
            |out, _| {
                header.encode(out);
                out.extend_from_slice(payload);
                Ok(())
            },
            None,
        );
        appended.is_ok()
    }

    /// Moves what waits into `into` (which must be empty), for the writer.
    pub(crate) fn take_buffered(&self, into: &mut BytesMut) {
        let mut out = self.out.lock();
        std::mem::swap(&mut out.buf, into);
        out.frames = 0;
    }

    /// Takes the pending answer for `corr`, if any.
    pub(crate) fn take_pending(&self, corr: u64) -> Option<Pending> {
        self.pending.lock().remove(&corr)
    }

    /// The send credits for remote actor `target`.
    pub(crate) fn credits(&self, target: u64, window: u32) -> Arc<Credits> {
        let mut credits = self.credits.lock();
        credits.entry(target).or_insert_with(|| Arc::new(Credits::new(window))).clone()
    }

    pub(crate) fn add_credits(&self, target: u64, count: u32) {
        if let Some(credits) = self.credits.lock().get(&target) {
            credits.add(count);
        }
    }

    /// Tells `watcher` when the peer's actor `target` stops: the peer is
    /// asked to send the notice (and asked again on every new link until it
    /// comes), and the peer going down tells it with `NodeDown`.
    pub(crate) fn watch(&self, target: ActorId, watcher: Arc<dyn Endpoint>) -> Result<(), Arc<dyn Endpoint>> {
        let mut watchers = self.watchers.lock();
        if self.is_gone() {
            return Err(watcher);
        }
        let (t, w) = (target.sequence(), watcher.id().sequence());
        if watchers.iter().any(|(known, other)| *known == target && other.id() == watcher.id()) {
            return Ok(());
        }
        watchers.push((target, watcher));
        drop(watchers);
        self.control(&Header::Watch { target: t, watcher: w }, &[]);
        Ok(())
    }

    pub(crate) fn unwatch(&self, target: ActorId, watcher: ActorId) {
        let mut watchers = self.watchers.lock();
        let before = watchers.len();
        watchers.retain(|(t, w)| !(*t == target && w.id() == watcher));
        if watchers.len() != before {
            drop(watchers);
            self.control(&Header::Unwatch { target: target.sequence(), watcher: watcher.sequence() }, &[]);
        }
    }

    /// The peer says its actor `target`, watched by local `watcher`,
    /// stopped: the watcher is told (once), and the notice acknowledged.
    pub(crate) fn terminated(&self, target: u64, watcher: u64, reason: StopReason) {
        let id = ActorId::from_parts(self.node, target);
        let found = {
            let mut watchers = self.watchers.lock();
            let at = watchers.iter().position(|(t, w)| *t == id && w.id().sequence() == watcher);
            at.map(|at| watchers.swap_remove(at).1)
        };
        if let Some(endpoint) = found {
            let _ = endpoint.signal(Signal::Terminated(Terminated::new(id, reason)));
        }
        self.control(&Header::TerminatedAck { target, watcher }, &[]);
    }

    /// Sends the notice that local `target`, watched by the peer's
    /// `watcher`, stopped; kept until acknowledged.
    pub(crate) fn notify_terminated(&self, target: u64, watcher: u64, reason: StopReason) {
        if !self.watched_by.lock().remove(&(target, watcher)) {
            return; // unwatched meanwhile, or told already
        }
        self.unacked.lock().insert((target, watcher), reason.clone());
        self.control(&Header::Terminated { target, watcher, reason }, &[]);
    }

    /// The peer got the notice for `(target, watcher)`.
    pub(crate) fn terminated_acked(&self, target: u64, watcher: u64) {
        self.unacked.lock().remove(&(target, watcher));
    }
}

/// Why a frame was not appended.
#[derive(Debug)]
pub(crate) enum AppendError<E> {
    Gone,
    Frame(WireError),
    Write(E),
}

/// How many more messages may be sent to one remote actor before the
/// receiver says it queued them: the per-actor window of flow control.
pub(crate) struct Credits {
    available: AtomicU32,
    window: u32,
    pub(crate) notify: Notify,
}

impl Credits {
    fn new(window: u32) -> Self {
        Credits { available: AtomicU32::new(window), window, notify: Notify::new() }
    }

    pub(crate) fn try_take(&self) -> bool {
        self.available.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).is_ok()
    }

    pub(crate) fn give_back(&self) {
        self.add(1);
    }

    fn add(&self, count: u32) {
        let _ = self.available.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            Some(n.saturating_add(count).min(self.window))
        });
        self.notify.notify_waiters();
    }

    fn reset(&self) {
        self.available.store(self.window, Ordering::Release);
        self.notify.notify_waiters();
    }
}
