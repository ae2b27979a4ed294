// Rule: generic actors and generic methods work when every method
// parameter appears in an argument or the reply (named, not `impl Trait`).
use actor_core::prelude::*;

#[derive(Actor)]
struct Holder<T> {
    value: T,
}

#[actor]
impl<T: Clone + Send + 'static> Holder<T> {
    #[message]
    fn set(&mut self, value: T) {
        self.value = value;
    }

    #[message]
    fn get(&self) -> T {
        self.value.clone()
    }

    #[message]
    fn convert<U: From<T> + Send + 'static>(&self) -> U {
        U::from(self.value.clone())
    }

    #[message]
    fn show<D: std::fmt::Display + Send + 'static>(&self, label: D) -> String {
        format!("{label}")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let system = ActorSystem::new();
    let holder = system.spawn(Holder { value: 1u32 });
    holder.set(2).await.unwrap();
    assert_eq!(holder.get().await.unwrap(), 2);
    assert_eq!(holder.convert::<u64>().await.unwrap(), 2u64);
    assert_eq!(holder.show("x").await.unwrap(), "x");
    system.shutdown().await;
}
