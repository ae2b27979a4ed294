//! Event-sourced actors for actor-core: state kept as the sequence of
//! facts that produced it, and read models built from those facts apart
//! from the write side.
//!
//! * [`EventSourced`]: a command handler that validates and returns facts
//!   (or a rejection), and an `apply` that is the only state change.
//! * [`EventSourcedActor`]: runs one as an ordinary actor (one task):
//!   persist, then reply, then publish [`Persisted`] facts on the event
//!   stream; replay on every start, from the latest snapshot.
//! * [`journal`]: the [`Journal`](journal::Journal) and
//!   [`SnapshotStore`](journal::SnapshotStore) traits, with in-memory,
//!   SQLite and PostgreSQL backends; optimistic concurrency per
//!   persistence id.
//! * [`Fact`] and [`Upcasters`]: every stored fact has a stable name and
//!   a version; old versions are upcast on replay, and one that cannot be
//!   decoded stops the actor ([`ReplayError`]).
//! * [`projection`]: the read side, following the journal from a stored
//!   offset.
//!
//! The guide, with a complete example: `docs/event-sourcing.md` in the
//! repository.
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `sqlite` | yes | [`SqliteJournal`](journal::SqliteJournal) (rusqlite, SQLite compiled in) |
//! | `postgres` | no | `PostgresJournal` (tokio-postgres) |
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings), allow(dead_code))))]

// Layers, bottom up: journal (rows and stores) <- fact (names, versions,
// upcasting) <- runtime (the event-sourced actor) and projection (the read
// side); neither of the last two imports the other.
mod fact;
pub mod journal;
pub mod projection;
mod runtime;

#[doc(inline)]
pub use fact::{DecodeError, Fact, Upcasters};
#[doc(inline)]
pub use runtime::{
    CommandError, EventSourced, EventSourcedActor, EventSourcedRef, Execute, Persisted, Persistence, Read,
    ReplayError, Retention,
};

/// Everything an event-sourced module usually needs, with actor-core's
/// prelude: `use actor_persistence::prelude::*;`.
pub mod prelude {
    pub use actor_core::prelude::*;

    #[cfg(feature = "sqlite")]
    pub use crate::journal::SqliteJournal;
    pub use crate::journal::{InMemoryJournal, JournalError};
    pub use crate::projection::{Projection, ProjectionRef, Projector};
    pub use crate::{
        CommandError, EventSourced, EventSourcedActor, EventSourcedRef, Fact, Persisted, Persistence,
        Retention, Upcasters,
    };
}
