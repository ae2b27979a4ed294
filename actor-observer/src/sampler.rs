//! Reads a system into a [`State`]: actors, supervision trees, dead
//! letters, topics, cluster members; rates from the handled counts of the
//! previous sample.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actor_core::events::{DeadLetter, Overflow, SubscribeOptions, Subscription};
use actor_core::supervision::{Strategy, TreeSnapshot};
use actor_core::{ActorId, ActorSystem, MailboxCapacity};
use tokio::time::Instant;

use crate::model::{
    ActorView, ClusterView, DeadLetterView, DeadLetters, HandlingView, MailboxView, State, SubscriberView,
    TopicView, TreeNode,
};

/// How many dead letters the page lists.
const RECENT_DEAD_LETTERS: usize = 20;

/// How long a supervisor may take to answer for its tree.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(1);

/// Where the cluster view comes from (an actor-remote node, with the
/// `cluster` feature).
pub(crate) type ClusterSource = Arc<dyn Fn() -> ClusterView + Send + Sync>;

pub(crate) struct Sampler {
    system: ActorSystem,
    cluster: Option<ClusterSource>,
    stuck_after: Duration,
    max_actors: usize,
    started: Instant,
    previous: Mutex<Previous>,
    dead_letters: Mutex<DeadLetterLog>,
}

/// The handled counts of the last sample, for rates.
#[derive(Default)]
struct Previous {
    at: Option<Instant>,
    handled: HashMap<ActorId, u64>,
    rates: HashMap<ActorId, f64>,
}

struct DeadLetterLog {
    subscription: Subscription<DeadLetter>,
    recent: VecDeque<DeadLetterView>,
}

impl Sampler {
    pub(crate) fn new(
        system: ActorSystem,
        cluster: Option<ClusterSource>,
        stuck_after: Duration,
        max_actors: usize,
    ) -> Self {
        let subscription = system.events().subscribe_with(
            SubscribeOptions::new().buffer(RECENT_DEAD_LETTERS).overflow(Overflow::DropOldest),
        );
        Sampler {
            system,
            cluster,
            stuck_after,
            max_actors,
            started: Instant::now(),
            previous: Mutex::new(Previous::default()),
            dead_letters: Mutex::new(DeadLetterLog { subscription, recent: VecDeque::new() }),
        }
    }

    /// The system as it is now.
    pub(crate) async fn sample(&self) -> State {
        let mut trees = Vec::new();
        for supervisor in self.system.supervisors() {
            if let Ok(Ok(tree)) = tokio::time::timeout(SNAPSHOT_TIMEOUT, supervisor.snapshot()).await {
                trees.push(tree);
            }
        }
        let mut restarts = HashMap::new();
        for node in trees.iter().flat_map(TreeSnapshot::iter) {
            restarts.insert(node.id, node.restarts);
        }
        let mut actors = self.actors(&restarts);
        let messages_per_sec = round(actors.iter().map(|a| a.per_sec).sum());
        let actor_count = actors.len();
        let actors_omitted = actor_count.saturating_sub(self.max_actors);
        actors.truncate(self.max_actors);
        let mut budget = self.max_actors;
        State {
            node: self.system.node_id().to_string(),
            uptime_ms: millis(self.started.elapsed()),
            actor_count,
            messages_per_sec,
            trees: trees.iter().map_while(|tree| tree_node(tree, &mut budget)).collect(),
            actors,
            actors_omitted,
            dead_letters: self.dead_letters(),
            topics: self.topics(),
            cluster: self.cluster.as_ref().map(|source| source()),
        }
    }

