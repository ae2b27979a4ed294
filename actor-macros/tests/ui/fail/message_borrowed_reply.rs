use actor_core::prelude::*;

#[derive(Actor)]
struct Store {
    name: String,
}

#[actor]
impl Store {
    #[message]
    fn label(&self) -> &str {
        &self.name
    }
}

fn main() {}
