//! What lets a message cross nodes (feature `serde`): a stable name for
//! each message type, and the list of such messages an actor handles.
//!
//! A transport crate (actor-remote) does the encoding; this module is only
//! the vocabulary both ends agree on, so that the derive macros can write it
//! and the transport can read it without either naming the other.
//!
//! * [`RemoteMessage`]: a [`Message`] that is `Serialize + Deserialize`
//!   (and so is its reply), with a [`NAME`](RemoteMessage::NAME) that goes
//!   on the wire instead of the Rust path. The name survives renaming and
//!   moving the type; change it (`bank.transfer.v2`) when the shape
//!   changes incompatibly.
//! * [`RemoteActor`]: an [`Actor`] that lists the remote messages it
//!   handles, so a node can expose it and a peer can address it.
//!
//! By hand:
//!
//! ```
//! use actor_core::prelude::*;
//! use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Transfer { from: u32, to: u32, cents: u64 }
//! impl Message for Transfer { type Reply = Result<u64, String>; }
//! impl RemoteMessage for Transfer { const NAME: &'static str = "bank.transfer.v1"; }
//!
//! struct Bank;
//! impl Actor for Bank {}
//! impl Handler<Transfer> for Bank {
//!     async fn handle(&mut self, t: Transfer, _: &mut Context<Self>) -> Result<u64, String> {
//!         Ok(t.cents)
//!     }
//! }
//! impl RemoteActor for Bank {
//!     fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H) {
//!         handlers.handler::<Transfer>();
//!     }
//! }
//! # fn main() {}
//! ```
//!
//! With the macros (feature `macros`), `#[derive(Message)]` takes
//! `#[message(remote = "bank.transfer.v1")]` and `#[derive(Actor)]` takes
//! `#[actor(remote(Transfer))]`; they write the same impls as above, and
//! check the name's characters at compile time (documented on the derives,
//! `actor_core::Message` and `actor_core::Actor`):
//!
//! ```
//! # #[cfg(feature = "macros")] fn main() {
//! use actor_core::prelude::*;
//! use actor_core::remote::RemoteMessage;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Message, Serialize, Deserialize)]
//! #[message(remote = "bank.transfer.v1")]
//! #[reply(Result<u64, String>)]
//! struct Transfer { from: u32, to: u32, cents: u64 }
//!
//! #[derive(Actor)]
//! #[actor(remote(Transfer))]
//! struct Bank;
//! impl Handler<Transfer> for Bank {
//!     async fn handle(&mut self, t: Transfer, _: &mut Context<Self>) -> Result<u64, String> {
//!         Ok(t.cents)
//!     }
//! }
//!
//! assert_eq!(Transfer::NAME, "bank.transfer.v1");
//! # }
//! # #[cfg(not(feature = "macros"))] fn main() {}
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::actor::Actor;
use crate::message::{Handler, Message};

/// A message that may cross nodes: serde both ways, its reply too, and a
/// stable name on the wire.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross nodes",
    label = "`{Self}` does not implement `RemoteMessage`",
    note = "derive `Serialize` and `Deserialize`, and add `#[message(remote = \"your.name.v1\")]` to its \
            `#[derive(Message)]` (or `impl RemoteMessage for {Self} {{ const NAME: &'static str = \"...\"; }}`)"
)]
pub trait RemoteMessage: Message<Reply: Serialize + DeserializeOwned> + Serialize + DeserializeOwned {
    /// The name on the wire: unique among the messages of a cluster,
    /// independent of the Rust path (e.g. `"bank.transfer.v1"`).
    const NAME: &'static str;
}

/// An actor that other nodes may address: it lists the
/// [`RemoteMessage`]s it handles.
///
/// A node that exposes the actor decodes exactly these; a peer that looks
/// it up can encode exactly these (any other message sent to it comes
/// back in [`SendError::Unsupported`](crate::SendError::Unsupported)).
pub trait RemoteActor: Actor {
    /// Calls [`handlers.handler::<M>()`](RemoteHandlers::handler) for each
    /// remote message `M` the actor handles.
    fn remote_handlers<H: RemoteHandlers<Self>>(handlers: &mut H);
}

/// Visits the remote messages of a [`RemoteActor`]; implemented by the
/// transport that needs them.
pub trait RemoteHandlers<A: Actor> {
    /// `A` handles the remote message `M`.
    fn handler<M: RemoteMessage>(&mut self)
    where
        A: Handler<M>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transport can rely on the reply's serde bounds from `M: RemoteMessage` alone.
    fn reply_json<M: RemoteMessage>(reply: &M::Reply) -> String {
        serde_json::to_string(reply).unwrap()
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Ping(u8);
    impl Message for Ping {
        type Reply = Vec<u8>;
    }
    impl RemoteMessage for Ping {
        const NAME: &'static str = "test.ping.v1";
    }

    #[test]
    fn reply_bounds_are_implied() {
        assert_eq!(reply_json::<Ping>(&vec![1, 2]), "[1,2]");
        assert_eq!(Ping::NAME, "test.ping.v1");
    }
}
