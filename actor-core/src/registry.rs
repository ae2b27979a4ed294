//! Per-system names for actors.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::runtime::cell::AnyActor;
use crate::ActorId;

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

#[derive(Default)]
pub(crate) struct Registry {
    names: RwLock<HashMap<String, Arc<dyn AnyActor>>>,
}

impl Registry {
    pub(crate) fn register(&self, name: String, actor: Arc<dyn AnyActor>) -> Result<(), RegisterError> {
        let mut names = self.names.write();
        if let Some(holder) = names.get(&name) {
            if holder.shared().is_alive() {
                return Err(RegisterError::NameTaken { name, holder: holder.shared().id });
            }
        }
        if !actor.shared().mark_registered() {
            return Err(RegisterError::Stopped(actor.shared().id));
        }
        names.insert(name, actor);
        Ok(())
    }

    pub(crate) fn lookup(&self, name: &str) -> Result<Arc<dyn AnyActor>, crate::LookupError> {
        match self.names.read().get(name) {
            Some(actor) if actor.shared().is_alive() => Ok(actor.clone()),
            _ => Err(LookupError::NotFound(name.to_owned())),
        }
    }

    pub(crate) fn unregister(&self, name: &str) -> bool {
        self.names.write().remove(name).is_some()
    }

    /// Drops every name of a stopped actor.
    pub(crate) fn remove_actor(&self, id: ActorId) {
        self.names.write().retain(|_, actor| actor.shared().id != id);
    }
}
