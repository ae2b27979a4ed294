// Rule: the generated items are documented and warning-free, so crates with
// `#![deny(warnings, missing_docs)]` can use the macros on public actors.
#![deny(warnings, missing_docs, unreachable_pub)]
//! A crate with public actors.

use actor_core::prelude::*;

/// A public generic actor.
#[derive(Actor)]
pub struct Registry<V> {
    entries: Vec<V>,
}

#[actor]
impl<V: Clone + Send + Sync + 'static> Registry<V> {
    /// Adds an entry; replies with the count.
    #[message]
    pub fn add(&mut self, entry: V) -> usize {
        self.entries.push(entry);
        self.entries.len()
    }

    /// Every entry.
    #[message]
    pub fn all(&self) -> Vec<V> {
        self.entries.clone()
    }

    /// The first entry, converted.
    #[message]
    pub async fn first_as<T: From<V> + Send + 'static>(&self) -> Option<T> {
        self.entries.first().cloned().map(T::from)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let system = ActorSystem::new();
    let registry = system.spawn(Registry { entries: Vec::<u8>::new() });
    assert_eq!(registry.add(1).await.unwrap(), 1);
    assert_eq!(registry.ask(All::new()).await.unwrap(), [1]);
    assert_eq!(registry.first_as::<u32>().await.unwrap(), Some(1));
    system.shutdown().await;
}
