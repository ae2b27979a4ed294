//! Runnable examples live beside this file; run one with
//! `cargo run --example NAME`. This library is otherwise empty.
//!
//! It also compiles the repository's README, so that every example in it
//! runs as a doctest (`cargo test -p examples --doc`). The README is
//! actor-core's readme on crates.io, but it lies outside that crate's
//! package, so actor-core's own guide cannot include it.
#![doc(test(attr(deny(warnings), allow(dead_code))))]

#[doc = include_str!("../README.md")]
pub mod readme {}
