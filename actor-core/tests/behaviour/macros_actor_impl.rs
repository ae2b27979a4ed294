//! `#[actor]` impl blocks end to end: the generated message structs with
//! `tell` and `ask`, the typed client, `Result` replies, the `ctx`
//! parameter, sync and `&self` handlers.

use std::time::Duration;

use actor_core::prelude::*;
use actor_core::ActorId;

#[derive(Actor, Default)]
struct Account {
    balance: u64,
    log: Vec<String>,
}

#[derive(Debug, PartialEq)]
enum AccountError {
    Insufficient { balance: u64 },
}

#[actor]
impl Account {
    /// Adds `amount` and replies with the new balance.
    #[message]
    async fn deposit(&mut self, amount: u64) -> u64 {
        tokio::task::yield_now().await;
        self.balance += amount;
        self.balance
    }

    #[message]
    fn withdraw(&mut self, amount: u64) -> Result<u64, AccountError> {
        if amount > self.balance {
            return Err(AccountError::Insufficient { balance: self.balance });
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    #[message]
    fn balance(&self) -> u64 {
        self.balance
    }

    #[message]
    async fn peek_async(&self) -> u64 {
        self.balance
    }

    #[message]
    fn note(&mut self, who: String, what: String, times: usize) {
        for _ in 0..times {
            self.log.push(format!("{who}: {what}"));
        }
    }

    #[message]
    fn entries(&self) -> Vec<String> {
        self.log.clone()
    }

    #[message]
    fn whoami(&self, ctx: &mut Context<Self>) -> ActorId {
        ctx.id()
    }

    #[message]
    async fn close(&mut self, reason: String, ctx: &mut Context<Self>) {
        self.log.push(reason);
        ctx.stop();
    }

    #[message]
    fn double(&mut self, mut by: u64) -> u64 {
        by *= 2;
        self.balance += by;
        self.balance
    }

    /// Compiled out: its struct, impls and client method go with it.
    #[cfg(any())]
    #[message]
    fn never(&mut self, missing: NoSuchType) {}

    /// Not a message: an ordinary method, callable as usual.
    fn audit_len(&self) -> usize {
        self.log.len()
    }
}

#[tokio::test]
async fn generated_structs_work_with_tell_and_ask() {
    let system = ActorSystem::new();
    let account = system.spawn(Account::default());
    account.tell(Deposit { amount: 5 }).await.unwrap();
    assert_eq!(account.ask(Deposit { amount: 2 }).await.unwrap(), 7);
    assert_eq!(account.ask(Balance).await.unwrap(), 7);
    account.try_tell(Note { who: "ann".into(), what: "hi".into(), times: 2 }).unwrap();
    assert_eq!(account.ask(Entries).await.unwrap(), ["ann: hi", "ann: hi"]);
    system.shutdown().await;
}

#[tokio::test]
async fn typed_client_asks() {
    let system = ActorSystem::new();
    let account = system.spawn(Account::default());
    assert_eq!(account.deposit(5).await, Ok(5));
    assert_eq!(account.balance().await, Ok(5));
    assert_eq!(account.peek_async().await, Ok(5));
    assert_eq!(account.double(3).await, Ok(11));
    account.note("bob".into(), "paid".into(), 1).await.unwrap();
    assert_eq!(account.entries().await.unwrap(), ["bob: paid"]);
    // The client returns the ask request, so its options are there too.
    assert_eq!(account.balance().timeout(Duration::from_secs(5)).await, Ok(11));
    system.shutdown().await;
}

#[tokio::test]
async fn result_replies_reach_the_asker_and_leave_the_actor_running() {
    let system = ActorSystem::new();
    let account = system.spawn(Account::default());
    account.deposit(3).await.unwrap();
    assert_eq!(account.withdraw(10).await.unwrap(), Err(AccountError::Insufficient { balance: 3 }));
    assert!(account.is_alive());
    assert_eq!(account.ask(Withdraw { amount: 2 }).await.unwrap(), Ok(1));
    system.shutdown().await;
}

#[tokio::test]
async fn ctx_parameter_is_the_actors_context() {
    let system = ActorSystem::new();
    let account = system.spawn(Account::default());
    assert_eq!(account.whoami().await.unwrap(), account.id());
    account.close("done".into()).await.unwrap();
    assert_eq!(account.wait_for_stop().await, StopReason::Normal);
    assert_eq!(account.balance().await, Err(AskError::Stopped(Some(StopReason::Normal))));
    system.shutdown().await;
}

#[test]
fn non_message_methods_stay_inherent_methods() {
    let mut account = Account::default();
    account.log.push("x".into());
    assert_eq!(account.audit_len(), 1);
    assert_eq!(account.balance(), 0); // the method itself is still there
}

/// A message struct is an ordinary public type: its fields are public and
/// named after the arguments; a method without arguments gives a unit struct.
#[test]
fn message_structs_have_the_expected_shape() {
    fn reply_of<M: Message>(_: &M) -> &'static str {
        std::any::type_name::<M::Reply>()
    }
    let note = Note { who: "a".into(), what: "b".into(), times: 3 };
    assert_eq!((note.who.as_str(), note.what.as_str(), note.times), ("a", "b", 3));
    assert_eq!(reply_of(&Balance), "u64");
    assert_eq!(reply_of(&Close { reason: String::new() }), "()");
    assert!(reply_of(&Withdraw { amount: 1 }).starts_with("core::result::Result<u64,"));
    assert_eq!(std::mem::size_of::<Balance>(), 0);
}

mod renamed {
    use actor_core::prelude::*;

    #[derive(Actor, Default)]
    pub(crate) struct Counter {
        count: u64,
    }

    #[actor]
    impl Counter {
        /// Renamed, and with derives for the struct.
        #[message(name = Bump, derive(Debug, Clone, PartialEq))]
        pub(crate) fn increment(&mut self, by: u64) -> u64 {
            self.count += by;
            self.count
        }

        /// Less visible than the client trait: struct only, no client method.
        #[message]
        fn reset(&mut self) {
            self.count = 0;
        }

        #[message]
        pub(crate) fn current(&self) -> u64 {
            self.count
        }
    }

    pub(crate) async fn reset(counter: &ActorRef<Counter>) {
        counter.tell(Reset).await.unwrap();
    }
}

#[tokio::test]
async fn visibility_names_and_derives_follow_the_method() {
    use renamed::{Bump, Counter, CounterRef};

    let system = ActorSystem::new();
    let counter = system.spawn(Counter::default());
    let bump = Bump { by: 2 };
    assert_eq!(bump.clone(), Bump { by: 2 });
    assert_eq!(format!("{bump:?}"), "Bump { by: 2 }");
    assert_eq!(counter.ask(bump).await.unwrap(), 2);
    assert_eq!(counter.increment(3).await.unwrap(), 5);
    renamed::reset(&counter).await;
    assert_eq!(counter.current().await.unwrap(), 0);
    system.shutdown().await;
}
