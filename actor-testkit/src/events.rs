//! [`EventProbe`]: expectations on a system's event stream.

use std::any::{Any, TypeId};
use std::collections::{HashMap, VecDeque};
use std::fmt::{self, Debug};
use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use actor_core::events::{SubscribeOptions, Subscription};
use actor_core::{ActorSystem, Event};

use crate::probe::DEFAULT_TIMEOUT;

/// How many events of one type a probe buffers before it drops the oldest
/// (the drops are shown when an expectation fails).
const BUFFER: usize = 16 * 1024;

/// Expectations on a system's event stream: the facts the runtime
/// publishes (`ActorRestarted`, `DeadLetter`, ...) and the application's
/// own events.
///
/// Subscribe to each event type first, with [`subscribe`](Self::subscribe):
/// as for any subscriber, only events published after that are seen. Then
/// [`expect_event`](Self::expect_event) waits for the next event of a type,
/// [`expect_event_matching`](Self::expect_event_matching) for the next one
/// that satisfies a predicate, and [`expect_no_event`](Self::expect_no_event)
/// checks that none comes for a while. Each waits at most the probe's
/// timeout ([`DEFAULT_TIMEOUT`] unless set with
/// [`with_timeout`](Self::with_timeout)) and panics, with the caller's line
/// and the events of every subscribed type that arrived instead.
///
/// Events of one type are taken in publish order; the types are
/// independent (waiting for one type leaves the others' events in place).
///
/// A probe subscribes to one system's stream. On a node of a cluster, facts
/// shared with `Node::share_events` are published on each member's own
/// stream, so a probe on any member sees the whole cluster's facts of that
/// type.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actor_core::events::ActorStopped;
/// use actor_core::prelude::*;
/// use actor_testkit::EventProbe;
///
/// #[derive(Clone, Debug, PartialEq, Event)]
/// struct OrderPlaced { order: u64 }
///
/// struct Idle;
/// impl Actor for Idle {}
///
/// let system = ActorSystem::new();
/// let mut events = EventProbe::new(&system).subscribe::<OrderPlaced>().subscribe::<ActorStopped>();
/// system.events().publish(OrderPlaced { order: 7 });
/// assert_eq!(events.expect_event::<OrderPlaced>().await, OrderPlaced { order: 7 });
///
/// let idle = system.spawn(Idle);
/// idle.stop();
/// let stopped = events.expect_event_matching::<ActorStopped>(|s| s.id == idle.id()).await;
/// assert_eq!(stopped.reason, StopReason::Normal);
/// events.expect_no_event::<OrderPlaced>(std::time::Duration::from_millis(10)).await;
/// # }
/// ```
pub struct EventProbe {
    system: ActorSystem,
    subscriptions: HashMap<TypeId, Box<dyn Subscribed>>,
    timeout: Duration,
}

/// One event type's subscription, erased so the probe can hold several.
trait Subscribed: Send {
    fn as_any(&mut self) -> &mut dyn Any;
    fn event_type(&self) -> &'static str;
    /// The events waiting (taken from the subscription into the probe's
    /// own queue), printed.
    fn describe_waiting(&mut self) -> Vec<String>;
    fn dropped(&self) -> u64;
}

struct Typed<E: Event> {
    subscription: Subscription<E>,
    /// Events taken from the subscription but not yet by an expectation.
    waiting: VecDeque<E>,
}

impl<E: Event + Debug> Typed<E> {
    fn pull(&mut self) {
        while let Some(event) = self.subscription.try_recv() {
            self.waiting.push_back(event);
        }
    }
}

impl<E: Event + Debug> Subscribed for Typed<E> {
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn event_type(&self) -> &'static str {
        std::any::type_name::<E>()
    }

    fn describe_waiting(&mut self) -> Vec<String> {
        self.pull();
        self.waiting.iter().map(|e| format!("{e:?}")).collect()
    }

    fn dropped(&self) -> u64 {
        self.subscription.dropped()
    }
}

impl EventProbe {
    /// A probe of `system`'s event stream, subscribed to nothing yet.
    pub fn new(system: &ActorSystem) -> Self {
        EventProbe { system: system.clone(), subscriptions: HashMap::new(), timeout: DEFAULT_TIMEOUT }
    }

    /// The same probe with expectations that wait at most `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same probe, also subscribed to events of type `E` from now on
    /// (subscribing twice changes nothing).
    #[must_use]
    pub fn subscribe<E: Event + Debug>(mut self) -> Self {
        self.subscriptions.entry(TypeId::of::<E>()).or_insert_with(|| {
            let options = SubscribeOptions::new().buffer(BUFFER);
            Box::new(Typed {
                subscription: self.system.events().subscribe_with::<E>(options),
                waiting: VecDeque::new(),
            })
        });
        self
    }

