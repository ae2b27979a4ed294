//! What the durable-facts tests share: the server's URL (or a skip), unique
//! names, a recording actor, and bounded waits.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::remote::RemoteMessage;
use actor_nats::Durable;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// `ACTOR_NATS_URL`, or `None` after printing the one line naming what
/// did not run.
pub fn nats_url(what: &str) -> Option<String> {
    match std::env::var("ACTOR_NATS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("ACTOR_NATS_URL not set: {what} not run");
            None
        }
    }
}

/// A fresh token for stream names and subject prefixes.
pub fn unique(what: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{what}_{hex}")
}

/// The fact the tests persist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Paid {
    pub order: u64,
    pub cents: u64,
}
impl Event for Paid {}
impl Message for Paid {
    type Reply = ();
}
impl RemoteMessage for Paid {
    const NAME: &'static str = "test.paid.v1";
}

/// What a recorder saw: (order, redelivered, stream_seq).
pub type Seen = Arc<Mutex<Vec<(u64, u64, u64)>>>;

/// Records every durable fact; panics on the first delivery of the order
/// in `fail_once` (restarted by its supervisor, or not).
pub struct Recorder {
    pub seen: Seen,
    pub fail_once: Option<u64>,
    pub slow: Option<Duration>,
}
impl Actor for Recorder {}
impl Handler<Durable<Paid>> for Recorder {
    async fn handle(&mut self, d: Durable<Paid>, _ctx: &mut Context<Self>) {
        if let Some(slow) = self.slow {
            tokio::time::sleep(slow).await;
        }
        self.seen.lock().push((d.fact.order, d.redelivered, d.stream_seq));
        if self.fail_once == Some(d.fact.order) && d.redelivered == 0 {
            panic!("the handler of order {} fails once", d.fact.order);
        }
    }
}

/// Waits (at most `limit`) until `done` holds; false if it never did.
pub async fn until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while !done() {
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

pub fn orders(seen: &Seen) -> Vec<u64> {
    seen.lock().iter().map(|s| s.0).collect()
}
