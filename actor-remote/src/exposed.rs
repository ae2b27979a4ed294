//! The actors this node exposes: by name (for lookups) and by number (for
//! the frames that address them), each with the decoders of the remote
//! messages it handles.

use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actor_core::dev::{AnyMessage, AnyReply, BoxFuture, Endpoint};
use actor_core::events::DeadLetter;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_core::{Actor, ActorId, ActorRef, ActorSystem, AskError, Handler, SendError};
use parking_lot::RwLock;

use crate::codec::Codec;
use crate::error::ExposeError;
use crate::peer::{Deliver, ReplyRoute, Undelivered};
use crate::wire::envelope::{Failure, Header};

/// One exposed actor.
pub(crate) struct Exposure {
    pub(crate) name: String,
    pub(crate) id: ActorId,
    pub(crate) actor_type: &'static str,
    pub(crate) endpoint: Arc<dyn Endpoint>,
    /// Decoders by wire name.
    pub(crate) handlers: HashMap<&'static str, Arc<dyn Deliver>>,
    /// The `ActorRef<A>`, for a lookup on this node itself.
    pub(crate) actor_ref: Box<dyn Any + Send + Sync>,
    /// When the name was claimed (microseconds since the Unix epoch, this
    /// node's clock): of two nodes exposing one name, the older claim wins.
    pub(crate) since: u64,
}

/// Now, in microseconds since the Unix epoch: a claim's age.
pub(crate) fn claim_time() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(now.as_micros()).unwrap_or(u64::MAX)
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
            since: claim_time(),
        }
    }

    /// The wire names this actor handles, sorted: what a lookup lists, and
    /// what a `TellAt`'s index counts in.
    pub(crate) fn handles(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.handlers.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The wire name at `index` of [`handles`](Self::handles).
    pub(crate) fn name_at(&self, index: u32) -> Option<&'static str> {
        self.handles().get(usize::try_from(index).ok()?).copied()
    }
}

/// The exposures of a node.
#[derive(Default)]
pub(crate) struct Exposed {
    by_name: RwLock<HashMap<String, Arc<Exposure>>>,
    by_target: RwLock<HashMap<u64, Arc<Exposure>>>,
    /// Bumped by every change, so a reader's cache of lookups knows when
    /// it is stale.
    generation: AtomicU64,
    /// Actors no longer exposed, newest last (at most [`RETIRED`]): a
    /// watch that arrives for one still learns how it stopped.
    retired: parking_lot::Mutex<std::collections::VecDeque<(u64, Arc<dyn Endpoint>)>>,
}

/// How many actors no longer exposed are remembered for late watches.
const RETIRED: usize = 4096;

impl Exposed {
    pub(crate) fn insert(&self, mut exposure: Exposure) -> Result<Arc<Exposure>, ExposeError> {
        let mut by_name = self.by_name.write();
        if by_name.contains_key(&exposure.name) {
            return Err(ExposeError::NameTaken(exposure.name));
        }
        // The claim's time is taken under the lock that answers claims: a
        // claim answered before this one's insert is older than it.
        exposure.since = claim_time();
        let exposure = Arc::new(exposure);
        by_name.insert(exposure.name.clone(), exposure.clone());
        self.by_target.write().insert(exposure.id.sequence(), exposure.clone());
        self.generation.fetch_add(1, Ordering::Release);
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
                    if let Some(gone) = self.by_target.write().remove(&target) {
                        self.retire(target, gone.endpoint.clone());
                    }
                }
                self.generation.fetch_add(1, Ordering::Release);
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

    /// Every exposure.
    pub(crate) fn all(&self) -> Vec<Arc<Exposure>> {
        self.by_name.read().values().cloned().collect()
    }

    fn retire(&self, target: u64, endpoint: Arc<dyn Endpoint>) {
        let mut retired = self.retired.lock();
        if retired.len() == RETIRED {
            retired.pop_front();
        }
        retired.push_back((target, endpoint));
    }

    /// The actor behind `target`, exposed now or not long ago.
    pub(crate) fn endpoint_of(&self, target: u64) -> Option<Arc<dyn Endpoint>> {
        if let Some(exposure) = self.by_target(target) {
            return Some(exposure.endpoint.clone());
        }
        let retired = self.retired.lock();
        retired.iter().rev().find(|(t, _)| *t == target).map(|(_, e)| e.clone())
    }

