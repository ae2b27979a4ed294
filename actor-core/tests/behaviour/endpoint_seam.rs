//! The `dev` seam from outside the crate: endpoints that are not local
//! cells, driven through `ActorRef`, `Recipient`, `watch` and the registry.

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actor_core::dev::{AnyMessage, AnyReply, BoxFuture, Endpoint, Signal};
use actor_core::prelude::*;
use actor_core::{ActorId, Terminated};
use tokio::sync::{mpsc, watch};

// ---- a local actor to forward to ----

#[derive(Default)]
struct Counter {
    total: u64,
}
impl Actor for Counter {}

struct Add(u64);
impl Message for Add {
    type Reply = u64;
}
impl Handler<Add> for Counter {
    async fn handle(&mut self, msg: Add, _ctx: &mut Context<Self>) -> u64 {
        self.total += msg.0;
        self.total
    }
}

struct Unknown;
impl Message for Unknown {
    type Reply = ();
}

/// Passes everything on to a local actor's endpoint, counting messages
/// and recording signals.
struct Forwarder {
    inner: Arc<dyn Endpoint>,
    messages: AtomicUsize,
    signals: Mutex<Vec<String>>,
}

impl Forwarder {
    fn new(inner: Arc<dyn Endpoint>) -> Arc<Self> {
        Arc::new(Forwarder { inner, messages: AtomicUsize::new(0), signals: Mutex::new(Vec::new()) })
    }
}

impl Endpoint for Forwarder {
    fn id(&self) -> ActorId {
        self.inner.id()
    }
    fn actor_type(&self) -> &'static str {
        self.inner.actor_type()
    }
    fn stop_reason(&self) -> Option<StopReason> {
        self.inner.stop_reason()
    }
    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        self.inner.wait_for_stop()
    }
    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        self.signals.lock().unwrap().push(format!("{signal:?}"));
        self.inner.signal(signal)
    }
    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.inner.try_send(message)
    }
    fn send(&self, message: AnyMessage) -> BoxFuture<'_, Result<(), SendError<AnyMessage>>> {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.inner.send(message)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

#[tokio::test]
async fn an_actor_ref_over_a_forwarding_endpoint_tells_and_asks_the_local_actor() {
    let system = ActorSystem::new();
    let counter = system.spawn(Counter::default());
    let proxy = Forwarder::new(counter.endpoint());
    let via: ActorRef<Counter> = ActorRef::from_endpoint(proxy.clone());

    assert_eq!(via.id(), counter.id());
    assert_eq!(via.ask(Add(2)).await.unwrap(), 2);
    via.tell(Add(3)).await.unwrap();
    via.try_tell(Add(4)).unwrap();
    // Erased to one message type, still through the proxy.
    let adder: Recipient<Add> = via.recipient();
    adder.tell(Add(1)).await.unwrap();
    assert_eq!(counter.ask(Add(0)).await.unwrap(), 10);
    assert_eq!(proxy.messages.load(Ordering::Relaxed), 4);

    // The address of a local actor comes back as the local address.
    let again: ActorRef<Counter> = ActorRef::from_endpoint(counter.endpoint());
    assert_eq!(again, counter);
    system.shutdown().await;
}

#[tokio::test]
async fn stop_through_the_endpoint_reaches_the_actor_and_dead_letters_count() {
    let system = ActorSystem::new();
    let counter = system.spawn(Counter::default());
    let proxy = Forwarder::new(counter.endpoint());
    let via: ActorRef<Counter> = ActorRef::from_endpoint(proxy.clone());

    via.stop();
    assert_eq!(via.wait_for_stop().await, StopReason::Normal);
    assert!(!via.is_alive());
    match via.try_tell(Add(1)) {
        Err(SendError::Closed(Add(n))) => assert_eq!(n, 1),
        other => panic!("expected Closed with the message, got {other:?}"),
    }
    assert_eq!(via.ask(Add(1)).await, Err(AskError::Stopped(Some(StopReason::Normal))));
    assert_eq!(system.dead_letter_count(), 2);
    assert_eq!(proxy.signals.lock().unwrap().as_slice(), ["Stop(Normal)"]);
    system.shutdown().await;
}

