//! Compile-time checks that addresses, errors and the futures of every
//! async address method are `Send` (and `Sync` where shared), so they work
//! across `tokio::spawn` on a multi-threaded runtime. If one regresses, this
//! file stops compiling.

use std::future::IntoFuture;

use actor_core::prelude::*;
use actor_core::{
    ActorId, AskFuture, AskRequest, LookupError, NodeId, RegisterError, ReplyTo, TaskHandle, WeakActorRef,
};

struct Probe;
impl Actor for Probe {}

struct Msg;
impl Message for Msg {
    type Reply = u32;
}
impl Handler<Msg> for Probe {
    async fn handle(&mut self, _: Msg, _ctx: &mut Context<Self>) -> u32 {
        0
    }
}

fn assert_send<T: Send>(_: &T) {}
fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}
fn error<E: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn handles_are_send_and_sync() {
    send_sync::<ActorRef<Probe>>();
    send_sync::<WeakActorRef<Probe>>();
    send_sync::<Recipient<Msg>>();
    send_sync::<ActorSystem>();
    send_sync::<ActorId>();
    send_sync::<NodeId>();
    send_sync::<SpawnOptions>();
    send_sync::<MailboxCapacity>();
    send_sync::<TaskHandle>();
    send::<Context<Probe>>();
}

#[test]
fn errors_and_reasons_are_send_sync_errors() {
    send_sync::<SendError<Msg>>();
    send_sync::<AskError>();
    send_sync::<StopReason>();
    send_sync::<Terminated>();
    send_sync::<ActorError>();
    // `?` into `Box<dyn Error + Send + Sync>` works for all of them.
    error::<SendError<Msg>>();
    error::<AskError>();
    error::<LookupError>();
    error::<RegisterError>();
}

#[test]
fn replies_can_cross_threads() {
    send::<Deferred<u32>>();
    send::<ReplyTo<u32>>();
    send::<AskRequest<'static, Msg>>();
    send::<AskFuture<'static, Msg>>();
}

/// Never run: only type-checked. Builds the future of every async method
/// on an address and checks it is `Send`.
#[allow(dead_code)]
fn address_futures_are_send(
    actor: ActorRef<Probe>,
    recipient: Recipient<Msg>,
    system: ActorSystem,
    deferred: Deferred<u32>,
) {
    assert_send(&actor.tell(Msg));
    assert_send(&actor.ask(Msg));
    assert_send(&actor.ask(Msg).into_future());
    assert_send(&actor.ask(Msg).timeout(std::time::Duration::from_secs(1)).no_wait().into_future());
    assert_send(&actor.wait_for_stop());
    assert_send(&recipient.tell(Msg));
    assert_send(&recipient.ask(Msg).into_future());
    assert_send(&recipient.wait_for_stop());
    assert_send(&system.shutdown());
    assert_send(&deferred);
}

/// Never run: the same futures inside a task body, as users write them.
#[allow(dead_code)]
fn usable_from_spawned_tasks(actor: ActorRef<Probe>, recipient: Recipient<Msg>) {
    drop(tokio::spawn(async move {
        actor.tell(Msg).await.ok();
        let _ = actor.ask(Msg).await;
        let _ = recipient.ask(Msg).await;
        recipient.tell(Msg).await.ok();
        actor.wait_for_stop().await
    }));
}