    pub(crate) fn clear(&self) {
        self.by_name.write().clear();
        self.by_target.write().clear();
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Changes with every insert and removal.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

/// Builds the decoders of an actor's remote messages.
struct Decoders<A: RemoteActor, C> {
    system: ActorSystem,
    actor: ActorRef<A>,
    codec: C,
    handlers: HashMap<&'static str, Arc<dyn Deliver>>,
}

impl<A: RemoteActor, C: Codec> RemoteHandlers<A> for Decoders<A, C> {
    fn handler<M: RemoteMessage>(&mut self)
    where
        A: Handler<M>,
    {
        let typed = Typed::<A, M, C> {
            system: self.system.clone(),
            endpoint: self.actor.endpoint(),
            actor: self.actor.clone(),
            codec: self.codec.clone(),
            message: PhantomData,
        };
        self.handlers.insert(M::NAME, Arc::new(typed));
    }
}

/// Delivers `M`s to an `A`.
struct Typed<A: Actor, M, C> {
    system: ActorSystem,
    actor: ActorRef<A>,
    endpoint: Arc<dyn Endpoint>,
    codec: C,
    message: PhantomData<fn(M)>,
}

/// A tell that waits for mailbox room.
struct TellLater<M>(M);

/// An ask that waits for mailbox room: the erased message carries its
/// reply slot.
struct AskLater {
    message: AnyMessage,
    route: ReplyRoute,
}

impl<A: Handler<M>, M: RemoteMessage, C: Codec> Typed<A, M, C> {
    /// The reply slot of an ask from the peer: when the actor answers (on
    /// its own task), the reply is encoded straight into the peer's buffer.
    fn reply_slot(&self, route: ReplyRoute) -> AnyReply {
        let codec = self.codec.clone();
        AnyReply::from_fn(move |outcome: Result<M::Reply, AskError>| match outcome {
            Ok(value) => route.reply(&codec, &value),
            Err(error) => route.fail(failure_of(error)),
        })
    }
}

impl<A: Handler<M>, M: RemoteMessage, C: Codec> Deliver for Typed<A, M, C> {
    fn try_deliver(&self, payload: &[u8], route: Option<ReplyRoute>) -> Result<(), Undelivered> {
        let msg: M = match self.codec.decode(payload) {
            Ok(msg) => msg,
            Err(e) => {
                tracing::warn!(message = M::NAME, error = %e, "a remote message failed to decode; dropped");
                dead_letter(&self.system, self.actor.id(), std::any::type_name::<M>());
                if let Some(route) = route {
                    route.fail(Failure::Codec(format!("{} failed to decode: {e}", M::NAME)));
                }
                return Ok(());
            }
        };
        match route {
            // A refused tell became a dead letter in the actor's cell.
            None => match self.actor.try_tell(msg) {
                Err(SendError::Full(msg)) => Err(Undelivered(Box::new(TellLater(msg)))),
                _ => Ok(()),
            },
            Some(route) => {
                let message = AnyMessage::for_actor::<A, M>(msg, Some(self.reply_slot(route.clone())));
                match self.endpoint.try_send(message) {
                    Ok(()) => Ok(()),
                    Err(SendError::Full(message)) => Err(Undelivered(Box::new(AskLater { message, route }))),
                    Err(refused) => {
                        refused_ask(&*self.endpoint, refused, &route);
                        Ok(())
                    }
                }
            }
        }
    }

    fn deliver(&self, undelivered: Undelivered) -> BoxFuture<'static, ()> {
        let undelivered = match undelivered.0.downcast::<TellLater<M>>() {
            Ok(tell) => {
                let actor = self.actor.clone();
                return Box::pin(async move {
                    let _ = actor.tell(tell.0).await;
                });
            }
            Err(other) => other,
        };
        let Ok(ask) = undelivered.downcast::<AskLater>() else {
            unreachable!("undelivered messages are made by try_deliver of the same type")
        };
        let endpoint = self.endpoint.clone();
        Box::pin(async move {
            let AskLater { message, route } = *ask;
            if let Err(refused) = endpoint.send(message).await {
                refused_ask(&*endpoint, refused, &route);
            }
        })
    }

    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }
}

/// An ask the mailbox refused: its reply slot answers the asker when the
/// refused message is dropped; say why first.
fn refused_ask(endpoint: &dyn Endpoint, refused: SendError<AnyMessage>, route: &ReplyRoute) {
    let failure = match &refused {
        SendError::Closed(_) => Failure::Stopped(endpoint.stop_reason()),
        _ => Failure::UnknownMessage(refused_name(&refused)),
    };
    route.clone().fail(failure);
    // Dropping the message drops its reply slot, whose answer (`Stopped(None)`)
    // then finds no pending ask on the other side: the failure above came first.
    drop(refused);
}

fn refused_name(refused: &SendError<AnyMessage>) -> String {
    match refused {
        SendError::Full(m) | SendError::Closed(m) | SendError::Unsupported(m) => m.message_type().to_owned(),
        _ => String::new(),
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
