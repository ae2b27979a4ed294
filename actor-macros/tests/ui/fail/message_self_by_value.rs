use actor_core::prelude::*;

#[derive(Actor)]
struct Counter {
    count: u64,
}

#[actor]
impl Counter {
    #[message]
    fn finish(self) -> u64 {
        self.count
    }
}

async fn use_it(counter: ActorRef<Counter>) {
    let _: Result<u64, AskError> = counter.ask(Finish).await;
    let _ = counter.finish().await;
}

fn main() {
    let _ = use_it;
}
