use actor_core::prelude::*;

#[derive(Actor)]
struct Machine;

#[actor]
impl Machine {
    #[message]
    fn stop(&mut self) {}
}

async fn use_it(machine: ActorRef<Machine>) {
    let _ = machine.tell(Stop).await;
}

fn main() {
    let _ = use_it;
}
