//! Panics inside actors: the runtime catches every one (and reports it as
//! an error trace and a `StopReason::Panicked`), but the process's panic
//! hook still runs first. [`silence_caught_panics`] quiets the hook for
//! those panics only.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::task::{Context as TaskContext, Poll};

use pin_project_lite::pin_project;

thread_local! {
    /// Set while this thread polls an actor's task.
    static IN_ACTOR: Cell<bool> = const { Cell::new(false) };
}

pin_project! {
    /// An actor's task: marks the thread as running an actor while it is
    /// polled, so the panic hook can tell an actor's (caught) panic apart.
    pub(crate) struct ActorTask<F> {
        #[pin]
        inner: F,
    }
}

impl<F> ActorTask<F> {
    pub(crate) fn new(inner: F) -> Self {
        ActorTask { inner }
    }
}

/// Set once [`silence_caught_panics`] has installed its hook: until then
/// polling an actor costs no thread-local write.
static HOOK_INSTALLED: AtomicBool = AtomicBool::new(false);

impl<F: Future> Future for ActorTask<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        if !HOOK_INSTALLED.load(Ordering::Relaxed) {
            return self.project().inner.poll(cx);
        }
        let _marked = Marked::enter();
        self.project().inner.poll(cx)
    }
}

/// Restores the thread's mark when the poll ends, however it ends.
struct Marked(bool);

impl Marked {
    fn enter() -> Self {
        Marked(IN_ACTOR.with(|mark| mark.replace(true)))
    }
}

impl Drop for Marked {
    fn drop(&mut self) {
        IN_ACTOR.with(|mark| mark.set(self.0));
    }
}

/// Keeps the process's panic hook quiet for panics inside actors, and only
/// for those.
///
/// A panic in a handler or hook is caught by the runtime: the actor stops
/// (or its supervisor restarts it) with
/// [`StopReason::Panicked`](crate::StopReason::Panicked), the panic's text
/// goes out as an error-level trace, and an asker gets
/// [`AskError::Failed`](crate::AskError::Failed) with it. Rust still runs
/// the panic hook first, so by default each such panic is also printed to
/// stderr (with a backtrace under `RUST_BACKTRACE=1`). This function
/// installs a hook that says nothing for a panic raised while an actor runs
/// and hands every other panic (in `main`, in plain tasks, in threads) to
/// the hook that was installed before, unchanged.
///
/// Call it once, early; later calls do nothing.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
///
/// struct Fragile;
/// impl Actor for Fragile {}
/// struct Poke;
/// impl Message for Poke { type Reply = (); }
/// impl Handler<Poke> for Fragile {
///     async fn handle(&mut self, _: Poke, _: &mut Context<Self>) { panic!("expected") }
/// }
///
/// actor_core::silence_caught_panics();
/// let system = ActorSystem::new();
/// let fragile = system.spawn(Fragile);
/// assert!(fragile.ask(Poke).await.is_err());   // nothing printed for this panic
/// # }
/// ```
pub fn silence_caught_panics() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_ACTOR.with(Cell::get) {
                previous(info);
            }
        }));
        HOOK_INSTALLED.store(true, Ordering::Relaxed);
    });
}
