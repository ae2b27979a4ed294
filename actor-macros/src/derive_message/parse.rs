//! Reads the deriving type, its `#[reply(T)]` and its `#[actor(...)]` options.

use syn::{Attribute, DeriveInput, Generics, Ident, Type};

use crate::errors::Errors;
use crate::options::{parse_actor_attrs, ActorOptions, Site};

pub(crate) struct MessageType<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) options: ActorOptions,
    /// Every `#[reply(..)]`, in order; the validate stage allows one.
    pub(crate) replies: Vec<(&'a Attribute, Option<Type>)>,
}

pub(crate) fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> MessageType<'a> {
    let replies = input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("reply"))
        .map(|attr| {
            let ty = attr.meta.require_list().and_then(|_| attr.parse_args::<Type>()).map_err(|err| {
                syn::Error::new(err.span(), format_args!("{err}; write the reply type as `#[reply(u64)]`"))
            });
            (attr, errors.ok(ty))
        })
        .collect();
    MessageType {
        ident: &input.ident,
        generics: &input.generics,
        options: parse_actor_attrs(&input.attrs, Site::DeriveMessage, errors),
        replies,
    }
}
