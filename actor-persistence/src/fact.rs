//! Versioned facts: the stable name and version each persisted fact carries,
//! and the upcasters that turn an old version into the current one.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::journal::StoredFact;

/// A fact an event-sourced actor persists: "this happened".
///
/// Each value has a stable [`name`](Fact::name) (keep it when the Rust type
/// is renamed or moved) and the type has a [`VERSION`](Fact::VERSION): bump
/// it when the stored shape changes incompatibly, and register an
/// [`Upcasters`] entry that turns the old version into the current type.
/// Facts are stored as JSON, so adding a field with `#[serde(default)]`
/// needs no new version.
///
/// ```
/// use actor_persistence::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, Serialize, Deserialize)]
/// enum AccountFact {
///     Deposited { cents: u64 },
///     Withdrawn { cents: u64 },
/// }
///
/// impl Fact for AccountFact {
///     fn name(&self) -> &'static str {
///         match self {
///             AccountFact::Deposited { .. } => "bank.deposited",
///             AccountFact::Withdrawn { .. } => "bank.withdrawn",
///         }
///     }
///     fn tags(&self) -> &'static [&'static str] { &["account"] }
/// }
/// assert_eq!(AccountFact::VERSION, 1);
/// assert_eq!(AccountFact::Deposited { cents: 5 }.name(), "bank.deposited");
/// ```
pub trait Fact: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The version written with every new fact of this type (default 1).
    const VERSION: u32 = 1;

    /// The stable name stored with this fact; projections select by it.
    fn name(&self) -> &'static str;

    /// Tags stored with this fact; projections may select by tag.
    fn tags(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Why a stored fact (or snapshot) could not be turned into its type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Stored with a version newer than this build knows, or an old version
    /// that has no upcaster.
    #[error("no upcaster for `{name}` version {version} (current version is {current})")]
    UnknownVersion {
        /// The stored name.
        name: String,
        /// The stored version.
        version: u32,
        /// The version this build writes.
        current: u32,
    },
    /// The payload did not parse as the expected type.
    #[error("payload of `{name}` version {version} does not parse")]
    Payload {
        /// The stored name.
        name: String,
        /// The stored version.
        version: u32,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
}

type Upcast<F> = Arc<dyn Fn(&[u8]) -> Result<F, serde_json::Error> + Send + Sync>;

/// Upcasters for a fact type: for each old `(name, version)`, how to read
/// it as the current type. Decoding goes through [`decode`](Self::decode).
///
/// ```
/// use actor_persistence::prelude::*;
/// use actor_persistence::journal::StoredFact;
/// use serde::{Deserialize, Serialize};
///
/// // Version 1 stored whole units; version 2 stores cents.
/// #[derive(Deserialize)]
/// struct DepositedV1 { units: u64 }
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// struct Deposited { cents: u64 }
/// impl Fact for Deposited {
///     const VERSION: u32 = 2;
///     fn name(&self) -> &'static str { "bank.deposited" }
/// }
///
/// let upcasters = Upcasters::new()
///     .upcast("bank.deposited", 1, |old: DepositedV1| Deposited { cents: old.units * 100 });
/// let old = StoredFact::for_test("acct-1", 1, "bank.deposited", 1, br#"{"units":3}"#);
/// assert_eq!(upcasters.decode(&old).unwrap(), Deposited { cents: 300 });
/// let new = StoredFact::for_test("acct-1", 2, "bank.deposited", 2, br#"{"cents":7}"#);
/// assert_eq!(upcasters.decode(&new).unwrap(), Deposited { cents: 7 });
/// let future = StoredFact::for_test("acct-1", 3, "bank.deposited", 3, br#"{}"#);
/// assert!(upcasters.decode(&future).is_err());
/// ```
pub struct Upcasters<F> {
    by_version: HashMap<(String, u32), Upcast<F>>,
}

impl<F: Fact> Upcasters<F> {
    /// No upcasters: only the current version decodes.
    pub fn new() -> Self {
        Upcasters { by_version: HashMap::new() }
    }

    /// Reads facts stored as `name` at `version` as `Old`, then turns them
    /// into the current type with `upcast`.
    pub fn upcast<Old, U>(mut self, name: &str, version: u32, upcast: U) -> Self
    where
        Old: DeserializeOwned,
        U: Fn(Old) -> F + Send + Sync + 'static,
    {
        let read = move |bytes: &[u8]| serde_json::from_slice::<Old>(bytes).map(&upcast);
        self.by_version.insert((name.to_owned(), version), Arc::new(read));
        self
    }

    /// Decodes a stored fact: the current version directly, an older one
    /// through its upcaster.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnknownVersion`] when the version is not current and
    /// has no upcaster; [`DecodeError::Payload`] when the bytes do not parse.
    pub fn decode(&self, stored: &StoredFact) -> Result<F, DecodeError> {
        let payload_error =
            |source| DecodeError::Payload { name: stored.name.to_string(), version: stored.version, source };
        if stored.version == F::VERSION {
            return serde_json::from_slice(&stored.payload).map_err(payload_error);
        }
        match self.by_version.get(&(stored.name.to_string(), stored.version)) {
            Some(upcast) => upcast(&stored.payload).map_err(payload_error),
            None => Err(DecodeError::UnknownVersion {
                name: stored.name.to_string(),
                version: stored.version,
                current: F::VERSION,
            }),
        }
    }
}

impl<F: Fact> Default for Upcasters<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F> Clone for Upcasters<F> {
    fn clone(&self) -> Self {
        Upcasters { by_version: self.by_version.clone() }
    }
}

impl<F> fmt::Debug for Upcasters<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.by_version.keys()).finish()
    }
}
