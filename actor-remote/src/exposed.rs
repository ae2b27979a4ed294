//! The actors this node exposes: by name (for lookups) and by number (for
//! the frames that address them), each with the decoders of the remote
//! messages it handles.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use actor_core::dev::{AnyMessage, AnyReply, Endpoint};
use actor_core::events::DeadLetter;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_core::{ActorId, ActorRef, ActorSystem, AskError, Handler, SendError};
use bytes::Bytes;
use parking_lot::RwLock;

use crate::codec::Codec;
use crate::error::ExposeError;
use crate::peer::{Deliver, ReplyRoute};
use crate::wire::envelope::{Failure, Header};

/// One exposed actor.
pub(crate) struct Exposure {
    pub(crate) name: String,
    pub(crate) id: ActorId,
    pub(crate) actor_type: &'static str,
    pub(crate) endpoint: Arc<dyn Endpoint>,
    /// Decoders by wire name.
    pub(crate) handlers: HashMap<&'static str, (Deliver, &'static str)>,
    /// The `ActorRef<A>`, for a lookup on this node itself.
    pub(crate) actor_ref: Box<dyn Any + Send + Sync>,
}

impl Exposure {
    /// The exposure of `actor` under `name`, decoding with `codec`.
    pub(crate) fn new<A: RemoteActor, C: Codec>(
        system: &ActorSystem,
        name: &str,
        actor: &ActorRef<A>,
        codec: C,
    ) -> Exposure {
        let mut table =
            Decoders { system: system.clone(), actor: actor.clone(), codec, handlers: HashMap::new() };
        A::remote_handlers(&mut table);
        Exposure {
            name: name.to_owned(),
            id: actor.id(),
            actor_type: std::any::type_name::<A>(),
            endpoint: actor.endpoint(),
            handlers: table.handlers,
            actor_ref: Box::new(actor.clone()),
        }
    }

    /// The wire names this actor handles, sorted.
    pub(crate) fn handles(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.handlers.keys().copied().collect();
        names.sort_unstable();
        names
    }
}

/// The exposures of a node.
#[derive(Default)]
pub(crate) struct Exposed {
    by_name: RwLock<HashMap<String, Arc<Exposure>>>,
    by_target: RwLock<HashMap<u64, Arc<Exposure>>>,
}

impl Exposed {
    pub(crate) fn insert(&self, exposure: Exposure) -> Result<Arc<Exposure>, ExposeError> {
        let mut by_name = self.by_name.write();
        if by_name.contains_key(&exposure.name) {
            return Err(ExposeError::NameTaken(exposure.name));
        }
        let exposure = Arc::new(exposure);
        by_name.insert(exposure.name.clone(), exposure.clone());
        self.by_target.write().insert(exposure.id.sequence(), exposure.clone());
        Ok(exposure)
    }

    /// Removes the name if it still names `id` (or any actor, for `None`).
    pub(crate) fn remove(&self, name: &str, id: Option<ActorId>) -> bool {
        let mut by_name = self.by_name.write();
        match by_name.get(name) {
            Some(e) if id.is_none_or(|id| e.id == id) => {
                let target = e.id.sequence();
                by_name.remove(name);
                // Another name may expose the same actor.
                if !by_name.values().any(|e| e.id.sequence() == target) {
                    self.by_target.write().remove(&target);
                }
                true
            }
            _ => false,
        }
    }

    /// The live actor exposed as `name` (one that stopped moments ago is
    /// already not found, even before its watch task removes it).
    pub(crate) fn by_name(&self, name: &str) -> Option<Arc<Exposure>> {
        let exposure = self.by_name.read().get(name).cloned()?;
        if exposure.endpoint.is_alive() {
            return Some(exposure);
        }
        self.remove(name, Some(exposure.id));
        None
    }

    pub(crate) fn by_target(&self, target: u64) -> Option<Arc<Exposure>> {
        self.by_target.read().get(&target).cloned()
    }

    pub(crate) fn clear(&self) {
        self.by_name.write().clear();
        self.by_target.write().clear();
    }
}

