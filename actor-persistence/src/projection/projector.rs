//! The actor that feeds a projection.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use actor_core::{
    Actor, ActorError, ActorRef, ActorSystem, AskError, Context, Deferred, Handler, Message, ReplyTo,
};
use futures_util::stream::{self, StreamExt};

use super::{Projection, ProjectionError};
use crate::journal::{Journal, OffsetStore, StoredFact};

/// Which facts a projector passes on.
#[derive(Clone, Debug)]
enum Filter {
    All,
    Tag(String),
    Names(Vec<String>),
}

impl Filter {
    fn selects(&self, fact: &StoredFact) -> bool {
        match self {
            Filter::All => true,
            Filter::Tag(tag) => fact.has_tag(tag),
            Filter::Names(names) => names.iter().any(|n| **n == *fact.name),
        }
    }
}

/// The actor that reads the journal after a stored offset and hands the
/// selected facts to a [`Projection`], then stores the new offset.
///
/// It wakes when the journal handle reports an append (and every
/// [`poll_every`](Self::poll_every), for writers in other processes).
/// On start it loads its offset and catches up. A failure of the
/// projection, the journal or the offset store stops it with a panic
/// message that names the projection and the offset, so a supervisor
/// restarts it from the stored offset.
pub struct Projector<P> {
    name: Arc<str>,
    projection: P,
    journal: Arc<dyn Journal>,
    offsets: Arc<dyn OffsetStore>,
    filter: Filter,
    batch: usize,
    poll: Option<Duration>,
    offset: u64,
    waiters: Vec<(u64, ReplyTo<u64>)>,
}

impl<P: Projection> Projector<P> {
    /// A projector named `name` (the key of its stored offset) feeding
    /// `projection` from `store`, which also keeps the offset.
    pub fn new<S: Journal + OffsetStore + Clone>(name: impl Into<Arc<str>>, projection: P, store: S) -> Self {
        Self::with_stores(name, projection, Arc::new(store.clone()), Arc::new(store))
    }

    /// As [`new`](Self::new), with the offset kept in `offsets`.
    pub fn with_stores(
        name: impl Into<Arc<str>>,
        projection: P,
        journal: Arc<dyn Journal>,
        offsets: Arc<dyn OffsetStore>,
    ) -> Self {
        Projector {
            name: name.into(),
            projection,
            journal,
            offsets,
            filter: Filter::All,
            batch: 1024,
            poll: None,
            offset: 0,
            waiters: Vec::new(),
        }
    }

    /// Only facts with this tag.
    pub fn tag(mut self, tag: &str) -> Self {
        self.filter = Filter::Tag(tag.to_owned());
        self
    }

    /// Only facts with one of these names.
    pub fn names(mut self, names: &[&str]) -> Self {
        self.filter = Filter::Names(names.iter().map(|n| (*n).to_owned()).collect());
        self
    }

    /// How many facts it reads per journal call (default 1024).
    pub fn batch(mut self, facts: usize) -> Self {
        self.batch = facts.max(1);
        self
    }

    /// Also looks for new facts every `period` (for facts appended by
    /// other processes, which this process's journal handle does not see).
    pub fn poll_every(mut self, period: Duration) -> Self {
        self.poll = Some(period);
        self
    }

    /// Spawns it on `system`.
    pub fn spawn(self, system: &ActorSystem) -> ActorRef<Self> {
        system.spawn(self)
    }

    /// Reads and handles everything after the current offset.
    async fn catch_up(&mut self) -> Result<(), String> {
        let fail = |what: &str, name: &str, offset: u64, error: &dyn fmt::Display| {
            format!("projection `{name}` failed to {what} after offset {offset}: {error}")
        };
        loop {
            let facts = self
                .journal
                .read_all(self.offset, self.batch)
                .await
                .map_err(|e| fail("read the journal", &self.name, self.offset, &e))?;
            let Some(last) = facts.last().map(|f| f.offset) else { break };
            let read = facts.len();
            let selected: Vec<StoredFact> = match self.filter {
                Filter::All => facts,
                _ => facts.into_iter().filter(|f| self.filter.selects(f)).collect(),
            };
            if !selected.is_empty() {
                let handled: Result<(), ProjectionError> = self.projection.handle(&selected).await;
                handled.map_err(|e| fail("handle facts", &self.name, self.offset, &e))?;
            }
            self.offsets
                .save_offset(&self.name, last)
                .await
                .map_err(|e| fail("store its offset", &self.name, self.offset, &e))?;
            self.offset = last;
            if read < self.batch {
                break;
            }
        }
        let offset = self.offset;
        for (_, reply_to) in self.waiters.extract_if(.., |(wanted, _)| *wanted <= offset) {
            let _ = reply_to.send(offset);
        }
        Ok(())
    }

