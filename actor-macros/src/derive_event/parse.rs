//! Reads the deriving type and its `#[actor(...)]` options.

use syn::{DeriveInput, Generics, Ident};

use crate::errors::Errors;
use crate::options::{parse_actor_attrs, ActorOptions, Site};

pub(crate) struct EventType<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) options: ActorOptions,
}

pub(crate) fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> EventType<'a> {
    EventType {
        ident: &input.ident,
        generics: &input.generics,
        options: parse_actor_attrs(&input.attrs, Site::DeriveEvent, errors),
    }
}
