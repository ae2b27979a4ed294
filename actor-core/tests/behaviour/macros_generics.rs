//! Generic actors and generic `#[message]` methods through `#[actor]`:
//! parameters carried by fields, by the reply only, const parameters, and
//! `Self` in signatures.

use std::collections::HashMap;
use std::fmt::Display;

use actor_core::prelude::*;

#[derive(Actor)]
struct Store<K, V> {
    entries: HashMap<K, V>,
}

#[actor]
impl<K, V> Store<K, V>
where
    K: std::hash::Hash + Eq + Send + 'static,
    V: Clone + Send + 'static,
{
    #[message]
    fn put(&mut self, key: K, value: V) -> Option<V> {
        self.entries.insert(key, value)
    }

    #[message]
    fn fetch(&self, key: K) -> Option<V> {
        self.entries.get(&key).cloned()
    }

    /// `V` appears only in the reply: the struct carries it in a marker.
    #[message]
    fn values(&self) -> Vec<V> {
        self.entries.values().cloned().collect()
    }

    /// A generic method: its parameter becomes the struct's.
    #[message]
    fn fetch_as<T>(&self, key: K) -> Option<T>
    where
        T: From<V> + Send + 'static,
    {
        self.entries.get(&key).cloned().map(T::from)
    }

    #[message]
    fn describe<D: Display + Send + 'static>(&self, label: D) -> String {
        format!("{label}: {} entries", self.entries.len())
    }

    /// `Self` in a signature still means the actor.
    #[message]
    fn snapshot(&self) -> Option<Box<Self>>
    where
        K: Clone,
    {
        Some(Box::new(Store { entries: self.entries.clone() }))
    }
}

#[tokio::test]
async fn generic_actor_and_methods_through_the_client() {
    let system = ActorSystem::new();
    let store = system.spawn(Store::<String, u32> { entries: HashMap::new() });
    assert_eq!(store.put("a".into(), 1).await.unwrap(), None);
    assert_eq!(store.put("a".into(), 2).await.unwrap(), Some(1));
    assert_eq!(store.fetch("a".into()).await.unwrap(), Some(2));
    assert_eq!(store.values().await.unwrap(), [2]);
    assert_eq!(store.fetch_as::<u64>("a".into()).await.unwrap(), Some(2u64));
    assert_eq!(store.describe("store").await.unwrap(), "store: 1 entries");
    let snapshot = store.snapshot().await.unwrap().expect("some");
    assert_eq!(snapshot.entries.len(), 1);
    system.shutdown().await;
}

#[tokio::test]
async fn generic_structs_with_tell_and_ask() {
    let system = ActorSystem::new();
    let store = system.spawn(Store::<u8, String> { entries: HashMap::new() });
    store.tell(Put { key: 1, value: "one".to_string() }).await.unwrap();
    // `V` appears only in the reply of `fetch`, so `Fetch` carries a marker: build it with `new`.
    assert_eq!(store.ask(Fetch::new(1u8)).await.unwrap(), Some("one".to_string()));
    // No fields: `new()` or `default()`.
    assert_eq!(store.ask(Values::<String>::new()).await.unwrap(), ["one"]);
    assert_eq!(store.ask(Values::<String>::default()).await.unwrap(), ["one"]);
    let fetched: Option<String> = store.ask(FetchAs::<u8, String>::new(1)).await.unwrap();
    assert_eq!(fetched.as_deref(), Some("one"));
    system.shutdown().await;
}

#[derive(Actor)]
struct Window<const N: usize> {
    items: Vec<u8>,
}

#[actor]
impl<const N: usize> Window<N> {
    #[message]
    fn push(&mut self, item: u8) -> usize {
        self.items.push(item);
        if self.items.len() > N {
            self.items.remove(0);
        }
        self.items.len()
    }

    #[message]
    fn last(&self) -> [u8; N] {
        let mut out = [0; N];
        for (slot, item) in out.iter_mut().rev().zip(self.items.iter().rev()) {
            *slot = *item;
        }
        out
    }

    #[message]
    fn load(&mut self, items: [u8; N]) {
        self.items = items.to_vec();
    }
}

#[tokio::test]
async fn const_generic_actor() {
    let system = ActorSystem::new();
    let window = system.spawn(Window::<2> { items: Vec::new() });
    for item in 1..=3 {
        window.push(item).await.unwrap();
    }
    assert_eq!(window.last().await.unwrap(), [2, 3]);
    window.load([7, 8]).await.unwrap();
    assert_eq!(window.ask(Last::<2>::new()).await.unwrap(), [7, 8]);
    system.shutdown().await;
}

/// A generic actor whose impl block has no bounds of its own: the derive's
/// `Send + 'static` bounds are picked up through `Actor`.
#[derive(Actor, Default)]
struct Bag<T> {
    items: Vec<T>,
}

#[actor]
impl<T> Bag<T> {
    #[message]
    fn len(&self) -> usize {
        self.items.len()
    }

    #[message]
    fn add(&mut self, item: T) {
        self.items.push(item);
    }
}

#[tokio::test]
async fn generic_actor_without_bounds_on_the_impl() {
    let system = ActorSystem::new();
    let bag = system.spawn(Bag::<String>::default());
    bag.add("x".to_string()).await.unwrap();
    bag.tell(Add { item: "y".to_string() }).await.unwrap();
    assert_eq!(bag.len().await.unwrap(), 2);
    system.shutdown().await;
}
