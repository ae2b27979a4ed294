use actor_core::prelude::*;

#[derive(Actor)]
struct Bank;

#[actor(remote(Deposit))]
impl Bank {
    #[message]
    fn deposit(&mut self, cents: u64) -> u64 {
        cents
    }
}

fn main() {
    let _ = Deposit { cents: 1 };
}
