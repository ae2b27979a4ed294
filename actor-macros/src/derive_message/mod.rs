//! `#[derive(Message)]`: `impl Message` with the reply type from
//! `#[reply(T)]` (default `()`), for structs and enums, generic or not.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::new();
    let message = parse::parse(input, &mut errors);
    validate::validate(&message, &mut errors);
    expand::expand(&message, errors)
}
