use actor_core::prelude::*;

#[derive(Actor)]
struct Counter;

#[actor]
impl Counter {
    #[message]
    fn create(start: u64) -> u64 {
        start
    }
}

// The struct, its impls and the client still exist: the mistake gives one error.
async fn use_it(counter: ActorRef<Counter>) {
    let _ = counter.tell(Create { start: 1 }).await;
    let _: Result<u64, AskError> = counter.create(2).await;
}

fn main() {
    let _ = use_it;
}
