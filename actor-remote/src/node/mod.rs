//! A node: this process's presence among others. It listens, dials its
//! seeds, joins the cluster, exposes local actors by name and looks up
//! actors on its peers. `builder` holds its settings and starts it;
//! `handle` is what a started node can do.

mod builder;
mod handle;

pub use builder::NodeBuilder;
pub use handle::Node;