    fn actors(&self, restarts: &HashMap<ActorId, u32>) -> Vec<ActorView> {
        let infos = self.system.actors();
        let now = Instant::now();
        let mut previous = self.previous.lock().unwrap_or_else(|e| e.into_inner());
        // Rates over at least 100 ms; a sample sooner than that (an API
        // call between two ticks) reuses the last rates.
        let elapsed = previous.at.map(|at| now.duration_since(at));
        let fresh = elapsed.is_some_and(|e| e >= Duration::from_millis(100));
        if fresh || previous.at.is_none() {
            let seconds = elapsed.map_or(0.0, |e| e.as_secs_f64());
            let mut rates = HashMap::with_capacity(infos.len());
            for info in &infos {
                let (Some(handled), Some(before)) = (info.handled, previous.handled.get(&info.id)) else {
                    continue;
                };
                if seconds > 0.0 {
                    rates.insert(info.id, handled.saturating_sub(*before) as f64 / seconds);
                }
            }
            previous.rates = rates;
            previous.handled = infos.iter().filter_map(|i| Some((i.id, i.handled?))).collect();
            previous.at = Some(now);
        }
        infos
            .into_iter()
            .map(|info| {
                let handling = info.handling.map(|(message, elapsed)| HandlingView {
                    message: short(message).to_owned(),
                    for_ms: millis(elapsed),
                });
                let stuck = info.handling.is_some_and(|(_, elapsed)| elapsed >= self.stuck_after);
                ActorView {
                    id: info.id.to_string(),
                    name: info.name,
                    actor_type: info.actor_type,
                    top_level: info.top_level,
                    restarts: restarts.get(&info.id).copied().unwrap_or(0),
                    mailbox: info.mailbox_len.map(|len| MailboxView {
                        len,
                        capacity: match info.mailbox_capacity {
                            Some(MailboxCapacity::Bounded(n)) => Some(n),
                            _ => None,
                        },
                    }),
                    handled: info.handled,
                    per_sec: round(previous.rates.get(&info.id).copied().unwrap_or(0.0)),
                    handling,
                    stuck,
                }
            })
            .collect()
    }

    fn dead_letters(&self) -> DeadLetters {
        let mut log = self.dead_letters.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(letter) = log.subscription.try_recv() {
            if log.recent.len() == RECENT_DEAD_LETTERS {
                log.recent.pop_front();
            }
            log.recent.push_back(DeadLetterView {
                to: letter.to.to_string(),
                message_type: short(letter.message_type).to_owned(),
            });
        }
        DeadLetters { count: self.system.dead_letter_count(), recent: log.recent.iter().cloned().collect() }
    }

    fn topics(&self) -> Vec<TopicView> {
        self.system
            .events()
            .topics()
            .into_iter()
            .map(|topic| TopicView {
                event_type: topic.event_type,
                subscribers: topic
                    .subscribers
                    .into_iter()
                    .map(|s| SubscriberView {
                        actor: s.actor.map(|id| id.to_string()),
                        buffered: s.buffered,
                        capacity: s.capacity,
                        overflow: match s.overflow {
                            Overflow::DropOldest => "drop_oldest",
                            Overflow::DropNewest => "drop_newest",
                            Overflow::Block => "block",
                            _ => "other",
                        },
                        dropped: s.dropped,
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The tree below `tree`, breadth-limited: at most `budget` nodes in
/// all (`None` once it is spent); the children left out are counted.
fn tree_node(tree: &TreeSnapshot, budget: &mut usize) -> Option<TreeNode> {
    *budget = budget.checked_sub(1)?;
    let children: Vec<TreeNode> = tree.children.iter().map_while(|child| tree_node(child, budget)).collect();
    Some(TreeNode {
        id: tree.id.to_string(),
        name: tree.name.clone(),
        actor_type: tree.actor_type,
        strategy: tree.strategy.map(|s| match s {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
            Strategy::RestForOne => "rest_for_one",
            _ => "other",
        }),
        restarts: tree.restarts,
        children_omitted: tree.children.len() - children.len(),
        children,
    })
}

/// A type name without its module path (generic arguments kept).
fn short(type_name: &str) -> &str {
    let end = type_name.find('<').unwrap_or(type_name.len());
    match type_name[..end].rfind("::") {
        Some(i) => &type_name[i + 2..],
        None => type_name,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// One decimal is all the page shows.
fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn short_names_drop_the_module_path_only() {
        assert_eq!(short("app::orders::Place"), "Place");
        assert_eq!(short("Place"), "Place");
        assert_eq!(short("app::Wrap<app::Inner>"), "Wrap<app::Inner>");
    }
}