// ---- an endpoint with no local actor behind it ----

/// The actor type a foreign endpoint stands for; never spawned here.
struct Far;
impl Actor for Far {}
impl Handler<Add> for Far {
    async fn handle(&mut self, _msg: Add, _ctx: &mut Context<Self>) -> u64 {
        unreachable!("never spawned: the endpoint answers")
    }
}
impl Handler<Unknown> for Far {
    async fn handle(&mut self, _msg: Unknown, _ctx: &mut Context<Self>) {}
}

/// A stand-in for an actor on another node: it knows `Add` (its "codec"),
/// keeps its own watchers and tells them when it stops.
struct FarEndpoint {
    id: ActorId,
    total: Mutex<u64>,
    stopped: watch::Sender<Option<StopReason>>,
    watchers: Mutex<Vec<Arc<dyn Endpoint>>>,
}

impl FarEndpoint {
    fn new(id: ActorId) -> Arc<Self> {
        Arc::new(FarEndpoint {
            id,
            total: Mutex::new(0),
            stopped: watch::Sender::new(None),
            watchers: Mutex::new(Vec::new()),
        })
    }

    fn stop_with(&self, reason: StopReason) {
        self.stopped.send_replace(Some(reason.clone()));
        for watcher in self.watchers.lock().unwrap().drain(..) {
            let _ = watcher.signal(Signal::Terminated(Terminated::new(self.id, reason.clone())));
        }
    }
}

