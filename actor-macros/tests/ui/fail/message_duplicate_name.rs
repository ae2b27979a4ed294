use actor_core::prelude::*;

#[derive(Actor)]
struct Door;

#[actor]
impl Door {
    #[message]
    fn open(&mut self) {}

    #[message(name = Open)]
    fn open_wide(&mut self) {}
}

async fn use_it(door: ActorRef<Door>) {
    let _ = door.tell(Open).await;
    let _ = door.open().await;
}

fn main() {
    let _ = use_it;
}
