//! The guide: chapters from the repository's `docs/` folder, compiled here
//! so that every example in them is tested.

#[doc = include_str!("../../docs/actors.md")]
pub mod actors {}
