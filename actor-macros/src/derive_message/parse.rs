//! Reads the deriving type, its `#[reply(T)]`, its `#[message(...)]` and its
//! `#[actor(...)]` options.

use syn::{Attribute, DeriveInput, Expr, Generics, Ident, Path, Type};

use crate::errors::Errors;
use crate::options::{parse_actor_attrs, ActorOptions, Site};

pub(crate) struct MessageType<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) options: ActorOptions,
    /// Every `#[reply(..)]`, in order; the validate stage allows one.
    pub(crate) replies: Vec<(&'a Attribute, Option<Type>)>,
    /// Every `remote = ..` of `#[message(..)]`, in order; the validate stage
    /// allows one, a string literal that is a valid name.
    pub(crate) remotes: Vec<RemoteName>,
}

/// One `remote = ..` of `#[message(..)]`.
pub(crate) struct RemoteName {
    /// The `remote` key, for error spans.
    pub(crate) key: Path,
    /// The value as written; a valid one is a string literal.
    pub(crate) value: Expr,
}

impl MessageType<'_> {
    /// The wire name the expansion writes: the first `remote`'s string (or
    /// `""` when it is not a string literal, which the validate stage
    /// reports), `None` if the message is not remote.
    pub(crate) fn remote_name(&self) -> Option<(&RemoteName, String)> {
        let remote = self.remotes.first()?;
        let name = match &remote.value {
            Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(name), .. }) => name.value(),
            _ => String::new(),
        };
        Some((remote, name))
    }
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
        remotes: parse_message_attrs(&input.attrs, errors),
    }
}

/// Reads every `#[message(...)]`: its one key is `remote = "name"`.
fn parse_message_attrs(attrs: &[Attribute], errors: &mut Errors) -> Vec<RemoteName> {
    let mut remotes = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("message")) {
        if attr.meta.require_list().is_err() {
            errors.spanned(
                attr,
                "write `#[message(remote = \"bank.transfer.v1\")]` to make the message remote",
            );
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("remote") {
                let value = meta.value()?.parse::<Expr>()?;
                remotes.push(RemoteName { key: meta.path.clone(), value });
                Ok(())
            } else {
                let key = meta.path.get_ident().map(|ident| ident.to_string()).unwrap_or_else(|| "..".into());
                Err(meta.error(format_args!(
                    "unknown key `{key}` in `#[message(..)]` for #[derive(Message)]; expected \
                     `remote = \"bank.transfer.v1\"` (the reply type goes in `#[reply(T)]`)"
                )))
            }
        });
        errors.ok(parsed);
    }
    remotes
}
