//! Procedural macros for [actor-core](https://docs.rs/actor-core):
//! `#[derive(Actor)]`, `#[derive(Message)]`, `#[derive(Event)]` and
//! `#[actor]` for impl blocks.
//!
//! Use them through actor-core (`use actor_core::prelude::*;`), where they
//! are re-exported and documented with examples. The generated code names
//! `::actor_core::__private`; a crate that re-exports actor-core under
//! another path says so with `#[actor(crate = path::to::actor_core)]`.
//!
//! Each macro reads its input (`parse`), checks it (`validate`) and writes
//! the code (`expand`). Errors are collected and reported together, and the
//! item is still emitted with a fallback impl, so one mistake gives one
//! error, at the user's own tokens, naming the fix.
#![deny(missing_docs)]

use proc_macro::TokenStream;

mod actor_impl;
mod derive_actor;
mod derive_event;
mod derive_message;
mod errors;
mod generics;
mod options;

/// Implements `actor_core::Actor` with the default hooks; set the mailbox
/// with `#[actor(mailbox = N)]` or `#[actor(mailbox = unbounded)]`, and list
/// the remote messages it handles with `#[actor(remote(Transfer, ..))]`
/// (which implements `RemoteActor`; actor-core's feature `serde`).
///
/// Documented with examples on its re-export, `actor_core::Actor`.
#[proc_macro_derive(Actor, attributes(actor))]
pub fn derive_actor(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive_actor::derive(&input).into()
}

/// Implements `actor_core::Message` with the reply type from `#[reply(T)]`
/// (default `()`); `#[message(remote = "bank.transfer.v1")]` also
/// implements `RemoteMessage` with that name (actor-core's feature `serde`).
///
/// Documented with examples on its re-export, `actor_core::Message`.
#[proc_macro_derive(Message, attributes(reply, message, actor))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive_message::derive(&input).into()
}

/// Implements `actor_core::Event` and `actor_core::Message<Reply = ()>`;
/// the type must be `Clone`.
///
/// Documented with examples on its re-export, `actor_core::Event`.
#[proc_macro_derive(Event, attributes(actor))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive_event::derive(&input).into()
}

/// Turns the `#[message]` methods of an actor's impl block into message
/// structs with `Message` and `Handler` impls, plus a typed client trait
/// for `ActorRef`.
///
/// Documented with examples on its re-export, `actor_core::actor`.
#[proc_macro_attribute]
pub fn actor(args: TokenStream, item: TokenStream) -> TokenStream {
    actor_impl::expand(args.into(), item.into()).into()
}
