//! The read side: a [`Projection`] turns facts into a read model, and a
//! [`Projector`] actor feeds it from the journal, in offset order, from a
//! stored offset.
//!
//! Delivery is at least once: the offset is stored after each batch the
//! projection handled, so after a crash the facts since the last stored
//! offset come again. Make the read model idempotent (each fact carries
//! its [`offset`](crate::journal::StoredFact::offset); keep the highest one
//! applied beside the data, in the same transaction).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use actor_persistence::journal::{Journal, NewFact, StoredFact};
//! use actor_persistence::projection::ProjectionError;
//! use actor_persistence::prelude::*;
//!
//! /// Counts the facts named `hello`.
//! #[derive(Default)]
//! struct Hellos { seen: u64 }
//! impl Projection for Hellos {
//!     async fn handle(&mut self, facts: &[StoredFact]) -> Result<(), ProjectionError> {
//!         self.seen += facts.len() as u64;
//!         Ok(())
//!     }
//!     async fn reset(&mut self) -> Result<(), ProjectionError> {
//!         self.seen = 0;
//!         Ok(())
//!     }
//! }
//!
//! let journal = InMemoryJournal::new();
//! let fact = |name| NewFact { name, version: 1, tags: &[], payload: b"{}".to_vec() };
//! journal.append("a", 0, vec![fact("hello"), fact("bye"), fact("hello")]).await?;
//!
//! let system = ActorSystem::new();
//! let hellos = Projector::new("hellos", Hellos::default(), journal.clone()).names(&["hello"]).spawn(&system);
//! assert_eq!(hellos.wait_for(3).await?, 3);           // offset 3 processed
//! assert_eq!(hellos.inspect(|h| h.seen).await?, 2);
//! assert_eq!(hellos.rebuild().await?, 3);             // from zero again
//! assert_eq!(hellos.inspect(|h| h.seen).await?, 2);
//! # system.shutdown().await;
//! # Ok(()) }
//! ```

mod projector;

use std::error::Error as StdError;
use std::future::Future;

use crate::journal::StoredFact;

pub use projector::{ProjectionRef, Projector, Rebuild, WaitFor};

/// What a projection's `handle` or `reset` may fail with: any error.
pub type ProjectionError = Box<dyn StdError + Send + Sync + 'static>;

/// A read model fed by the journal.
pub trait Projection: Send + 'static {
    /// Applies `facts` (those the [`Projector`] selects, in offset order,
    /// never empty) to the read model. A batch may come again after a
    /// crash.
    ///
    /// # Errors
    ///
    /// Any error stops the projector (abnormally, so a supervisor restarts
    /// it from the stored offset).
    fn handle(&mut self, facts: &[StoredFact]) -> impl Future<Output = Result<(), ProjectionError>> + Send;

    /// Empties the read model, before a rebuild from offset 0.
    ///
    /// # Errors
    ///
    /// As for [`handle`](Self::handle).
    fn reset(&mut self) -> impl Future<Output = Result<(), ProjectionError>> + Send;
}
