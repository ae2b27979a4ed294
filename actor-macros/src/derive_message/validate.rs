//! One `#[reply]` at most, and a reply type that can cross tasks; one
//! `remote` name at most, a string literal of the characters a wire name
//! may hold.

use syn::{Expr, ExprLit, Lit};

use super::parse::{MessageType, RemoteName};
use crate::errors::Errors;
use crate::generics::{not_owned, NotOwned};

/// What a remote name may hold, as the errors state it.
const NAME_RULE: &str = "a remote name is one or more ASCII letters, digits, `.`, `_` or `-`, \
                         such as \"bank.transfer.v1\"";

pub(crate) fn validate(message: &MessageType<'_>, errors: &mut Errors) {
    for (attr, _) in message.replies.iter().skip(1) {
        errors.spanned(attr, "duplicate `#[reply(..)]`: a message has one reply type; remove one of them");
    }
    if let Some((_, Some(reply))) = message.replies.first() {
        match not_owned(reply) {
            Some(NotOwned::Borrowed(tokens)) => errors.spanned(
                tokens,
                "the reply travels back to the asker's task, so it must own its data: \
                 use an owned type such as `String` or `Vec<T>` (or a `&'static` reference)",
            ),
            Some(NotOwned::ImplTrait(tokens)) => errors.spanned(
                tokens,
                "`impl Trait` cannot be a reply type; name a concrete type (or box it: `Box<dyn Trait + Send>`)",
            ),
            None => {}
        }
    }
    if let Some(remote) = message.remotes.first() {
        validate_name(remote, errors);
    }
    for RemoteName { key, value } in message.remotes.iter().skip(1) {
        errors.spanned(
            quote::quote!(#key = #value),
            "duplicate `remote` key: a message has one name on the wire; remove one of them",
        );
    }
}

fn validate_name(remote: &RemoteName, errors: &mut Errors) {
    let Expr::Lit(ExprLit { lit: Lit::Str(name), .. }) = &remote.value else {
        errors.spanned(
            &remote.value,
            "the remote name is a string literal: `#[message(remote = \"bank.transfer.v1\")]`",
        );
        return;
    };
    let value = name.value();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if value.is_empty() {
        errors.spanned(name, format_args!("the remote name is empty; {NAME_RULE}"));
    } else if let Some(bad) = value.chars().find(|&c| !allowed(c)) {
        errors.spanned(name, format_args!("{bad:?} cannot be in a remote name; {NAME_RULE}"));
    }
}
