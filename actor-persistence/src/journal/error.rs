//! The journal's error.

use std::error::Error as StdError;

/// A journal, snapshot or offset store call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Another writer appended to this persistence id first: the history
    /// does not end where the writer expected. Nothing was written.
    #[error("sequence conflict on `{persistence_id}`: expected to append after {expected}, the journal is at {actual}")]
    Conflict {
        /// The persistence id.
        persistence_id: String,
        /// Where the writer expected the history to end.
        expected: u64,
        /// Where it ends.
        actual: u64,
    },
    /// The store failed (I/O, database, connection, injected fault).
    #[error("journal store failed: {context}")]
    Backend {
        /// What was being done.
        context: String,
        /// The store's error.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
}

impl JournalError {
    /// A store failure while doing `context`.
    pub fn backend(
        context: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        JournalError::Backend { context: context.into(), source: source.into() }
    }
}
