use actor_core::prelude::*;

#[derive(Actor)]
struct Plotter;

#[actor]
impl Plotter {
    #[message]
    fn plot(&mut self, (x, y): (u32, u32)) -> u32 {
        x + y
    }
}

fn main() {}
