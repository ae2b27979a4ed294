use actor_core::prelude::*;

#[derive(Actor)]
struct Parser;

#[actor]
impl Parser {
    #[message]
    fn parse<T: std::str::FromStr>(&self, input: String) -> bool {
        input.parse::<T>().is_ok()
    }
}

fn main() {}
