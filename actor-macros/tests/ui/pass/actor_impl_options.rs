// Rule: #[actor] goes on an inherent impl block and takes `crate = path`.
mod reexport {
    pub use actor_core as runtime;
}

use actor_core::prelude::*;

#[derive(Actor)]
#[actor(crate = reexport::runtime)]
struct Greeter;

#[actor(crate = reexport::runtime)]
impl Greeter {
    #[message]
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let system = ActorSystem::new();
    let greeter = system.spawn(Greeter);
    assert_eq!(greeter.greet("ann".into()).await.unwrap(), "hello ann");
    system.shutdown().await;
}
