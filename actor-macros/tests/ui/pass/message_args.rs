// Rule: arguments are plain names (`mut` allowed) of owned types (a
// `&'static` borrow or an `Fn(&T)` is fine), and `ctx: &mut Context<Self>`
// comes last.
use actor_core::prelude::*;

#[derive(Actor, Default)]
struct Log {
    lines: Vec<String>,
}

#[actor]
impl Log {
    #[message]
    fn write(&mut self, mut line: String, level: &'static str, times: usize) -> usize {
        line.insert_str(0, level);
        for _ in 0..times {
            self.lines.push(line.clone());
        }
        self.lines.len()
    }

    #[message]
    fn render(&self, format: Box<dyn Fn(&str) -> String + Send>) -> Vec<String> {
        self.lines.iter().map(|line| format(line)).collect()
    }

    #[message]
    fn close(&mut self, reason: String, ctx: &mut Context<Self>) {
        self.lines.push(reason);
        ctx.stop();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let system = ActorSystem::new();
    let log = system.spawn(Log::default());
    assert_eq!(log.write("a".into(), "info: ", 2).await.unwrap(), 2);
    let rendered = log.render(Box::new(|line| line.to_uppercase())).await.unwrap();
    assert_eq!(rendered, ["INFO: A", "INFO: A"]);
    log.tell(Close { reason: "bye".into() }).await.unwrap();
    assert_eq!(log.wait_for_stop().await, StopReason::Normal);
    system.shutdown().await;
}
