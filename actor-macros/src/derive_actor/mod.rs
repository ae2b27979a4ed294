//! `#[derive(Actor)]`: `impl Actor` with every hook left at its default and
//! `MAILBOX` taken from `#[actor(mailbox = ..)]`.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::new();
    let actor = parse::parse(input, &mut errors);
    validate::validate(&actor, &mut errors);
    expand::expand(&actor, errors)
}
