//! The guide: the chapters in the crate's `docs/` folder, compiled here so
//! that every example in them is tested.
//!
//! The repository's README is shipped as the crate's readme; its examples
//! are tested by the workspace's `examples` crate.

#[doc = include_str!("../docs/actors.md")]
pub mod actors {}

#[doc = include_str!("../docs/events.md")]
pub mod events {}

#[doc = include_str!("../docs/supervision.md")]
pub mod supervision {}
