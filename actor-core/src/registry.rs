//! Per-system names for actors: the store, and its errors. The typed
//! `register` and `lookup` on `ActorSystem` live with the addresses.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::endpoint::Endpoint;
use crate::id::ActorId;

/// Why [`ActorSystem::register`](crate::ActorSystem::register) refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// Another live actor holds the name.
    #[error("name `{name}` is already registered to actor {holder}")]
    NameTaken {
        /// The name asked for.
        name: String,
        /// The actor holding it.
        holder: ActorId,
    },
    /// The actor has already stopped.
    #[error("actor {0} has stopped and cannot be registered")]
    Stopped(ActorId),
    /// The name is empty.
    #[error("an actor cannot be registered under an empty name")]
    EmptyName,
}

/// Why [`ActorSystem::lookup`](crate::ActorSystem::lookup) found nothing usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// No live actor is registered under the name.
    #[error("no actor registered as `{0}`")]
    NotFound(String),
    /// The actor under the name is of another type.
    #[error("actor `{name}` is a `{found}`, not a `{expected}`")]
    WrongType {
        /// The name looked up.
        name: String,
        /// The type asked for.
        expected: &'static str,
        /// The type registered.
        found: &'static str,
    },
}

/// Names to endpoints. A stopped actor's names are removed when it stops
/// (local actors) or treated as absent (any endpoint that is not alive).
#[derive(Default)]
pub(crate) struct Registry {
    names: RwLock<HashMap<String, Arc<dyn Endpoint>>>,
}

impl Registry {
    /// Registers `actor` under `name`. `mark` runs under the registry's
    /// lock and returns whether the actor is still alive (a local cell
    /// records there that it must clean its names up when it stops).
    pub(crate) fn register(
        &self,
        name: String,
        actor: Arc<dyn Endpoint>,
        mark: impl FnOnce() -> bool,
    ) -> Result<(), RegisterError> {
        if name.is_empty() {
            return Err(RegisterError::EmptyName);
        }
        let mut names = self.names.write();
        if let Some(holder) = names.get(&name) {
            // The same actor again under the same name: already done.
            if holder.id() == actor.id() && holder.is_alive() {
                return Ok(());
            }
            if holder.is_alive() {
                return Err(RegisterError::NameTaken { name, holder: holder.id() });
            }
        }
        if !mark() {
            return Err(RegisterError::Stopped(actor.id()));
        }
        names.insert(name, actor);
        Ok(())
    }

    pub(crate) fn lookup(&self, name: &str) -> Result<Arc<dyn Endpoint>, LookupError> {
        match self.names.read().get(name) {
            Some(actor) if actor.is_alive() => Ok(actor.clone()),
            _ => Err(LookupError::NotFound(name.to_owned())),
        }
    }

    pub(crate) fn unregister(&self, name: &str) -> bool {
        self.names.write().remove(name).is_some()
    }

    /// Drops every name of a stopped actor.
    pub(crate) fn remove_actor(&self, id: ActorId) {
        self.names.write().retain(|_, actor| actor.id() != id);
    }
}
