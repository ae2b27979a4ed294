//! The guide: the repository's README and the chapters of its `docs/`
//! folder, compiled here so that every example in them is tested.

#[doc = include_str!("../../README.md")]
pub mod readme {}

#[doc = include_str!("../../docs/actors.md")]
pub mod actors {}

#[doc = include_str!("../../docs/events.md")]
pub mod events {}

#[doc = include_str!("../../docs/ARCHITECTURE.md")]
pub mod architecture {}

#[doc = include_str!("../../docs/supervision.md")]
pub mod supervision {}
