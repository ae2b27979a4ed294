//! `#[actor]` on an impl block: each `#[message]` method becomes a message
//! struct with its `Message` and `Handler` impls, plus one method on the
//! generated `<Actor>Ref` extension trait for `ActorRef<Actor>`.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use crate::errors::Errors;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let Some(mut actor) = parse::parse(args, item.clone(), &mut errors) else {
        // Not an impl block: give the item back untouched beside the error.
        let errors = errors.into_compile_errors();
        return quote::quote!(#errors #item);
    };
    validate::validate(&mut actor, &mut errors);
    expand::expand(&actor, errors)
}