    async fn catch_up_or_fail(&mut self) {
        if let Err(message) = self.catch_up().await {
            tracing::error!(projection = &*self.name, "{message}");
            std::panic::panic_any(message);
        }
    }
}

impl<P: Projection> Actor for Projector<P> {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.offset = self.offsets.load_offset(&self.name).await?;
        let appended = self.journal.appended();
        let wakes = stream::once(async { Wake }).chain(stream::unfold(appended, |mut appended| async move {
            appended.changed().await.ok()?;
            Some((Wake, appended))
        }));
        ctx.add_stream(wakes);
        if let Some(period) = self.poll {
            ctx.interval(period, || Wake);
        }
        Ok(())
    }
}

/// Wakes a projector: there may be new facts.
#[doc(hidden)]
#[derive(Debug)]
pub struct Wake;

impl Message for Wake {
    type Reply = ();
}

impl<P: Projection> Handler<Wake> for Projector<P> {
    async fn handle(&mut self, _: Wake, _ctx: &mut Context<Self>) {
        self.catch_up_or_fail().await;
    }
}

/// Empties the read model and replays the whole journal into it; replies
/// with the offset reached.
#[derive(Debug)]
pub struct Rebuild;

impl Message for Rebuild {
    type Reply = u64;
}

impl<P: Projection> Handler<Rebuild> for Projector<P> {
    async fn handle(&mut self, _: Rebuild, _ctx: &mut Context<Self>) -> u64 {
        if let Err(error) = self.projection.reset().await {
            let message = format!("projection `{}` failed to reset: {error}", self.name);
            std::panic::panic_any(message);
        }
        self.offset = 0;
        self.catch_up_or_fail().await;
        self.offset
    }
}

/// Replies (deferred) once the projector has processed `offset`, with the
/// offset it reached.
#[derive(Debug)]
pub struct WaitFor(pub u64);

impl Message for WaitFor {
    type Reply = Deferred<u64>;
}

impl<P: Projection> Handler<WaitFor> for Projector<P> {
    async fn handle(&mut self, WaitFor(offset): WaitFor, _ctx: &mut Context<Self>) -> Deferred<u64> {
        let (reply_to, reply) = Deferred::channel();
        if self.offset >= offset {
            let _ = reply_to.send(self.offset);
        } else {
            self.waiters.push((offset, reply_to));
        }
        reply
    }
}

/// Asks on a projector's address.
pub trait ProjectionRef<P> {
    /// Waits until the projector has processed the journal up to `offset`;
    /// returns the offset reached.
    ///
    /// # Errors
    ///
    /// [`AskError`] if the projector is not running or stops first.
    fn wait_for(&self, offset: u64) -> impl std::future::Future<Output = Result<u64, AskError>> + Send;

    /// Empties the read model and projects the whole journal again.
    ///
    /// # Errors
    ///
    /// [`AskError`] if the projector is not running or stops first.
    fn rebuild(&self) -> impl std::future::Future<Output = Result<u64, AskError>> + Send;

    /// Runs `f` on the projection.
    ///
    /// # Errors
    ///
    /// [`AskError`] if the projector is not running.
    fn inspect<R, F>(&self, f: F) -> impl std::future::Future<Output = Result<R, AskError>> + Send
    where
        R: Send + 'static,
        F: FnOnce(&P) -> R + Send + 'static;
}

impl<P: Projection> ProjectionRef<P> for ActorRef<Projector<P>> {
    async fn wait_for(&self, offset: u64) -> Result<u64, AskError> {
        self.ask(WaitFor(offset)).await?.await
    }

    async fn rebuild(&self) -> Result<u64, AskError> {
        self.ask(Rebuild).await
    }

    async fn inspect<R, F>(&self, f: F) -> Result<R, AskError>
    where
        R: Send + 'static,
        F: FnOnce(&P) -> R + Send + 'static,
    {
        self.ask(InspectWith(f, std::marker::PhantomData)).await
    }
}

/// [`ProjectionRef::inspect`]'s message.
#[doc(hidden)]
pub struct InspectWith<F, P>(F, std::marker::PhantomData<fn(&P)>);

impl<F, P> fmt::Debug for InspectWith<F, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InspectWith").finish_non_exhaustive()
    }
}

impl<F: Send + 'static, P: 'static, R: Send + 'static> Message for InspectWith<F, P>
where
    F: FnOnce(&P) -> R,
{
    type Reply = R;
}

impl<P: Projection, F, R> Handler<InspectWith<F, P>> for Projector<P>
where
    F: FnOnce(&P) -> R + Send + 'static,
    R: Send + 'static,
{
    async fn handle(&mut self, InspectWith(f, _): InspectWith<F, P>, _ctx: &mut Context<Self>) -> R {
        f(&self.projection)
    }
}

impl<P> fmt::Debug for Projector<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Projector")
            .field("name", &self.name)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}
