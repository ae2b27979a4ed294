//! A snapshot of a supervision tree, for people and for Graphviz.

use std::fmt::{self, Write as _};
use std::time::Duration;

use super::Strategy;
use crate::cell::short_type_name;
use crate::endpoint::Endpoint;
use crate::id::ActorId;

/// One node of a supervision tree snapshot, with its children.
///
/// `Display` prints an indented tree; [`to_dot`](TreeSnapshot::to_dot)
/// exports Graphviz DOT.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TreeSnapshot {
    /// The child's name under its supervisor (or the actor's own name).
    pub name: Option<String>,
    /// The actor's id (stable across restarts).
    pub id: ActorId,
    /// Its type, without the module path.
    pub actor_type: &'static str,
    /// How many times its supervisor restarted it.
    pub restarts: u32,
    /// Its strategy, if it is a running supervisor (`None` for a worker,
    /// and for a supervisor waiting to be restarted).
    pub strategy: Option<Strategy>,
    /// Messages waiting in its mailbox (`None` where the address cannot
    /// tell: an actor behind another crate's endpoint).
    pub mailbox_len: Option<usize>,
    /// The type of the message it is handling and for how long, once the
    /// handler has had to wait (`None` while idle, or while a handler runs
    /// without waiting).
    pub handling: Option<(&'static str, Duration)>,
    /// Its supervised children, in start order.
    pub children: Vec<TreeSnapshot>,
}

impl TreeSnapshot {
    pub(crate) fn of(actor: &dyn Endpoint, restarts: u32) -> Self {
        TreeSnapshot {
            name: actor.name().map(str::to_owned),
            id: actor.id(),
            actor_type: short_type_name(actor.actor_type()),
            restarts,
            strategy: None,
            mailbox_len: actor.mailbox_len(),
            handling: actor.handling(),
            children: Vec::new(),
        }
    }

    /// Every node of the tree, depth first, this one first.
    pub fn iter(&self) -> impl Iterator<Item = &TreeSnapshot> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            let node = stack.pop()?;
            stack.extend(node.children.iter().rev());
            Some(node)
        })
    }

    /// The tree as a Graphviz `digraph`.
    pub fn to_dot(&self) -> String {
        let mut dot = String::from("digraph supervision {\n  node [shape=box];\n");
        for node in self.iter() {
            let _ = writeln!(dot, "  \"{}\" [label=\"{}\\n{}\"];", node.id, node.label(), node.actor_type);
            for child in &node.children {
                let _ = writeln!(dot, "  \"{}\" -> \"{}\";", node.id, child.id);
            }
        }
        dot.push_str("}\n");
        dot
    }

    fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.id.to_string())
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let mailbox = match self.mailbox_len {
            Some(n) => n.to_string(),
            None => "?".to_owned(),
        };
        // Every line starts with a name, so the tree reads the same way at
        // every level: an actor spawned without one says so.
        let name = self.name.as_deref().unwrap_or("<unnamed>");
        write!(
            f,
            "{:indent$}{name} ({}) {} restarts={} mailbox={}",
            "",
            self.actor_type,
            self.id,
            self.restarts,
            mailbox,
            indent = depth * 2
        )?;
        if let Some((message_type, elapsed)) = self.handling {
            let message_type = crate::cell::short_type_name(message_type);
            write!(f, " handling={message_type} for {elapsed:.1?}")?;
        }
        writeln!(f)?;
        self.children.iter().try_for_each(|c| c.write(f, depth + 1))
    }
}

impl fmt::Display for TreeSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::NodeId;

    #[test]
    fn an_unnamed_node_prints_as_unnamed_not_as_a_blank() {
        let id = ActorId::from_parts(NodeId::from_u128(0xab << 96), 1);
        let child = TreeSnapshot {
            name: Some("db".into()),
            id: ActorId::from_parts(NodeId::from_u128(0xab << 96), 2),
            actor_type: "Db",
            restarts: 1,
            strategy: None,
            mailbox_len: Some(0),
            handling: None,
            children: Vec::new(),
        };
        let root = TreeSnapshot {
            name: None,
            id,
            actor_type: "Supervisor",
            restarts: 0,
            strategy: Some(Strategy::OneForOne),
            mailbox_len: Some(0),
            handling: None,
            children: vec![child],
        };
        assert_eq!(
            root.to_string(),
            "<unnamed> (Supervisor) 000000ab.1 restarts=0 mailbox=0\n  db (Db) 000000ab.2 restarts=1 mailbox=0\n"
        );
    }
}
