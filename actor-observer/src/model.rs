//! The JSON document the API serves and the page draws: one `State` per
//! sample. Field names are the API's contract (docs/observer.md lists them).

use serde::Serialize;

/// Everything the page shows, at one moment.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct State {
    /// This system's node id.
    pub(crate) node: String,
    /// Milliseconds since the observer started.
    pub(crate) uptime_ms: u64,
    /// Live actors.
    pub(crate) actor_count: usize,
    /// Messages handled per second by all actors, over the last interval.
    pub(crate) messages_per_sec: f64,
    /// The supervision trees, one per top-level supervisor.
    pub(crate) trees: Vec<TreeNode>,
    /// The live actors, oldest first, at most the observer's `max_actors`.
    pub(crate) actors: Vec<ActorView>,
    /// Live actors left out of `actors` by that limit.
    pub(crate) actors_omitted: usize,
    pub(crate) dead_letters: DeadLetters,
    /// Event types with their subscribers.
    pub(crate) topics: Vec<TopicView>,
    /// The cluster as this node sees it (`null` without one).
    pub(crate) cluster: Option<ClusterView>,
}

/// One node of a supervision tree.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TreeNode {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    #[serde(rename = "type")]
    pub(crate) actor_type: &'static str,
    /// `one_for_one`, `one_for_all`, `rest_for_one` for a running
    /// supervisor; `null` for a worker.
    pub(crate) strategy: Option<&'static str>,
    pub(crate) restarts: u32,
    pub(crate) children: Vec<TreeNode>,
    /// Children left out by the observer's `max_actors` (all trees
    /// together list at most that many nodes).
    pub(crate) children_omitted: usize,
}

/// One live actor.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ActorView {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    #[serde(rename = "type")]
    pub(crate) actor_type: &'static str,
    pub(crate) top_level: bool,
    /// Restarts by its supervisor (0 for an actor outside every tree).
    pub(crate) restarts: u32,
    pub(crate) mailbox: Option<MailboxView>,
    pub(crate) handled: Option<u64>,
    /// Messages handled per second over the last interval.
    pub(crate) per_sec: f64,
    pub(crate) handling: Option<HandlingView>,
    /// Handling one message for longer than the observer's stuck threshold.
    pub(crate) stuck: bool,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct MailboxView {
    pub(crate) len: usize,
    /// `null`: unbounded.
    pub(crate) capacity: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct HandlingView {
    /// The message type, without its module path.
    pub(crate) message: String,
    pub(crate) for_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct DeadLetters {
    /// Since the system started.
    pub(crate) count: u64,
    /// The newest ones seen by the observer, newest last.
    pub(crate) recent: Vec<DeadLetterView>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct DeadLetterView {
    pub(crate) to: String,
    pub(crate) message_type: String,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct TopicView {
    pub(crate) event_type: &'static str,
    pub(crate) subscribers: Vec<SubscriberView>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct SubscriberView {
    /// The subscribing actor's id; `null` for a stream subscription.
    pub(crate) actor: Option<String>,
    pub(crate) buffered: usize,
    pub(crate) capacity: usize,
    /// `drop_oldest`, `drop_newest` or `block`.
    pub(crate) overflow: &'static str,
    pub(crate) dropped: u64,
}

/// The members of the cluster this node knows of.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ClusterView {
    /// This node.
    pub(crate) this: MemberView,
    /// The others, by node id.
    pub(crate) members: Vec<MemberView>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct MemberView {
    pub(crate) node: String,
    pub(crate) address: Option<String>,
    /// `up` or `suspect` (this node: `self`).
    pub(crate) state: &'static str,
}
