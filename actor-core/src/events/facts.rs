//! Facts the runtime itself publishes on the event stream.

use std::sync::Arc;

use super::Event;
use crate::actor::StopReason;
use crate::id::ActorId;
use crate::message::Message;

macro_rules! runtime_fact {
    ($t:ty) => {
        impl Event for $t {}
        impl Message for $t {
            type Reply = ();
        }
    };
}

/// An actor finished `on_start` and is handling messages.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ActorStarted {
    /// The actor.
    pub id: ActorId,
    /// Its type, without the module path.
    pub actor_type: &'static str,
    /// Its name, if it was spawned with one.
    pub name: Option<Arc<str>>,
}
runtime_fact!(ActorStarted);

/// An actor stopped for good.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ActorStopped {
    /// The actor.
    pub id: ActorId,
    /// Why it stopped.
    pub reason: StopReason,
}
runtime_fact!(ActorStopped);

/// A message that will never be handled: sent to an actor that had
/// stopped, or still queued when its actor stopped. Published once per
/// message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The actor it was addressed to.
    pub to: ActorId,
    /// The message's type name.
    pub message_type: &'static str,
}
runtime_fact!(DeadLetter);

impl DeadLetter {
    /// A dead letter for a message of type `message_type` addressed to
    /// `to`: for a crate that carries messages (a transport that receives
    /// one for an actor that is gone) to publish on the event stream.
    pub fn new(to: ActorId, message_type: &'static str) -> Self {
        DeadLetter { to, message_type }
    }
}

/// A supervisor restarted a child (behind the same address and mailbox).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ActorRestarted {
    /// The child.
    pub id: ActorId,
    /// How many times this child has been restarted, this one included.
    pub attempt: u32,
    /// Why the previous incarnation stopped.
    pub reason: StopReason,
}
runtime_fact!(ActorRestarted);

/// A supervisor exceeded its restart intensity, stopped its children and
/// stopped itself with [`StopReason::Escalated`]; its own supervisor sees
/// that as a failure.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SupervisorEscalated {
    /// The supervisor.
    pub id: ActorId,
    /// The failure that exceeded the intensity.
    pub reason: StopReason,
}
runtime_fact!(SupervisorEscalated);

/// A subscriber's buffer overflowed and events were dropped.
///
/// Rate-limited: published when a subscriber's drop count reaches 1, 2, 4,
/// 8, ... 65,536 and then every 65,536 drops, so a subscriber that never
/// reads costs a handful of these, not one per event. Drops of
/// `EventsDropped` itself are counted but never reported (no recursion).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventsDropped {
    /// The subscribing actor, or `None` for a stream subscription.
    pub subscriber: Option<ActorId>,
    /// The type of the dropped events.
    pub event_type: &'static str,
    /// How many this subscriber has missed so far, in total.
    pub dropped: u64,
}
runtime_fact!(EventsDropped);

/// True for the drop counts at which an [`EventsDropped`] is published.
pub(crate) fn report_due(dropped: u64) -> bool {
    const EVERY: u64 = 1 << 16;
    dropped.is_power_of_two() && dropped <= EVERY || dropped.is_multiple_of(EVERY)
}

#[cfg(test)]
mod tests {
    use super::report_due;

    #[test]
    fn drop_reports_are_logarithmic_then_linear() {
        let reports = (1..=1_000_000u64).filter(|&n| report_due(n)).count();
        // 1, 2, 4, ..., 65536 (17 reports), then 131072, 196608, ... up to 1M:
        // the multiples of 65536 from 2 to 15 (14 more).
        assert_eq!(reports, 17 + 14);
        assert!(report_due(1) && report_due(3 << 16) && !report_due(3));
    }
}
