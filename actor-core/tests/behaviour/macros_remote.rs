//! `#[message(remote = "..")]` and `#[actor(remote(..))]`: the wire names
//! the derive writes, the messages `remote_handlers` visits (exactly those
//! listed, in order), generic messages and actors, `#[actor(crate = path)]`,
//! and that remote messages are still ordinary messages.

use actor_core::prelude::*;
use actor_core::remote::{RemoteActor, RemoteHandlers, RemoteMessage};
use serde::{Deserialize, Serialize};

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.transfer.v1")]
#[reply(Result<u64, String>)]
struct Transfer {
    cents: u64,
}

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.balance.v1")]
#[reply(u64)]
struct Balance;

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "demo.Echo_2-b")]
#[reply(Vec<T>)]
struct Echo<T: Clone>(T);

/// Handled by `Bank` but not listed: never visited.
#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.audit.v1")]
struct Audit;

#[derive(Actor, Default)]
#[actor(mailbox = 16, remote(Transfer, Balance, Echo<String>))]
struct Bank {
    cents: u64,
}

impl Handler<Transfer> for Bank {
    async fn handle(&mut self, msg: Transfer, _ctx: &mut Context<Self>) -> Result<u64, String> {
        self.cents = self.cents.checked_add(msg.cents).ok_or("overflow")?;
        Ok(self.cents)
    }
}
impl Handler<Balance> for Bank {
    async fn handle(&mut self, _msg: Balance, _ctx: &mut Context<Self>) -> u64 {
        self.cents
    }
}
impl Handler<Echo<String>> for Bank {
    async fn handle(&mut self, msg: Echo<String>, _ctx: &mut Context<Self>) -> Vec<String> {
        vec![msg.0; 2]
    }
}
impl Handler<Audit> for Bank {
    async fn handle(&mut self, _msg: Audit, _ctx: &mut Context<Self>) {}
}

/// Remote for every `T` whose `Echo<T>` it handles and can serialize.
#[derive(Actor)]
#[actor(remote(Echo<T>))]
struct Mirror<T: Clone>(Vec<T>);

impl<T: Clone + Send + 'static> Handler<Echo<T>> for Mirror<T> {
    async fn handle(&mut self, msg: Echo<T>, _ctx: &mut Context<Self>) -> Vec<T> {
        self.0.push(msg.0);
        self.0.clone()
    }
}

/// Records what a transport would register for an actor: the names of the
/// messages it may decode for it.
#[derive(Default)]
struct Recorder {
    names: Vec<&'static str>,
}

impl<A: Actor> RemoteHandlers<A> for Recorder {
    fn handler<M: RemoteMessage>(&mut self)
    where
        A: Handler<M>,
    {
        self.names.push(M::NAME);
    }
}

fn visited<A: RemoteActor>() -> Vec<&'static str> {
    let mut recorder = Recorder::default();
    A::remote_handlers(&mut recorder);
    recorder.names
}

#[test]
fn the_name_comes_from_the_attribute() {
    assert_eq!(<Transfer as RemoteMessage>::NAME, "bank.transfer.v1");
    assert_eq!(<Balance as RemoteMessage>::NAME, "bank.balance.v1");
    assert_eq!(<Echo<String> as RemoteMessage>::NAME, "demo.Echo_2-b");
    assert_eq!(<Echo<u8> as RemoteMessage>::NAME, "demo.Echo_2-b");
    assert_eq!(<Audit as RemoteMessage>::NAME, "bank.audit.v1");
}

#[test]
fn remote_handlers_visits_exactly_the_listed_messages_in_order() {
    assert_eq!(visited::<Bank>(), ["bank.transfer.v1", "bank.balance.v1", "demo.Echo_2-b"]);
    assert_eq!(visited::<Mirror<u32>>(), ["demo.Echo_2-b"]);
}

#[test]
fn remote_options_sit_beside_the_others() {
    assert_eq!(Bank::MAILBOX, MailboxCapacity::Bounded(16));
}

#[tokio::test]
async fn remote_messages_are_still_local_messages() {
    let system = ActorSystem::new();
    let bank = system.spawn(Bank::default());
    assert_eq!(bank.ask(Transfer { cents: 7 }).await.unwrap(), Ok(7));
    assert_eq!(bank.ask(Balance).await.unwrap(), 7);
    assert_eq!(bank.ask(Echo("hi".to_string())).await.unwrap(), ["hi", "hi"]);
    bank.tell(Audit).await.unwrap();
    let mirror = system.spawn(Mirror(Vec::new()));
    assert_eq!(mirror.ask(Echo(1u8)).await.unwrap(), [1]);
    system.shutdown().await;
}

/// A crate that reaches actor-core under another name says so.
mod renamed_crate {
    use actor_core as runtime;
    use runtime::remote::RemoteMessage;
    use serde::{Deserialize, Serialize};

    #[derive(runtime::Message, Serialize, Deserialize)]
    #[actor(crate = runtime)]
    #[message(remote = "renamed.ping.v1")]
    pub(crate) struct Ping;

    #[derive(runtime::Actor)]
    #[actor(crate = runtime, remote(Ping))]
    pub(crate) struct Pong;

    impl runtime::Handler<Ping> for Pong {
        async fn handle(&mut self, _msg: Ping, _ctx: &mut runtime::Context<Self>) {}
    }

    #[test]
    fn crate_path_reaches_the_remote_traits() {
        assert_eq!(Ping::NAME, "renamed.ping.v1");
        assert_eq!(super::visited::<Pong>(), ["renamed.ping.v1"]);
    }
}
