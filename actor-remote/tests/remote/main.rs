//! actor-remote's behaviour tests: nodes in one process on loopback (and,
//! in `processes`, in two).

mod cluster;
mod common;
mod hostile;
mod links;
mod messaging;
mod proxy;
mod tls;
