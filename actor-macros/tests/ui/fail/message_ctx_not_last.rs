use actor_core::prelude::*;

#[derive(Actor)]
struct Worker;

#[actor]
impl Worker {
    #[message]
    fn run(&mut self, ctx: &mut Context<Self>, job: u64) -> u64 {
        let _ = ctx.id();
        job
    }
}

fn main() {}
