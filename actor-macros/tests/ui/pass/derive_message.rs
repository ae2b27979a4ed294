// Rule: #[derive(Message)] takes one #[reply(T)] (default `()`), on
// structs and enums, generic or not; the message is then handled.
use actor_core::prelude::*;

#[derive(Message)]
struct Ping;

#[derive(Message)]
#[reply(Result<u64, String>)]
enum Op {
    Add(u64),
    Fail,
}

#[derive(Message)]
#[reply(Option<T>)]
struct Echo<T: Clone>(T);

#[derive(Actor, Default)]
struct Calc {
    total: u64,
}

impl Handler<Ping> for Calc {
    async fn handle(&mut self, _msg: Ping, _ctx: &mut Context<Self>) {}
}

impl Handler<Op> for Calc {
    async fn handle(&mut self, msg: Op, _ctx: &mut Context<Self>) -> Result<u64, String> {
        match msg {
            Op::Add(n) => {
                self.total += n;
                Ok(self.total)
            }
            Op::Fail => Err("failed".into()),
        }
    }
}

impl Handler<Echo<String>> for Calc {
    async fn handle(&mut self, msg: Echo<String>, _ctx: &mut Context<Self>) -> Option<String> {
        Some(msg.0)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let system = ActorSystem::new();
    let calc = system.spawn(Calc::default());
    calc.tell(Ping).await.unwrap();
    assert_eq!(calc.ask(Op::Add(2)).await.unwrap(), Ok(2));
    assert_eq!(calc.ask(Op::Fail).await.unwrap(), Err("failed".to_string()));
    assert_eq!(calc.ask(Echo("hi".to_string())).await.unwrap().as_deref(), Some("hi"));
    system.shutdown().await;
}
