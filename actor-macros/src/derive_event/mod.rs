//! `#[derive(Event)]`: `impl Event` plus the `Message<Reply = ()>` that lets
//! actors receive the event through `Handler<E>`.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::new();
    let event = parse::parse(input, &mut errors);
    validate::validate(&event, &mut errors);
    expand::expand(&event, errors)
}
