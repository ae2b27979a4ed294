//! Facts shared across the cluster: the table of fact types this node
//! shares (by wire name, with the decoder that republishes them here), and
//! the mark that keeps a fact that came from another node from being sent
//! on again.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use actor_core::remote::RemoteMessage;
use actor_core::{ActorSystem, Event};
use parking_lot::RwLock;

use crate::codec::{Codec, CodecError};

type Republish = Arc<dyn Fn(&ActorSystem, &[u8]) -> Result<(), CodecError> + Send + Sync>;

/// The fact types this node shares, by wire name.
#[derive(Default)]
pub(crate) struct SharedEvents {
    types: RwLock<HashMap<&'static str, Republish>>,
}

thread_local! {
    /// Set while a fact from another node is published here: the
    /// forwarder's subscription filters it out (it runs on the publisher's
    /// thread, inside `publish`).
    static FROM_ANOTHER_NODE: Cell<bool> = const { Cell::new(false) };
}

/// True while a fact from another node is being published on this thread.
pub(crate) fn from_another_node() -> bool {
    FROM_ANOTHER_NODE.with(Cell::get)
}

impl SharedEvents {
    /// Shares `E` (decoded with `codec`); false if it was shared already.
    pub(crate) fn register<E: Event + RemoteMessage, C: Codec>(&self, codec: C) -> bool {
        let mut types = self.types.write();
        if types.contains_key(E::NAME) {
            return false;
        }
        let republish: Republish = Arc::new(move |system: &ActorSystem, payload: &[u8]| {
            let fact: E = codec.decode(payload)?;
            FROM_ANOTHER_NODE.with(|mark| mark.set(true));
            system.events().publish(fact);
            FROM_ANOTHER_NODE.with(|mark| mark.set(false));
            Ok(())
        });
        types.insert(E::NAME, republish);
        true
    }

    /// Publishes here a fact another node shared; a fact type this node
    /// does not share is ignored (the nodes of a cluster may share
    /// different types).
    pub(crate) fn republish(
        &self,
        system: &ActorSystem,
        name: &str,
        payload: &[u8],
    ) -> Result<(), CodecError> {
        let republish = self.types.read().get(name).cloned();
        match republish {
            Some(republish) => republish(system, payload),
            None => {
                tracing::debug!(event = name, "a shared fact of a type this node does not share");
                Ok(())
            }
        }
    }
}
