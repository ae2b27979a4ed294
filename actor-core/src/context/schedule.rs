//! Work an actor starts from its context that outlives one handler: timers,
//! streams, deferred replies. All of it ends when the actor stops.

use std::future::Future;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use tokio::task::AbortHandle;
use tokio::time::MissedTickBehavior;

use super::Context;
use crate::actor::Actor;
use crate::message::{Handler, Message};
use crate::reply::Deferred;

/// A handle to background work started from a [`Context`]: a timer, an
/// interval or a stream. The work also ends when the actor stops.
#[derive(Debug)]
pub struct TaskHandle {
    abort: AbortHandle,
}

impl TaskHandle {
    /// Stops the work; a message not yet sent is not sent.
    pub fn cancel(&self) {
        self.abort.abort();
    }

    /// True once the work has ended (done, cancelled, or the actor stopped).
    pub fn is_finished(&self) -> bool {
        self.abort.is_finished()
    }
}

impl<A: Actor> Context<A> {
    /// Sends `msg` to this actor after `delay`, unless cancelled or the
    /// actor stops first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// use actor_core::prelude::*;
    /// use std::time::Duration;
    ///
    /// struct Reminder;
    /// struct Ring;
    /// impl Message for Ring { type Reply = (); }
    /// impl Actor for Reminder {
    ///     async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
    ///         ctx.send_after(Ring, Duration::from_secs(30));
    ///         Ok(())
    ///     }
    /// }
    /// impl Handler<Ring> for Reminder {
    ///     async fn handle(&mut self, _: Ring, ctx: &mut Context<Self>) { ctx.stop() }
    /// }
    ///
    /// let system = ActorSystem::new();
    /// let r = system.spawn(Reminder);
    /// assert_eq!(r.wait_for_stop().await, StopReason::Normal); // 30 s of paused time
    /// # }
    /// ```
    pub fn send_after<M>(&mut self, msg: M, delay: Duration) -> TaskHandle
    where
        A: Handler<M>,
        M: Message,
    {
        let me = self.myself().clone();
        self.spawn_tied(async move {
            tokio::time::sleep(delay).await;
            let _ = me.tell(msg).await;
        })
    }

    /// Sends `make()` to this actor every `period`, the first one `period`
    /// from now, until cancelled or the actor stops. When the mailbox is
    /// full the next tick waits (back-pressure) and missed ticks are not
    /// bunched up afterwards.
    pub fn interval<M, F>(&mut self, period: Duration, mut make: F) -> TaskHandle
    where
        A: Handler<M>,
        M: Message,
        F: FnMut() -> M + Send + 'static,
    {
        let me = self.myself().clone();
        self.spawn_tied(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if me.tell(make()).await.is_err() {
                    break;
                }
            }
        })
    }

    /// Feeds every item of `stream` to this actor as a message, in order,
    /// with back-pressure (the stream is not polled while the mailbox is
    /// full). Ends with the stream, on [`TaskHandle::cancel`], or when the
    /// actor stops. To be told when the stream ends, use
    /// [`add_stream_with_end`](Self::add_stream_with_end).
    pub fn add_stream<S>(&mut self, stream: S) -> TaskHandle
    where
        S: Stream + Send + 'static,
        S::Item: Message,
        A: Handler<S::Item>,
    {
        let me = self.myself().clone();
        self.spawn_tied(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(item) = stream.next().await {
                if me.tell(item).await.is_err() {
                    return;
                }
            }
        })
    }

    /// Like [`add_stream`](Self::add_stream), then sends `end` after the
    /// last item, so the actor sees the end of the stream in order.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), actor_core::AskError> {
    /// use actor_core::prelude::*;
    ///
    /// #[derive(Default)]
    /// struct Summer { sum: u64 }
    /// struct Item(u64);
    /// impl Message for Item { type Reply = (); }
    /// struct Done;
    /// impl Message for Done { type Reply = (); }
    /// impl Actor for Summer {
    ///     async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
    ///         ctx.add_stream_with_end(futures_util::stream::iter((1..=4).map(Item)), Done);
    ///         Ok(())
    ///     }
    /// }
    /// impl Handler<Item> for Summer {
    ///     async fn handle(&mut self, m: Item, _: &mut Context<Self>) { self.sum += m.0 }
    /// }
    /// impl Handler<Done> for Summer {
    ///     async fn handle(&mut self, _: Done, ctx: &mut Context<Self>) {
    ///         assert_eq!(self.sum, 10);
    ///         ctx.stop();
    ///     }
    /// }
    /// let system = ActorSystem::new();
    /// let s = system.spawn(Summer::default());
    /// assert_eq!(s.wait_for_stop().await, StopReason::Normal);
    /// # Ok(()) }
    /// ```
    pub fn add_stream_with_end<S, E>(&mut self, stream: S, end: E) -> TaskHandle
    where
        S: Stream + Send + 'static,
        S::Item: Message,
        E: Message,
        A: Handler<S::Item> + Handler<E>,
    {
        let me = self.myself().clone();
        self.spawn_tied(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(item) = stream.next().await {
                if me.tell(item).await.is_err() {
                    return;
                }
            }
            let _ = me.tell(end).await;
        })
    }

    /// Runs `work` outside the actor and returns a [`Deferred`] reply that
    /// resolves with its output: the handler returns at once, the mailbox
    /// keeps moving, and the asker gets the value when `work` finishes. If
    /// the actor stops first, `work` is dropped and the asker gets
    /// [`AskError::Stopped`](crate::AskError::Stopped).
    ///
    /// `work` cannot borrow the actor; clone what it needs, and send
    /// results back to [`myself`](Self::myself) if the state must change.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), actor_core::AskError> {
    /// use actor_core::prelude::*;
    ///
    /// struct Cache;
    /// impl Actor for Cache {}
    /// struct Fetch(u32);
    /// impl Message for Fetch { type Reply = Deferred<String>; }
    /// impl Handler<Fetch> for Cache {
    ///     async fn handle(&mut self, msg: Fetch, ctx: &mut Context<Self>) -> Deferred<String> {
    ///         ctx.defer(async move {
    ///             tokio::task::yield_now().await;      // slow work, off the mailbox
    ///             format!("item {}", msg.0)
    ///         })
    ///     }
    /// }
    /// let system = ActorSystem::new();
    /// let cache = system.spawn(Cache);
    /// let pending = cache.ask(Fetch(7)).await?;       // the actor has answered "later"
    /// assert_eq!(pending.await?, "item 7");           // ... and here is the value
    /// # system.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn defer<T, F>(&mut self, work: F) -> Deferred<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let (reply_to, deferred) = Deferred::channel();
        self.spawn_tied(async move {
            let _ = reply_to.send(work.await);
        });
        deferred
    }

    /// Spawns `work`, cancelled when the actor stops.
    pub(crate) fn spawn_tied(&mut self, work: impl Future<Output = ()> + Send + 'static) -> TaskHandle {
        let stopped = self.lifecycle();
        let task = tokio::spawn(async move {
            tokio::select! {
                biased;
                () = stopped.cancelled() => {}
                () = work => {}
            }
        });
        TaskHandle { abort: task.abort_handle() }
    }
}
