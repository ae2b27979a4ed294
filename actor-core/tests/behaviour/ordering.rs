//! Per-sender FIFO with zero loss under concurrent senders on a
//! multi-threaded runtime, with and without back-pressure.

use actor_core::prelude::*;

const SENDERS: usize = 8;
const PER_SENDER: u64 = 10_000;

/// Records, per sender, the last sequence number seen, and counts any
/// number that is not exactly one more than the previous.
struct Sequencer {
    next: [u64; SENDERS],
    received: u64,
    out_of_order: u64,
}

impl Sequencer {
    fn new() -> Self {
        Sequencer { next: [0; SENDERS], received: 0, out_of_order: 0 }
    }
}

impl Actor for Sequencer {}

struct Seq {
    sender: usize,
    n: u64,
}
impl Message for Seq {
    type Reply = u64;
}
impl Handler<Seq> for Sequencer {
    async fn handle(&mut self, msg: Seq, _ctx: &mut Context<Self>) -> u64 {
        // Strictly increasing and gap-free: anything else is reordering or loss.
        if msg.n != self.next[msg.sender] {
            self.out_of_order += 1;
        }
        self.next[msg.sender] = msg.n + 1;
        self.received += 1;
        msg.n
    }
}

#[derive(Debug, PartialEq)]
struct Tally {
    received: u64,
    out_of_order: u64,
    next: [u64; SENDERS],
}

struct Report;
impl Message for Report {
    type Reply = Tally;
}
impl Handler<Report> for Sequencer {
    async fn handle(&mut self, _: Report, _ctx: &mut Context<Self>) -> Tally {
        Tally { received: self.received, out_of_order: self.out_of_order, next: self.next }
    }
}

fn complete() -> Tally {
    Tally { received: SENDERS as u64 * PER_SENDER, out_of_order: 0, next: [PER_SENDER; SENDERS] }
}

/// Runs `SENDERS` concurrent tasks, each sending `PER_SENDER` numbered
/// messages with `send`, and returns the actor's tally.
async fn run_senders<F, Fut>(actor: &ActorRef<Sequencer>, send: F) -> Tally
where
    F: Fn(ActorRef<Sequencer>, Seq) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let tasks: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let (actor, send) = (actor.clone(), send.clone());
            tokio::spawn(async move {
                for n in 0..PER_SENDER {
                    send(actor.clone(), Seq { sender, n }).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("sender task");
    }
    actor.ask(Report).await.expect("actor alive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tell_keeps_per_sender_order_and_loses_nothing() {
    let system = ActorSystem::new();
    let actor = system.spawn(Sequencer::new());
    let tally = run_senders(&actor, |a, m| async move { a.tell(m).await.unwrap() }).await;
    assert_eq!(tally, complete());
    assert_eq!(system.dead_letter_count(), 0);
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_holds_when_senders_keep_waiting_for_a_tiny_mailbox() {
    let system = ActorSystem::new();
    let actor = system.spawn_with(Sequencer::new(), SpawnOptions::new().capacity(4));
    let tally = run_senders(&actor, |a, m| async move {
        // Mix asks in: they share the mailbox, so they keep the order too.
        if m.n % 100 == 99 {
            let n = m.n;
            assert_eq!(a.ask(m).await, Ok(n));
        } else {
            a.tell(m).await.unwrap();
        }
    })
    .await;
    assert_eq!(tally, complete());
    system.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_holds_through_recipients_and_try_tell_retries() {
    let system = ActorSystem::new();
    let actor = system.spawn_with(Sequencer::new(), SpawnOptions::new().capacity(16));
    let tally = run_senders(&actor, |a, m| async move {
        let recipient: Recipient<Seq> = a.recipient();
        if m.sender % 2 == 0 {
            recipient.tell(m).await.unwrap();
        } else {
            // A full mailbox hands the message back; retry until it gets in.
            let mut msg = m;
            loop {
                match recipient.try_tell(msg) {
                    Ok(()) => break,
                    Err(SendError::Full(back)) => {
                        msg = back;
                        tokio::task::yield_now().await;
                    }
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
        }
    })
    .await;
    assert_eq!(tally, complete());
    system.shutdown().await;
}
