//! Feature `cluster`: the members of an actor-remote node's cluster.

use std::sync::Arc;

use actor_remote::{Codec, MemberState, Node};

use crate::model::{ClusterView, MemberView};
use crate::sampler::ClusterSource;

pub(crate) fn source<C: Codec>(node: Node<C>) -> ClusterSource {
    Arc::new(move || ClusterView {
        this: MemberView {
            node: node.system().node_id().to_string(),
            address: node.local_addr().map(|a| a.to_string()),
            state: "self",
        },
        members: node
            .members()
            .into_iter()
            .map(|m| MemberView {
                node: m.node.to_string(),
                address: m.addr,
                state: match m.state {
                    MemberState::Up => "up",
                    MemberState::Suspect => "suspect",
                    _ => "other",
                },
            })
            .collect(),
    })
}
