//! Typed actors on tokio, with bounded supervised mailboxes and a separate
//! lane for system signals.
//!
//! Two ways to communicate, visibly different:
//!
//! * **Messages are commands to a known recipient** ("do this"): `tell` or
//!   `ask` on a typed address, [`ActorRef<A>`], through the actor's bounded
//!   mailbox, with back-pressure.
//! * **Events are facts for whoever cares** ("this happened"): published on
//!   the system's [event stream](events) without knowing the subscribers;
//!   a slow subscriber never slows the publisher.
//!
//! # Quick start
//!
//! ```
//! use actor_core::prelude::*;
//!
//! #[derive(Default)]
//! struct Counter { total: u64 }
//! impl Actor for Counter {}                      // every hook has a default
//!
//! struct Add(u64);
//! impl Message for Add { type Reply = u64; }     // the reply type is part of the message
//!
//! impl Handler<Add> for Counter {
//!     async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
//!         self.total += msg.0;
//!         self.total
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let system = ActorSystem::new();
//!     let counter: ActorRef<Counter> = system.spawn(Counter::default());
//!     counter.tell(Add(1)).await?;                // waits only for mailbox space
//!     let total = counter.ask(Add(2)).await?;     // waits for the reply
//!     assert_eq!(total, 3);
//!     system.shutdown().await;
//!     Ok(())
//! }
//! ```
//!
//! # Concepts
//!
//! | concept | type | notes |
//! |---|---|---|
//! | actor | [`Actor`] | state plus hooks `on_start`, `on_stop`, `on_terminated` |
//! | command | [`Message`], [`Handler`] | the reply type belongs to the message |
//! | address | [`ActorRef`], [`Recipient`], [`WeakActorRef`] | `tell`, `try_tell`, `blocking_tell`, `ask` |
//! | mailbox | [`MailboxCapacity`], [`SpawnOptions`] | bounded by default ([`DEFAULT_MAILBOX_CAPACITY`]) |
//! | failure | [`StopReason`], [`ActorError`] | panics are caught and stop only the actor |
//! | fact | [`Event`], [`EventStream`] | publish by type; bounded subscriber buffers, counted drops |
//! | supervision | [`supervision::Supervisor`], [`supervision::ChildSpec`] | OTP strategies, restarts behind the same address and mailbox |
//! | system | [`ActorSystem`] | spawn, registry, event stream, shutdown; no globals |
//! | extension | [`dev::Endpoint`] | what every handle points at; implement it for actors that are not local |
//!
//! The guide chapters live in `docs/`; [`guide`] holds them as compiled
//! documentation.
//!
//! # Features
//!
//! Features only add: none changes a signature.
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `macros` | on | `#[derive(Actor, Message, Event)]` and `#[actor]` (actor-macros, re-exported) |
//! | `serde` | off | `Serialize` and `Deserialize` for [`NodeId`], [`ActorId`] and [`StopReason`] (serde without its derive macros); the `remote` module, and with `macros` the `remote` options of `#[derive(Message)]` and `#[derive(Actor)]` |
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings), allow(dead_code))))]

// Layers, bottom up; a module imports only from the layers below it (see
// docs/ARCHITECTURE.md, "Layers"):
//   id, loom                      identities, sync primitives
//   mailbox                       the two lanes as plain data structures
//   actor, message                the user's traits and stop reasons
//   endpoint                      what every handle points at (the `dev` seam)
//   envelope, reply               a message erased for an actor's mailbox; deferred replies
//   events                        the event stream
//   registry, handling, system    names; handlers that wait; what a system is (table, events)
//   cell                          the local actor: an endpoint with two lanes
//   address                       ActorRef, WeakActorRef, Recipient, asks, typed names
//   context                       what a handler can do
//   runtime                       the runner and spawning
//   supervision                   supervisors and their children
mod actor;
mod address;
mod cell;
mod context;
mod endpoint;
mod envelope;
pub mod events;
mod handling;
mod id;
mod inspect;
mod loom;
mod mailbox;
mod message;
mod registry;
#[cfg(feature = "serde")]
pub mod remote;
mod reply;
mod runtime;
mod system;
mod telemetry;
#[cfg(feature = "serde")]
mod wire;

