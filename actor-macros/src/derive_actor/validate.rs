//! Checks the `mailbox` value: `unbounded`, an integer, or a constant
//! expression of type `usize`. A capacity of 0 means 1, as it does for
//! `MailboxCapacity::Bounded(0)` and `SpawnOptions::capacity(0)`. Checks
//! that `remote(..)` names each message once, and at least one.

use std::collections::BTreeSet;

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{quote, ToTokens};
use syn::{Expr, Lit};

use super::parse::ActorType;
use crate::errors::Errors;

pub(crate) fn validate(actor: &ActorType<'_>, errors: &mut Errors) {
    validate_mailbox(actor, errors);
    validate_remote(actor, errors);
}

fn validate_mailbox(actor: &ActorType<'_>, errors: &mut Errors) {
    let Some(mailbox) = &actor.options.mailbox else { return };
    if let Expr::Lit(lit) = &mailbox.value {
        match &lit.lit {
            Lit::Int(_) => {}
            other => errors.spanned(
                other,
                "expected a capacity: write `mailbox = 256` (a number of messages) or `mailbox = unbounded`",
            ),
        }
    }
}

/// True for the bare word `unbounded`.
pub(crate) fn is_unbounded(value: &Expr) -> bool {
    matches!(value, Expr::Path(path) if path.qself.is_none() && path.path.is_ident("unbounded"))
}

fn validate_remote(actor: &ActorType<'_>, errors: &mut Errors) {
    let Some(remote) = &actor.options.remote else { return };
    if remote.messages.is_empty() {
        // `remote()` whole: the key, then the parentheses with their span.
        let mut parens = Group::new(Delimiter::Parenthesis, TokenStream::new());
        parens.set_span(remote.paren.span.join());
        let key = &remote.key;
        errors.spanned(
            quote!(#key #parens),
            "`remote()` lists no messages; name the remote messages the actor handles: \
             `#[actor(remote(Transfer, Balance))]`, or remove `remote()`",
        );
    }
    let mut seen = BTreeSet::new();
    for message in &remote.messages {
        if !seen.insert(message.to_token_stream().to_string()) {
            errors.spanned(message, "this message is already listed in `remote(..)`; remove one of the two");
        }
    }
}
