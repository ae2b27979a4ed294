use actor_core::prelude::*;

#[derive(Actor)]
struct Printer;

#[actor]
impl Printer {
    #[message]
    fn print(&mut self, text: impl ToString + Send + 'static) -> String {
        text.to_string()
    }
}

fn main() {}