impl Endpoint for FarEndpoint {
    fn id(&self) -> ActorId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        Some("far")
    }
    fn actor_type(&self) -> &'static str {
        std::any::type_name::<Far>()
    }
    fn stop_reason(&self) -> Option<StopReason> {
        self.stopped.borrow().clone()
    }
    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        let mut stopped = self.stopped.subscribe();
        Box::pin(async move {
            let reason = stopped.wait_for(Option::is_some).await.expect("sender lives in self");
            reason.clone().expect("waited for Some")
        })
    }
    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        if self.stop_reason().is_some() {
            return Err(signal);
        }
        match signal {
            Signal::Watch(watcher) => self.watchers.lock().unwrap().push(watcher),
            Signal::Unwatch(id) => self.watchers.lock().unwrap().retain(|w| w.id() != id),
            Signal::Stop(reason) => self.stop_with(reason),
            Signal::Kill => self.stop_with(StopReason::Killed),
            _ => {}
        }
        Ok(())
    }
    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        if self.stop_reason().is_some() {
            return Err(SendError::Closed(message));
        }
        match message.downcast::<Add>() {
            Ok((Add(n), reply)) => {
                let mut total = self.total.lock().unwrap();
                *total += n;
                if let Some(reply) = reply {
                    let _ = reply.send_typed(*total);
                }
                Ok(())
            }
            Err(other) => Err(SendError::Unsupported(other)),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

fn far_id(system: &ActorSystem) -> ActorId {
    ActorId::from_parts(system.node_id(), u64::MAX)
}

#[tokio::test]
async fn a_foreign_endpoint_answers_tells_and_asks_and_hands_back_what_it_cannot_carry() {
    let system = ActorSystem::new();
    let far = FarEndpoint::new(far_id(&system));
    let far_ref: ActorRef<Far> = ActorRef::from_endpoint(far.clone());

    far_ref.tell(Add(5)).await.unwrap();
    assert_eq!(far_ref.ask(Add(1)).await.unwrap(), 6);
    assert_eq!(far_ref.name(), Some("far"));
    assert_eq!(far_ref.mailbox_len(), None);
    match far_ref.try_tell(Unknown) {
        Err(SendError::Unsupported(Unknown)) => {}
        other => panic!("expected the message back as Unsupported, got {other:?}"),
    }
    assert!(matches!(far_ref.ask(Unknown).await, Err(AskError::Unsupported)));

    // The same endpoint as "whoever handles Add".
    let adder: Recipient<Add> = Recipient::from_endpoint(far.clone());
    assert_eq!(adder.ask(Add(4)).await.unwrap(), 10);
    adder.tell(Add(1)).await.unwrap();
    assert_eq!(*far.total.lock().unwrap(), 11);
    assert_eq!(adder.id(), far.id);
    system.shutdown().await;
}

/// Tells the test each `Terminated` it hears of.
struct Watcher {
    target: ActorRef<Far>,
    heard: mpsc::UnboundedSender<Terminated>,
}

impl Actor for Watcher {
    async fn on_start(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.watch(&self.target);
        Ok(())
    }

    async fn on_terminated(&mut self, _ctx: &mut Context<Self>, terminated: Terminated) {
        let _ = self.heard.send(terminated);
    }
}

struct Ready;
impl Message for Ready {
    type Reply = ();
}
impl Handler<Ready> for Watcher {
    async fn handle(&mut self, _: Ready, _ctx: &mut Context<Self>) {}
}

#[tokio::test]
async fn watching_a_foreign_endpoint_delivers_its_notice_once() {
    let system = ActorSystem::new();
    let far = FarEndpoint::new(far_id(&system));
    let (heard, mut notices) = mpsc::unbounded_channel();
    let watcher =
        system.spawn(Watcher { target: ActorRef::from_endpoint(far.clone()), heard: heard.clone() });
    watcher.ask(Ready).await.unwrap(); // on_start has run: the watch was sent
    assert_eq!(far.watchers.lock().unwrap().len(), 1);

    far.stop_with(StopReason::NodeDown);
    let notice = notices.recv().await.expect("a notice");
    assert_eq!((notice.id, notice.reason), (far.id, StopReason::NodeDown));

    // Watching an endpoint that has already stopped notifies at once.
    let late = system.spawn(Watcher { target: ActorRef::from_endpoint(far.clone()), heard });
    late.ask(Ready).await.unwrap();
    let notice = notices.recv().await.expect("an immediate notice");
    assert_eq!(notice.reason, StopReason::NodeDown);
    system.shutdown().await;
    assert!(notices.try_recv().is_err(), "each watcher hears once");
}

#[tokio::test]
async fn the_registry_holds_foreign_endpoints_beside_local_actors() {
    let system = ActorSystem::new();
    let far = FarEndpoint::new(far_id(&system));
    system.register_endpoint("far", far.clone()).unwrap();

    let found: ActorRef<Far> = system.lookup::<Far>("far").unwrap();
    assert_eq!(found.ask(Add(7)).await.unwrap(), 7);
    assert!(matches!(system.lookup::<Counter>("far"), Err(LookupError::WrongType { .. })));

    // A local actor registered through its forwarding proxy is found as
    // the proxy, typed by the local actor.
    let counter = system.spawn(Counter::default());
    let proxy = Forwarder::new(counter.endpoint());
    system.register_endpoint("counter", proxy.clone()).unwrap();
    let via = system.lookup::<Counter>("counter").unwrap();
    assert_eq!(via.ask(Add(1)).await.unwrap(), 1);
    assert_eq!(proxy.messages.load(Ordering::Relaxed), 1);

    // A name held by a stopped endpoint is free again.
    far.stop_with(StopReason::NodeDown);
    assert!(matches!(system.lookup::<Far>("far"), Err(LookupError::NotFound(_))));
    let other = FarEndpoint::new(ActorId::from_parts(system.node_id(), u64::MAX - 1));
    system.register_endpoint("far", other).unwrap();
    system.shutdown().await;
}

#[tokio::test]
async fn an_erased_ask_reply_of_the_wrong_type_is_handed_back() {
    // What an endpoint author sees when answering with the wrong type.
    let system = ActorSystem::new();
    struct Wrong;
    impl Endpoint for Wrong {
        fn id(&self) -> ActorId {
            ActorId::from_parts(actor_core::NodeId::from_u128(7), 1)
        }
        fn actor_type(&self) -> &'static str {
            std::any::type_name::<Far>()
        }
        fn stop_reason(&self) -> Option<StopReason> {
            None
        }
        fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
            Box::pin(std::future::pending())
        }
        fn signal(&self, _signal: Signal) -> Result<(), Signal> {
            Ok(())
        }
        fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
            let (_, reply): (Add, Option<AnyReply>) = message.downcast().map_err(SendError::Unsupported)?;
            let reply = reply.expect("an ask");
            assert!(reply.expects::<u64>() && !reply.expects::<String>());
            assert_eq!(reply.send_typed("not a number".to_owned()), Err("not a number".to_owned()));
            Ok(())
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
            self
        }
    }
    let wrong: ActorRef<Far> = ActorRef::from_endpoint(Arc::new(Wrong));
    // The reply slot was dropped unanswered: the asker is told, not hung.
    assert_eq!(wrong.ask(Add(1)).await, Err(AskError::Stopped(None)));
    system.shutdown().await;
}

