//! Nodes for actor-core.
#![deny(missing_docs)]

pub mod codec;
mod wire;

pub use wire::WireError;

/// The wire decoders, for the fuzz targets in `fuzz/`. Not a public API.
#[doc(hidden)]
pub use wire::fuzzing as __fuzzing;
