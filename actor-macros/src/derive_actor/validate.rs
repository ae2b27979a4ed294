//! Checks the `mailbox` value: `unbounded`, an integer, or a constant
//! expression of type `usize`. A capacity of 0 means 1, as it does for
//! `MailboxCapacity::Bounded(0)` and `SpawnOptions::capacity(0)`.

use syn::{Expr, Lit};

use super::parse::ActorType;
use crate::errors::Errors;

pub(crate) fn validate(actor: &ActorType<'_>, errors: &mut Errors) {
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
