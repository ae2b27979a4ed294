//! Reads the deriving type and its `#[actor(...)]` options.

use syn::{DeriveInput, Generics, Ident};

use crate::errors::Errors;
use crate::options::{parse_actor_attrs, ActorOptions, Site};

pub(crate) struct ActorType<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) options: ActorOptions,
}

pub(crate) fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> ActorType<'a> {
    ActorType {
        ident: &input.ident,
        generics: &input.generics,
        options: parse_actor_attrs(&input.attrs, Site::DeriveActor, errors),
    }
}
