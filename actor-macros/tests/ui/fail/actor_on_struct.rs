use actor_core::prelude::*;

#[actor]
struct Worker;

fn main() {}