pub mod dev;
pub mod guide;
pub mod supervision;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

#[doc(inline)]
pub use actor::{Actor, ActorError, StopReason, Terminated};
#[doc(inline)]
pub use address::{ActorRef, AskFuture, AskRequest, Recipient, WeakActorRef};
#[doc(inline)]
pub use context::{Context, TaskHandle};
#[doc(inline)]
pub use endpoint::{AskError, SendError};
#[doc(inline)]
pub use events::{Event, EventStream};
#[doc(inline)]
pub use handling::DEFAULT_SLOW_HANDLER;
#[doc(inline)]
pub use id::{ActorId, NodeId};
#[doc(inline)]
pub use inspect::ActorInfo;
#[doc(inline)]
pub use mailbox::{MailboxCapacity, DEFAULT_MAILBOX_CAPACITY, MAX_MAILBOX_CAPACITY};
#[doc(inline)]
pub use message::{Handler, Message};
#[doc(inline)]
pub use registry::{LookupError, RegisterError};
#[doc(inline)]
pub use reply::{Deferred, ReplyTo};
#[doc(inline)]
pub use runtime::silence_caught_panics;
#[doc(inline)]
pub use system::{ActorSystem, SpawnOptions, SystemBuilder, DEFAULT_STOP_TIMEOUT};
#[doc(inline)]
pub use telemetry::trace::TraceContext;

/// Derives [`Actor`](trait@Actor) with every hook left at its default.
///
/// | attribute | effect |
/// |---|---|
/// | `#[actor(mailbox = 256)]` | [`Actor::MAILBOX`] is `MailboxCapacity::Bounded(256)` (any `usize` constant works; 0 means 1, as everywhere) |
/// | `#[actor(mailbox = unbounded)]` | [`Actor::MAILBOX`] is `MailboxCapacity::Unbounded` |
/// | `#[actor(remote(Deposit, Balance))]` | also implements `remote::RemoteActor`, listing these remote messages (feature `serde`) |
/// | `#[actor(crate = path)]` | the generated code names `path` instead of `::actor_core` |
///
/// A generic actor gets `T: Send + 'static` for each type parameter. To
/// write a hook (`on_start`, `on_stop`, ...), implement `Actor` by hand
/// instead.
///
/// ```
/// use actor_core::prelude::*;
///
/// #[derive(Actor, Default)]
/// #[actor(mailbox = 256)]
/// struct Account { balance: u64 }
///
/// #[derive(Actor)]
/// #[actor(mailbox = unbounded)]
/// struct Audit<T> { entries: Vec<T> }
///
/// assert_eq!(Account::MAILBOX, MailboxCapacity::Bounded(256));
/// assert_eq!(Audit::<String>::MAILBOX, MailboxCapacity::Unbounded);
/// # let _ = (Account::default().balance, Audit::<u8> { entries: vec![] }.entries);
/// ```
///
/// `remote(..)` lists the remote messages (`#[message(remote = ..)]`, see
/// [`Message`](macro@Message)) that other nodes may send the actor; the
/// actor must handle each. `remote_handlers` visits them in the order
/// listed. A generic actor is remote for the parameters that handle all of
/// them. An empty list, or a message listed twice, is a compile error.
///
/// ```
/// # #[cfg(feature = "serde")] fn main() {
/// use actor_core::prelude::*;
/// use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Message, Serialize, Deserialize)]
/// #[message(remote = "bank.deposit.v1")]
/// #[reply(u64)]
/// struct Deposit { cents: u64 }
///
/// #[derive(Message, Serialize, Deserialize)]
/// #[message(remote = "bank.balance.v1")]
/// #[reply(u64)]
/// struct Balance;
///
/// #[derive(Actor, Default)]
/// #[actor(remote(Deposit, Balance))]
/// struct Bank { cents: u64 }
///
/// impl Handler<Deposit> for Bank {
///     async fn handle(&mut self, msg: Deposit, _ctx: &mut Context<Self>) -> u64 {
///         self.cents += msg.cents;
///         self.cents
///     }
/// }
/// impl Handler<Balance> for Bank {
///     async fn handle(&mut self, _msg: Balance, _ctx: &mut Context<Self>) -> u64 {
///         self.cents
///     }
/// }
///
/// // What a transport sees: the messages it may decode for a `Bank`.
/// struct Names(Vec<&'static str>);
/// impl<A: Actor> RemoteHandlers<A> for Names {
///     fn handler<M: RemoteMessage>(&mut self) where A: Handler<M> {
///         self.0.push(M::NAME);
///     }
/// }
/// let mut names = Names(Vec::new());
/// Bank::remote_handlers(&mut names);
/// assert_eq!(names.0, ["bank.deposit.v1", "bank.balance.v1"]);
/// # }
/// # #[cfg(not(feature = "serde"))] fn main() {}
/// ```
#[cfg(feature = "macros")]
pub use actor_macros::Actor;

