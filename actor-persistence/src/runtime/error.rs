//! What a command's caller and a failed start see.

use std::sync::Arc;

use actor_core::AskError;

use crate::fact::DecodeError;
use crate::journal::JournalError;

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError<R> {
    /// [`EventSourced::handle`](crate::EventSourced::handle) refused it;
    /// nothing was persisted.
    #[error("command rejected")]
    Rejected(R),
    /// A fact did not encode; nothing was persisted or applied.
    #[error("a fact did not encode")]
    Encode(#[source] Arc<serde_json::Error>),
    /// The journal failed while persisting this command's batch (or an
    /// earlier one it depended on). The actor stops; its facts may or may
    /// not have been kept, which the restarted actor's replay tells.
    #[error("the journal failed")]
    Journal(#[source] Arc<JournalError>),
    /// The actor is not running, or stopped before answering.
    #[error("the actor is unavailable")]
    Unavailable(#[source] AskError),
}

/// Why an event-sourced actor could not rebuild its state on start; it
/// stops with [`StopReason::StartFailed`](actor_core::StopReason::StartFailed)
/// carrying this error (reach it with `downcast_ref` on the
/// [`ActorError`](actor_core::ActorError)'s source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A stored fact did not decode: the actor stops rather than skip it.
    #[error(
        "cannot replay `{persistence_id}`: fact {sequence} (`{name}` version {version}) does not decode"
    )]
    Undecodable {
        /// The actor.
        persistence_id: String,
        /// The fact's sequence number.
        sequence: u64,
        /// Its stored name.
        name: String,
        /// Its stored version.
        version: u32,
        /// Why.
        #[source]
        source: DecodeError,
    },
    /// The history has a hole (facts pruned without a usable snapshot).
    #[error("cannot replay `{persistence_id}`: expected fact {expected}, the journal has {found}")]
    Gap {
        /// The actor.
        persistence_id: String,
        /// The sequence number expected next.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// The journal or snapshot store failed.
    #[error("cannot replay `{persistence_id}`: the store failed")]
    Store {
        /// The actor.
        persistence_id: String,
        /// Why.
        #[source]
        source: JournalError,
    },
}
