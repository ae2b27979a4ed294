//! A small account model shared by the behaviour tests.
#![allow(dead_code, unreachable_pub)]

use actor_persistence::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AccountFact {
    Deposited { cents: u64 },
    Withdrawn { cents: u64 },
}

impl Fact for AccountFact {
    fn name(&self) -> &'static str {
        match self {
            AccountFact::Deposited { .. } => "test.deposited",
            AccountFact::Withdrawn { .. } => "test.withdrawn",
        }
    }
    fn tags(&self) -> &'static [&'static str] {
        &["account"]
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Deposit(u64),
    Withdraw(u64),
    /// Two facts from one command.
    DepositTwice(u64),
    /// Decides a fact whose `apply` panics (a crash during apply).
    Explode,
}

#[derive(Debug, PartialEq)]
pub enum Rejection {
    Insufficient { balance: u64 },
    Zero,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub balance: u64,
    pub facts: u64,
    #[serde(skip)]
    pub explode_on_apply: bool,
}

impl EventSourced for Account {
    type Command = Command;
    type Fact = AccountFact;
    type Rejection = Rejection;

    fn handle(&self, command: Command) -> Result<Vec<AccountFact>, Rejection> {
        match command {
            Command::Deposit(0) | Command::Withdraw(0) | Command::DepositTwice(0) => Err(Rejection::Zero),
            Command::Deposit(cents) => Ok(vec![AccountFact::Deposited { cents }]),
            Command::DepositTwice(cents) => {
                Ok(vec![AccountFact::Deposited { cents }, AccountFact::Deposited { cents }])
            }
            Command::Withdraw(cents) if cents > self.balance => {
                Err(Rejection::Insufficient { balance: self.balance })
            }
            Command::Withdraw(cents) => Ok(vec![AccountFact::Withdrawn { cents }]),
            Command::Explode => Ok(vec![AccountFact::Withdrawn { cents: u64::MAX }]),
        }
    }

    fn apply(&mut self, fact: &AccountFact) {
        self.facts += 1;
        match fact {
            AccountFact::Deposited { cents } => self.balance += cents,
            AccountFact::Withdrawn { cents } => {
                self.balance = self.balance.checked_sub(*cents).expect("a withdrawal beyond the balance");
            }
        }
    }
}

/// The state a command sequence leads to, computed without any actor.
pub fn fold(commands: &[Command]) -> Account {
    let mut account = Account::default();
    for command in commands {
        if let Ok(facts) = account.handle(command.clone()) {
            for fact in &facts {
                account.apply(fact);
            }
        }
    }
    account
}
