use actor_core::prelude::*;

#[derive(Actor)]
struct Worker;

trait Job {
    fn run(&mut self);
}

#[actor]
impl Job for Worker {
    fn run(&mut self) {}
}

fn main() {}