// ---- tells taken in place, without an AnyMessage ----

/// Takes `Add`s in place up to a capacity, then says Full; anything else
/// goes the erased way (and is refused).
struct InPlace {
    taken: Mutex<Vec<u64>>,
    capacity: usize,
    erased: AtomicUsize,
}

impl Endpoint for InPlace {
    fn id(&self) -> ActorId {
        ActorId::from_parts(actor_core::NodeId::from_u128(7), 1)
    }
    fn actor_type(&self) -> &'static str {
        "InPlace"
    }
    fn stop_reason(&self) -> Option<StopReason> {
        None
    }
    fn wait_for_stop(&self) -> BoxFuture<'_, StopReason> {
        Box::pin(std::future::pending())
    }
    fn signal(&self, signal: Signal) -> Result<(), Signal> {
        Err(signal)
    }
    fn try_send(&self, message: AnyMessage) -> Result<(), SendError<AnyMessage>> {
        self.erased.fetch_add(1, Ordering::Relaxed);
        Err(SendError::Unsupported(message))
    }
    fn try_tell_in_place(&self, slot: &mut dyn Any) -> Option<Result<(), SendError<()>>> {
        let slot = slot.downcast_mut::<Option<Add>>()?;
        let mut taken = self.taken.lock().unwrap();
        if taken.len() == self.capacity {
            return Some(Err(SendError::Full(())));
        }
        taken.push(slot.take().expect("the message is in the slot").0);
        Some(Ok(()))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

#[tokio::test]
async fn an_endpoint_may_take_tells_in_place_and_hand_them_back() {
    let endpoint =
        Arc::new(InPlace { taken: Mutex::new(Vec::new()), capacity: 2, erased: AtomicUsize::new(0) });
    let counter: ActorRef<Counter> = ActorRef::from_endpoint(endpoint.clone());
    counter.tell(Add(1)).await.unwrap();
    counter.try_tell(Add(2)).unwrap();
    match counter.try_tell(Add(3)) {
        Err(SendError::Full(Add(3))) => {}
        other => panic!("expected the message back in Full, got {other:?}"),
    }
    let adds: Recipient<Add> = Recipient::from_endpoint(endpoint.clone());
    assert!(matches!(adds.try_tell(Add(4)), Err(SendError::Full(Add(4)))));
    assert_eq!(*endpoint.taken.lock().unwrap(), vec![1, 2]);
    assert_eq!(endpoint.erased.load(Ordering::Relaxed), 0, "no tell took the erased path");
    // A message type the endpoint does not take in place goes the erased way.
    let unknown: Recipient<Unknown> = Recipient::from_endpoint(endpoint.clone());
    assert!(matches!(unknown.try_tell(Unknown), Err(SendError::Unsupported(Unknown))));
    assert_eq!(endpoint.erased.load(Ordering::Relaxed), 1);
}
