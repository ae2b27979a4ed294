//! Nodes for actor-core.
#![deny(missing_docs)]

pub mod codec;
mod config;
mod endpoint;
mod error;
mod exposed;
pub mod facts;
mod link;
mod node;
mod peer;
mod shared;
mod wire;

pub use codec::{Codec, CodecError, Postcard};
pub use config::{
    DEFAULT_DOWN_AFTER, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_LOOKUP_TIMEOUT, DEFAULT_MAX_FRAME,
    DEFAULT_OUTBOUND_BUFFER, DEFAULT_WINDOW, DEFAULT_WRITE_TIMEOUT,
};
pub use error::{ConnectError, ExposeError, HandshakeError, LookupError, NodeError};
pub use link::tls::TlsConfig;
pub use node::{Node, NodeBuilder};
pub use wire::WireError;

/// The wire decoders, for the fuzz targets in `fuzz/`. Not a public API.
#[doc(hidden)]
pub use wire::fuzzing as __fuzzing;
