//! One `#[reply]` at most, and a reply type that can cross tasks.

use super::parse::MessageType;
use crate::errors::Errors;
use crate::generics::{not_owned, NotOwned};

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
}
