// Rule: #[derive(Message)] takes `#[message(remote = "name")]` and
// #[derive(Actor)] takes `#[actor(remote(M, ..))]`, generic or not, with
// `crate = path`; a generic type is remote for the parameters that allow it.
use actor_core::__private::{RemoteActor, RemoteHandlers, RemoteMessage};
use actor_core::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.transfer.v1")]
#[reply(Result<u64, String>)]
struct Transfer {
    cents: u64,
}

#[derive(Message, Serialize, Deserialize)]
#[message(remote = "bank.Echo_2-b")]
#[reply(Vec<T>)]
#[actor(crate = actor_core)]
struct Echo<T: Clone>(T);

#[derive(Actor, Default)]
#[actor(mailbox = 8, remote(Transfer, Echo<String>))]
struct Bank {
    total: u64,
}

impl Handler<Transfer> for Bank {
    async fn handle(&mut self, msg: Transfer, _ctx: &mut Context<Self>) -> Result<u64, String> {
        self.total += msg.cents;
        Ok(self.total)
    }
}

impl Handler<Echo<String>> for Bank {
    async fn handle(&mut self, msg: Echo<String>, _ctx: &mut Context<Self>) -> Vec<String> {
        vec![msg.0]
    }
}

// Remote for every `T` whose `Echo<T>` it handles and can send; the bound
// that `Echo<T>` itself needs goes on the actor's parameter.
#[derive(Actor)]
#[actor(remote(Echo<T>))]
struct Mirror<T: Clone>(Vec<T>);

impl<T: Clone + Send + 'static> Handler<Echo<T>> for Mirror<T> {
    async fn handle(&mut self, msg: Echo<T>, _ctx: &mut Context<Self>) -> Vec<T> {
        self.0.push(msg.0);
        self.0.clone()
    }
}

struct Names(Vec<&'static str>);

impl<A: Actor> RemoteHandlers<A> for Names {
    fn handler<M: RemoteMessage>(&mut self)
    where
        A: Handler<M>,
    {
        self.0.push(M::NAME);
    }
}

fn names<A: RemoteActor>() -> Vec<&'static str> {
    let mut names = Names(Vec::new());
    A::remote_handlers(&mut names);
    names.0
}

fn main() {
    assert_eq!(Transfer::NAME, "bank.transfer.v1");
    assert_eq!(<Echo<u8> as RemoteMessage>::NAME, "bank.Echo_2-b");
    assert_eq!(Bank::MAILBOX, MailboxCapacity::Bounded(8));
    assert_eq!(names::<Bank>(), ["bank.transfer.v1", "bank.Echo_2-b"]);
    assert_eq!(names::<Mirror<u32>>(), ["bank.Echo_2-b"]);
    let _ = Mirror::<u32>(Vec::new()).0;
    let _ = (Bank::default().total, Transfer { cents: 1 }.cents);
}
