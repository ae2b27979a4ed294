// Rule: #[derive(Message)] takes `#[message(remote = "name")]`, generic or
// not, with `crate = path`; a generic message is remote for the parameters
// that make it (and its reply) serializable.
use actor_core::__private::RemoteMessage;
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

fn name<M: RemoteMessage>() -> &'static str {
    M::NAME
}

fn main() {
    assert_eq!(Transfer::NAME, "bank.transfer.v1");
    assert_eq!(name::<Echo<u8>>(), "bank.Echo_2-b");
    let _ = Transfer { cents: 1 }.cents;
}