/// Derives [`Message`](trait@Message); `#[reply(T)]` names the reply type
/// (default `()`).
///
/// Works on structs and enums, generic or not (a generic message gets
/// `T: Send + 'static` for each type parameter).
///
/// | attribute | effect |
/// |---|---|
/// | `#[reply(T)]` | [`Message::Reply`] is `T` (default `()`) |
/// | `#[message(remote = "bank.transfer.v1")]` | also implements `remote::RemoteMessage` with that name (feature `serde`; see [below](#remote-messages)) |
/// | `#[actor(crate = path)]` | the generated code names `path` instead of `::actor_core` |
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), actor_core::AskError> {
/// use actor_core::prelude::*;
///
/// #[derive(Message)]
/// #[reply(Result<u64, PayError>)]
/// struct Charge { cents: u64 }
///
/// #[derive(Debug, PartialEq)]
/// enum PayError { Declined }
///
/// #[derive(Message)]                              // reply `()`
/// enum Till { Open, Close }
///
/// #[derive(Message)]
/// #[reply(Vec<T>)]
/// struct Repeat<T: Clone> { item: T, times: usize }
///
/// #[derive(Actor, Default)]
/// struct Register { total: u64, open: bool }
///
/// impl Handler<Charge> for Register {
///     async fn handle(&mut self, msg: Charge, _ctx: &mut Context<Self>) -> Result<u64, PayError> {
///         if !self.open { return Err(PayError::Declined); }
///         self.total += msg.cents;
///         Ok(self.total)
///     }
/// }
/// impl Handler<Till> for Register {
///     async fn handle(&mut self, msg: Till, _ctx: &mut Context<Self>) {
///         self.open = matches!(msg, Till::Open);
///     }
/// }
/// impl Handler<Repeat<String>> for Register {
///     async fn handle(&mut self, msg: Repeat<String>, _ctx: &mut Context<Self>) -> Vec<String> {
///         vec![msg.item; msg.times]
///     }
/// }
///
/// let system = ActorSystem::new();
/// let register = system.spawn(Register::default());
/// assert_eq!(register.ask(Charge { cents: 5 }).await?, Err(PayError::Declined));
/// register.tell(Till::Open).await.expect("running");
/// assert_eq!(register.ask(Charge { cents: 5 }).await?, Ok(5));
/// let echo = register.ask(Repeat { item: "hi".to_string(), times: 2 }).await?;
/// assert_eq!(echo, ["hi", "hi"]);
/// register.tell(Till::Close).await.expect("running");
/// assert_eq!(register.ask(Charge { cents: 1 }).await?, Err(PayError::Declined));
/// # system.shutdown().await;
/// # Ok(()) }
/// ```
///
/// # Remote messages
///
/// `#[message(remote = "name")]` gives the message its name on the wire,
/// which a transport uses instead of the Rust path: keep it when the type
/// is renamed or moved, change it (`bank.transfer.v2`) when the shape
/// changes incompatibly. The name is a string literal of ASCII letters,
/// digits, `.`, `_` and `-`, checked at compile time. The message and its
/// reply must implement serde's `Serialize` and `Deserialize`; a generic
/// message is remote for the parameters that make both serializable.
///
/// ```
/// # #[cfg(feature = "serde")] fn main() {
/// use actor_core::prelude::*;
/// use actor_core::remote::RemoteMessage;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Message, Serialize, Deserialize)]
/// #[message(remote = "bank.transfer.v1")]
/// #[reply(Result<u64, String>)]
/// struct Transfer { from: u32, to: u32, cents: u64 }
///
/// #[derive(Message, Serialize, Deserialize)]
/// #[message(remote = "demo.echo.v1")]
/// #[reply(T)]
/// struct Echo<T>(T);
///
/// assert_eq!(Transfer::NAME, "bank.transfer.v1");
/// assert_eq!(<Echo<String> as RemoteMessage>::NAME, "demo.echo.v1");
/// # }
/// # #[cfg(not(feature = "serde"))] fn main() {}
/// ```
///
/// Without the `serde` feature, `remote` is a compile error that says to
/// enable it.
#[cfg(feature = "macros")]
pub use actor_macros::Message;

/// Derives [`Event`](trait@Event) and the [`Message`](trait@Message) with
/// `Reply = ()` that lets actors receive it through `Handler<E>`.
///
/// The type must be `Clone` (each subscriber gets its own copy); without
/// it, the derive reports one error at the type's name that says to add
/// `#[derive(Clone)]`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::prelude::*;
///
/// #[derive(Clone, Debug, PartialEq, Event)]
/// struct PaymentCompleted { order: u64 }
///
/// let system = ActorSystem::new();
/// let mut payments = system.events().subscribe::<PaymentCompleted>();
/// system.events().publish(PaymentCompleted { order: 7 });
/// assert_eq!(payments.recv().await, Some(PaymentCompleted { order: 7 }));
/// # }
/// ```
#[cfg(feature = "macros")]
pub use actor_macros::Event;

/// Turns the `#[message]` methods of an actor's impl block into messages.
///
/// For each `#[message]` method, `#[actor]` generates, in the same module:
///
/// * a message struct named after the method in UpperCamelCase
///   (`deposit` → `Deposit`), with the method's visibility and doc
///   comments, one public field per argument, named after it; a method
///   without arguments gives a unit struct;
/// * its [`Message`](trait@Message) impl (the reply is the method's return
///   type, `Result` included) and its [`Handler`] impl, which calls the
///   method;
/// * a method on the extension trait `<Actor>Ref` (here `AccountRef`),
///   implemented for [`ActorRef<Actor>`](ActorRef), that asks:
///   `account.deposit(5).await` is `Result<u64, AskError>` (call
///   `.timeout(d)` before awaiting to bound the wait). Bring the trait into
///   scope where you use it. The trait has the visibility of the most
///   visible `#[message]` method; less visible ones are left off it and are
///   sent with `tell` / `ask` and their struct.
///
/// The method may be `async` or not, take `&mut self` or `&self`, any
/// owned arguments, and a last `ctx: &mut Context<Self>` argument (which is
/// not a field: the handler passes its context). Generic actors and generic
/// methods work; a type parameter that only the reply mentions is carried
/// by a hidden marker field, and such a struct is built with `new(..)`.
/// Methods without `#[message]` stay ordinary methods. An `async fn` taking
/// `&self` holds `&Self` across its `.await`s, so its handler is `Send` only
/// if the actor is `Sync`; for an actor that is not, take `&mut self`.
///
/// `#[message(name = StructName)]` renames the struct and
/// `#[message(derive(Debug, Clone))]` derives traits for it;
/// `#[actor(crate = path)]` names actor-core when it is re-exported under
/// another path.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use actor_core::prelude::*;
///
/// #[derive(Actor, Default)]
/// struct Account { balance: u64 }
///
/// #[derive(Debug, PartialEq)]
/// struct Insufficient;
///
/// #[actor]
/// impl Account {
///     /// Adds `amount`; replies with the new balance.
///     #[message]
///     async fn deposit(&mut self, amount: u64) -> u64 {
///         self.balance += amount;
///         self.balance
///     }
///
///     #[message]
///     fn withdraw(&mut self, amount: u64) -> Result<u64, Insufficient> {
///         self.balance = self.balance.checked_sub(amount).ok_or(Insufficient)?;
///         Ok(self.balance)
///     }
///
///     #[message]
///     fn balance(&self) -> u64 {
///         self.balance
///     }
///
///     #[message]
///     fn close(&mut self, ctx: &mut Context<Self>) {
///         ctx.stop();
///     }
/// }
///
/// let system = ActorSystem::new();
/// let account = system.spawn(Account::default());
/// account.tell(Deposit { amount: 5 }).await?;            // the struct, as with any message
/// assert_eq!(account.ask(Balance).await?, 5);
/// assert_eq!(account.deposit(1).await?, 6);              // the typed client: an ask
/// assert_eq!(account.withdraw(10).await?, Err(Insufficient));
/// account.close().await?;
/// assert_eq!(account.wait_for_stop().await, StopReason::Normal);
/// # system.shutdown().await;
/// # Ok(()) }
/// ```
///
/// Generic actors and methods:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), actor_core::AskError> {
/// use actor_core::prelude::*;
/// use std::collections::HashMap;
///
/// #[derive(Actor)]
/// struct Cache<V> { entries: HashMap<String, V> }
///
/// #[actor]
/// impl<V: Clone + Send + 'static> Cache<V> {
///     #[message]
///     fn insert(&mut self, key: String, value: V) -> Option<V> {
///         self.entries.insert(key, value)
///     }
///
///     #[message]
///     fn get(&self, key: String) -> Option<V> {
///         self.entries.get(&key).cloned()
///     }
///
///     #[message]
///     fn get_as<T: From<V> + Send + 'static>(&self, key: String) -> Option<T> {
///         self.entries.get(&key).cloned().map(T::from)
///     }
/// }
///
/// let system = ActorSystem::new();
/// let cache = system.spawn(Cache { entries: HashMap::new() });
/// assert_eq!(cache.insert("a".into(), 1u32).await?, None);
/// assert_eq!(cache.get("a".into()).await?, Some(1));
/// assert_eq!(cache.get_as::<u64>("a".into()).await?, Some(1u64));
/// # system.shutdown().await;
/// # Ok(()) }
/// ```
///
/// Misuse is a compile error at your own code that says what to write
/// instead: a `#[message]` method without `self` or taking `self` by
/// value, an argument that is a pattern or a borrow, two methods giving
/// the same struct name, a method named like an `ActorRef` method
/// (`stop`, `ask`, ...), an unknown key in `#[actor(..)]` or
/// `#[message(..)]`.
#[cfg(feature = "macros")]
pub use actor_macros::actor;

/// Everything an actor module usually needs: `use actor_core::prelude::*;`.
pub mod prelude {
    /// The attribute macro for actor impl blocks (the derives come with
    /// the traits of the same name above).
    #[cfg(feature = "macros")]
    pub use crate::actor;
    pub use crate::{
        Actor, ActorError, ActorRef, ActorSystem, AskError, Context, Deferred, Event, EventStream, Handler,
        LookupError, MailboxCapacity, Message, Recipient, SendError, SpawnOptions, StopReason, Terminated,
    };
}