    /// Waits for the next event of type `E`.
    ///
    /// # Panics
    /// If none is published within the probe's timeout, or the probe is
    /// not subscribed to `E`.
    #[track_caller]
    pub fn expect_event<E: Event + Debug>(&mut self) -> impl Future<Output = E> + '_ {
        let caller = Location::caller();
        async move {
            match self.next_matching::<E>(caller, "expect_event", self.timeout, |_| true).await {
                Ok(event) => event,
                Err(_) => {
                    let timeout = self.timeout;
                    self.fail::<E>(caller, "expect_event", format_args!("none within {timeout:?}"))
                }
            }
        }
    }

    /// Waits for the next event of type `E` that satisfies `check`, passing
    /// over the others (facts are shared: the runtime publishes many that
    /// a test does not care about). The events passed over are shown if
    /// the wait fails.
    ///
    /// # Panics
    /// If no matching event is published within the probe's timeout, or
    /// the probe is not subscribed to `E`.
    #[track_caller]
    pub fn expect_event_matching<'a, E: Event + Debug>(
        &'a mut self,
        check: impl FnMut(&E) -> bool + 'a,
    ) -> impl Future<Output = E> + 'a {
        let caller = Location::caller();
        async move {
            match self.next_matching::<E>(caller, "expect_event_matching", self.timeout, check).await {
                Ok(event) => event,
                Err(passed) => {
                    let timeout = self.timeout;
                    self.fail::<E>(
                        caller,
                        "expect_event_matching",
                        format_args!("no match within {timeout:?}; passed over: {passed:?}"),
                    )
                }
            }
        }
    }

    /// Checks that no event of type `E` is published for `within` (one
    /// already waiting fails at once). On paused time the wait costs no
    /// real time.
    ///
    /// # Panics
    /// If one is (it is shown), or the probe is not subscribed to `E`.
    #[track_caller]
    pub fn expect_no_event<E: Event + Debug>(&mut self, within: Duration) -> impl Future<Output = ()> + '_ {
        let caller = Location::caller();
        async move {
            if let Ok(event) = self.next_matching::<E>(caller, "expect_no_event", within, |_| true).await {
                self.fail::<E>(
                    caller,
                    "expect_no_event",
                    format_args!("expected none for {within:?}, got {event:?}"),
                );
            }
        }
    }

    /// The next event of type `E` if one has been published, without
    /// waiting.
    ///
    /// # Panics
    /// If the probe is not subscribed to `E`.
    #[track_caller]
    pub fn try_event<E: Event + Debug>(&mut self) -> Option<E> {
        let caller = Location::caller();
        let typed = self.typed::<E>(caller, "try_event");
        typed.pull();
        typed.waiting.pop_front()
    }

    /// The next `E` that `check` accepts within `limit`, or the events it
    /// passed over.
    async fn next_matching<E: Event + Debug>(
        &mut self,
        caller: &'static Location<'static>,
        expectation: &str,
        limit: Duration,
        mut check: impl FnMut(&E) -> bool,
    ) -> Result<E, Vec<E>> {
        let typed = self.typed::<E>(caller, expectation);
        let mut passed = Vec::new();
        let search = async {
            loop {
                let event = match typed.waiting.pop_front() {
                    Some(event) => event,
                    None => match typed.subscription.recv().await {
                        Some(event) => event,
                        // The system shut down: nothing more will come.
                        None => std::future::pending().await,
                    },
                };
                if check(&event) {
                    return event;
                }
                passed.push(event);
            }
        };
        match tokio::time::timeout(limit, search).await {
            Ok(event) => Ok(event),
            Err(_) => Err(passed),
        }
    }

    #[track_caller]
    fn typed<E: Event + Debug>(&mut self, caller: &Location<'_>, expectation: &str) -> &mut Typed<E> {
        match self.subscriptions.get_mut(&TypeId::of::<E>()).and_then(|s| s.as_any().downcast_mut()) {
            Some(typed) => typed,
            None => panic!(
                "EventProbe::{expectation} at {caller}: the probe is not subscribed to `{0}`; \
                 call `.subscribe::<{0}>()` on it before the events are published",
                std::any::type_name::<E>()
            ),
        }
    }

    fn fail<E: Event>(&mut self, caller: &Location<'_>, expectation: &str, what: fmt::Arguments<'_>) -> ! {
        let mut text =
            format!("EventProbe::{expectation}::<{}> at {caller}: {what}", std::any::type_name::<E>());
        for subscribed in self.subscriptions.values_mut() {
            let waiting = subscribed.describe_waiting();
            if !waiting.is_empty() {
                text.push_str(&format!("; waiting `{}`: {waiting:?}", subscribed.event_type()));
            }
            if subscribed.dropped() > 0 {
                text.push_str(&format!(
                    "; {} `{}` dropped (buffer full)",
                    subscribed.dropped(),
                    subscribed.event_type()
                ));
            }
        }
        panic!("{text}");
    }
}

impl fmt::Debug for EventProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let types: Vec<_> = self.subscriptions.values().map(|s| s.event_type()).collect();
        f.debug_struct("EventProbe").field("subscribed", &types).field("timeout", &self.timeout).finish()
    }
}
