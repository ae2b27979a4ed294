//! Runnable examples live beside this file; run one with
//! `cargo run --example NAME`. This library is empty on purpose.
