//! Events: facts published on the system's event stream for whoever cares.

/// A fact: something that happened, published on the event stream without
/// knowing who (if anyone) listens.
///
/// Events are cloned at most once per subscriber that receives them (see
/// the event stream's delivery cost). To deliver an event to actors through
/// `Handler<E>`, the type is also a [`Message`](crate::Message) with
/// `Reply = ()`; `#[derive(Event)]` writes both impls, by hand it is two
/// lines:
///
/// ```
/// use actor_core::{Event, Message};
///
/// #[derive(Clone, Debug)]
/// struct OrderPlaced { order: u64 }
/// impl Event for OrderPlaced {}
/// impl Message for OrderPlaced { type Reply = (); }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event",
    note = "add `#[derive(Clone, Event)]` to `{Self}`, or `impl Event for {Self} {{}}` (the type must be `Clone`)"
)]
pub trait Event: Clone + Send + Sync + 'static {}
