//! Handler futures of every size: those that fit the actor task's inline
//! slot and those that do not (boxed once per message) behave the same,
//! for tells, asks, events, and kills in the middle of an await.

use std::time::Duration;

use actor_core::prelude::*;
use tokio::sync::{oneshot, Notify};

/// Holds `N` words across an await, so its handler future is larger than
/// `N * 8` bytes: far larger than the inline slot for the big sizes.
#[derive(Default)]
struct Holder<const N: usize> {
    total: u64,
}
impl<const N: usize> Actor for Holder<N> {}

struct Add(u64);
impl Message for Add {
    type Reply = u64;
}

impl<const N: usize> Handler<Add> for Holder<N> {
    async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
        let held = [msg.0; N];
        tokio::task::yield_now().await;
        self.total += held.iter().sum::<u64>() / N as u64;
        self.total
    }
}

#[derive(Clone)]
struct Tick(u64);
impl Event for Tick {}
impl Message for Tick {
    type Reply = ();
}

impl<const N: usize> Handler<Tick> for Holder<N> {
    async fn handle(&mut self, tick: Tick, _ctx: &mut Context<Self>) {
        let held = [tick.0; N];
        tokio::task::yield_now().await;
        self.total += held[N - 1];
    }
}

async fn tells_and_asks_add_up<const N: usize>() {
    let system = ActorSystem::new();
    let holder = system.spawn(Holder::<N>::default());
    for i in 1..=100 {
        holder.tell(Add(i)).await.unwrap();
    }
    assert_eq!(holder.ask(Add(0)).await, Ok(5050), "handler futures of {N} words");
    system.shutdown().await;
}

#[tokio::test]
async fn small_handler_futures_run_inline() {
    tells_and_asks_add_up::<1>().await;
    tells_and_asks_add_up::<8>().await;
}

#[tokio::test]
async fn handler_futures_around_the_inline_size_work() {
    tells_and_asks_add_up::<10>().await;
    tells_and_asks_add_up::<11>().await;
    tells_and_asks_add_up::<12>().await;
    tells_and_asks_add_up::<13>().await;
    tells_and_asks_add_up::<14>().await;
    tells_and_asks_add_up::<15>().await;
    tells_and_asks_add_up::<16>().await;
}

#[tokio::test]
async fn large_handler_futures_are_boxed_and_work_the_same() {
    tells_and_asks_add_up::<64>().await;
    tells_and_asks_add_up::<1024>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_handler_futures_work_across_threads() {
    tells_and_asks_add_up::<256>().await;
}

#[tokio::test]
async fn large_event_handler_futures_work() {
    let system = ActorSystem::new();
    let holder = system.spawn(Holder::<256>::default());
    // Subscribed once the actor has handled a message after subscribing.
    struct Subscribe;
    impl Message for Subscribe {
        type Reply = ();
    }
    impl Handler<Subscribe> for Holder<256> {
        async fn handle(&mut self, _: Subscribe, ctx: &mut Context<Self>) {
            ctx.subscribe::<Tick>();
        }
    }
    holder.ask(Subscribe).await.unwrap();
    holder.ask(Add(0)).await.unwrap();
    let events = system.events();
    for i in 1..=10 {
        events.publish(Tick(i));
    }
    // Events and messages are served alternately; wait until all ten ran.
    let mut total = 0;
    for _ in 0..1000 {
        total = holder.ask(Add(0)).await.unwrap();
        if total == 55 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(total, 55);
    system.shutdown().await;
}

/// A handler that holds a large array while it waits for a signal that
/// never comes.
struct Stuck;
impl Actor for Stuck {}

struct Wait(Option<oneshot::Sender<()>>);
impl Message for Wait {
    type Reply = u64;
}

impl Handler<Wait> for Stuck {
    async fn handle(&mut self, msg: Wait, _ctx: &mut Context<Self>) -> u64 {
        let held = [7u64; 512];
        if let Some(entered) = msg.0 {
            let _ = entered.send(());
        }
        Notify::new().notified().await;
        held.iter().sum()
    }
}

#[tokio::test]
async fn a_kill_ends_a_large_boxed_handler_mid_await_and_the_asker_hears() {
    let system = ActorSystem::new();
    let (entered, was_entered) = oneshot::channel();
    let stuck = system.spawn(Stuck);
    let asking = {
        let stuck = stuck.clone();
        tokio::spawn(async move { stuck.ask(Wait(Some(entered))).await })
    };
    was_entered.await.unwrap();
    stuck.kill();
    assert_eq!(stuck.wait_for_stop().await, StopReason::Killed);
    let answer = tokio::time::timeout(Duration::from_secs(10), asking).await.unwrap().unwrap();
    assert_eq!(answer, Err(AskError::Failed(StopReason::Killed)));
    drop(stuck);
    system.shutdown().await;
}
