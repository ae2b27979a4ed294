// Rule: struct names are unique (rename with `#[message(name = ..)]`),
// keys of #[message(..)] are `name` and `derive`, and a method is not named
// like an `ActorRef` method.
use actor_core::prelude::*;

#[derive(Actor, Default)]
struct Door {
    open: bool,
}

#[actor]
impl Door {
    #[message]
    fn open(&mut self) {
        self.open = true;
    }

    #[message(name = OpenWide, derive(Debug, Clone, Copy))]
    fn open_all_the_way(&mut self) {
        self.open = true;
    }

    #[message]
    fn stop_now(&mut self, ctx: &mut Context<Self>) {
        ctx.stop();
    }

    #[message]
    fn is_open(&self) -> bool {
        self.open
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let system = ActorSystem::new();
    let door = system.spawn(Door::default());
    door.open().await.unwrap();
    door.tell(OpenWide).await.unwrap();
    assert_eq!(format!("{:?}", OpenWide), "OpenWide");
    assert!(door.is_open().await.unwrap());
    door.stop_now().await.unwrap();
    door.wait_for_stop().await;
    system.shutdown().await;
}