/// Builds the decoders of an actor's remote messages.
struct Decoders<A: RemoteActor, C> {
    system: ActorSystem,
    actor: ActorRef<A>,
    codec: C,
    handlers: HashMap<&'static str, (Deliver, &'static str)>,
}

impl<A: RemoteActor, C: Codec> RemoteHandlers<A> for Decoders<A, C> {
    fn handler<M: RemoteMessage>(&mut self)
    where
        A: Handler<M>,
    {
        let actor = self.actor.clone();
        let codec = self.codec.clone();
        let system = self.system.clone();
        let deliver: Deliver = Arc::new(move |payload, route| {
            let actor = actor.clone();
            let codec = codec.clone();
            let system = system.clone();
            Box::pin(async move { deliver::<A, M, C>(&system, &actor, &codec, payload, route).await })
        });
        self.handlers.insert(M::NAME, (deliver, std::any::type_name::<M>()));
    }
}

/// Decodes an `M` and queues it in `actor`'s mailbox, waiting for room;
/// for an ask, a task then waits for the reply and sends it back.
async fn deliver<A: Handler<M>, M: RemoteMessage, C: Codec>(
    system: &ActorSystem,
    actor: &ActorRef<A>,
    codec: &C,
    payload: Bytes,
    route: Option<ReplyRoute>,
) {
    let msg: M = match codec.decode(&payload) {
        Ok(msg) => msg,
        Err(e) => {
            tracing::warn!(message = M::NAME, error = %e, "a remote message failed to decode; dropped");
            dead_letter(system, actor.id(), std::any::type_name::<M>());
            if let Some(route) = route {
                route.fail(Failure::Codec(format!("{} failed to decode: {e}", M::NAME)));
            }
            return;
        }
    };
    let Some(route) = route else {
        // A refused tell became a dead letter in the actor's cell.
        let _ = actor.tell(msg).await;
        return;
    };
    let (reply, answer) = AnyReply::channel::<M::Reply>();
    let endpoint = actor.endpoint();
    match endpoint.send(AnyMessage::for_actor::<A, M>(msg, Some(reply))).await {
        Ok(()) => {
            let codec = codec.clone();
            tokio::spawn(async move {
                match answer.await {
                    Ok(value) => route.reply(&codec, &value),
                    Err(error) => route.fail(failure_of(error)),
                }
            });
        }
        Err(SendError::Closed(_)) => route.fail(Failure::Stopped(endpoint.stop_reason())),
        Err(_) => route.fail(Failure::UnknownMessage(M::NAME.to_owned())),
    }
}

/// How an ask's failure on this node crosses back.
fn failure_of(error: AskError) -> Failure {
    match error {
        AskError::Failed(reason) => Failure::Failed(reason),
        AskError::Stopped(reason) => Failure::Stopped(reason),
        AskError::Codec(text) => Failure::Codec(text),
        other => Failure::Codec(other.to_string()),
    }
}

impl ReplyRoute {
    /// Sends `value` back as the ask's reply (or the encoding error).
    pub(crate) fn reply<C: Codec, R: serde::Serialize>(self, codec: &C, value: &R) {
        let corr = self.corr;
        let sent = self.peer.append(
            |out, _| {
                Header::Reply { corr }.encode(out);
                codec.encode(value, out)
            },
            None,
        );
        match sent {
            Ok(()) => {}
            Err(crate::peer::AppendError::Write(e)) => {
                self.fail(Failure::Codec(format!("the reply failed to encode: {e}")));
            }
            Err(crate::peer::AppendError::Frame(e)) => {
                self.fail(Failure::Codec(format!("the reply is too large: {e}")));
            }
            Err(crate::peer::AppendError::Gone) => {}
        }
    }

    /// Sends back why the ask has no reply.
    pub(crate) fn fail(self, failure: Failure) {
        self.peer.control(&Header::Failed { corr: self.corr, failure }, &[]);
    }
}

/// Publishes a dead letter for a message from the network that reached no
/// actor.
pub(crate) fn dead_letter(system: &ActorSystem, to: ActorId, message_type: &'static str) {
    system.events().publish(DeadLetter::new(to, message_type));
}
