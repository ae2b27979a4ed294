//! A look at a system's live actors from outside: what each one is, how
//! full its mailbox is, what it is handling and how much it has handled.
//! Read on demand (a lock of the actor table while its handles are
//! cloned, then a few atomic loads per actor); nothing is recorded for it
//! on the message path beyond the handled count.

use std::time::Duration;

use crate::id::ActorId;
use crate::mailbox::MailboxCapacity;
use crate::system::ActorSystem;
use crate::telemetry::short_type_name;

/// One live actor of a system, as [`ActorSystem::actors`] saw it.
///
/// The figures are read one after the other while the actor runs, so they
/// need not agree with each other to the message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActorInfo {
    /// The actor's id.
    pub id: ActorId,
    /// The name it was spawned with (a supervised child: its name under
    /// its supervisor).
    pub name: Option<String>,
    /// Its type, without the module path.
    pub actor_type: &'static str,
    /// Spawned by the system itself rather than by another actor.
    pub top_level: bool,
    /// Messages waiting in its mailbox, including any it has taken but not
    /// yet handled (`None` for an actor behind another crate's endpoint).
    pub mailbox_len: Option<usize>,
    /// How many messages its mailbox holds.
    pub mailbox_capacity: Option<MailboxCapacity>,
    /// Messages and events whose handler returned (a panic does not
    /// count), since it was spawned, across restarts.
    pub handled: Option<u64>,
    /// The type of the message it is handling (the full type name) and for
    /// how long, once the handler has had to wait: `None` while idle or
    /// while a handler runs without waiting.
    pub handling: Option<(&'static str, Duration)>,
}

impl ActorSystem {
    /// Every live actor of this system, oldest first.
    ///
    /// For tools that show a running system (`actor-observer`, a debug
    /// endpoint): the cost is one lock of the actor table while the
    /// handles are cloned, then a few atomic loads per actor, so call it
    /// every second or so, not per message.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use actor_core::prelude::*;
    /// use actor_core::MailboxCapacity;
    ///
    /// struct Counter;
    /// impl Actor for Counter {}
    /// struct Add;
    /// impl Message for Add { type Reply = (); }
    /// impl Handler<Add> for Counter {
    ///     async fn handle(&mut self, _: Add, _: &mut Context<Self>) {}
    /// }
    ///
    /// let system = ActorSystem::new();
    /// let counter = system.spawn_with(Counter, SpawnOptions::new().name("counter").capacity(8));
    /// counter.ask(Add).await?;
    /// let actors = system.actors();
    /// assert_eq!(actors.len(), 1);
    /// assert_eq!(actors[0].name.as_deref(), Some("counter"));
    /// assert_eq!(actors[0].actor_type, "Counter");
    /// assert_eq!(actors[0].mailbox_capacity, Some(MailboxCapacity::Bounded(8)));
    /// assert_eq!(actors[0].handled, Some(1));
    /// # Ok(()) }
    /// ```
    pub fn actors(&self) -> Vec<ActorInfo> {
        let mut endpoints = self.endpoints();
        endpoints.sort_unstable_by_key(|(actor, _)| actor.id().sequence());
        endpoints
            .into_iter()
            .map(|(actor, top_level)| ActorInfo {
                id: actor.id(),
                name: actor.name().map(str::to_owned),
                actor_type: short_type_name(actor.actor_type()),
                top_level,
                mailbox_len: actor.mailbox_len(),
                mailbox_capacity: actor.mailbox_capacity(),
                handled: actor.handled(),
                handling: actor.handling(),
            })
            .collect()
    }
}
