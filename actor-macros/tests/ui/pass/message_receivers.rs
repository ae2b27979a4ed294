// Rule: a #[message] method takes `&mut self` or `&self` (also spelled
// `self: &mut Self`), sync or async.
use actor_core::prelude::*;

#[derive(Actor, Default)]
struct Counter {
    count: u64,
}

#[actor]
impl Counter {
    #[message]
    async fn add_async(&mut self, n: u64) -> u64 {
        self.count += n;
        self.count
    }

    #[message]
    fn add_sync(&mut self, n: u64) -> u64 {
        self.count += n;
        self.count
    }

    #[message]
    fn get(&self) -> u64 {
        self.count
    }

    #[message]
    async fn get_async(&self) -> u64 {
        self.count
    }

    #[message]
    fn reset(self: &mut Self) {
        self.count = 0;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let system = ActorSystem::new();
    let counter = system.spawn(Counter::default());
    assert_eq!(counter.add_async(1).await.unwrap(), 1);
    assert_eq!(counter.add_sync(2).await.unwrap(), 3);
    assert_eq!(counter.get().await.unwrap(), 3);
    assert_eq!(counter.get_async().await.unwrap(), 3);
    counter.tell(Reset).await.unwrap();
    assert_eq!(counter.ask(Get).await.unwrap(), 0);
    system.shutdown().await;
}
