//! `#[actor(...)]` options shared by the macros: the `crate = path` override,
//! the actor's `mailbox` and the actor's `remote(..)` messages.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::token::Paren;
use syn::{Attribute, Expr, LitStr, Path, Token, Type};

use crate::errors::Errors;

/// Where the generated code finds actor-core: `::actor_core` unless
/// `#[actor(crate = path)]` says otherwise (for crates that re-export it).
#[derive(Default)]
pub(crate) struct CratePath(Option<Path>);

impl CratePath {
    /// The path of the `__private` module that generated code names.
    pub(crate) fn private(&self) -> TokenStream {
        match &self.0 {
            Some(path) => quote!(#path::__private),
            None => quote!(::actor_core::__private),
        }
    }

    /// Parses the value of a `crate = ...` key: a path, or a string holding
    /// one (as serde spells it).
    pub(crate) fn parse_value(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        if self.0.is_some() {
            return Err(meta.error("duplicate `crate` key; give it once"));
        }
        let value = meta.value()?;
        let path = if value.peek(LitStr) { value.parse::<LitStr>()?.parse()? } else { value.parse()? };
        self.0 = Some(path);
        Ok(())
    }
}

/// The parsed `mailbox = ...` value, checked by each macro's validate stage.
pub(crate) struct MailboxOption {
    /// The `mailbox` key, for error spans.
    pub(crate) key: Path,
    /// The value as written: `unbounded`, an integer, or a constant expression.
    pub(crate) value: Expr,
}

/// The parsed `remote(..)` list, checked by `#[derive(Actor)]`'s validate
/// stage.
pub(crate) struct RemoteList {
    /// The `remote` key, for error spans.
    pub(crate) key: Path,
    /// The parentheses, so an error can cover `remote()` whole.
    pub(crate) paren: Paren,
    /// The message types, as written.
    pub(crate) messages: Punctuated<Type, Token![,]>,
}

/// Options of `#[actor(...)]` on a type or an impl block.
#[derive(Default)]
pub(crate) struct ActorOptions {
    pub(crate) krate: CratePath,
    pub(crate) mailbox: Option<MailboxOption>,
    pub(crate) remote: Option<RemoteList>,
}

/// Which macro reads the options: each accepts a different set of keys, and
/// a key in the wrong place gets an error saying where it belongs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    DeriveActor,
    DeriveMessage,
    DeriveEvent,
    ActorImpl,
}

impl Site {
    fn name(self) -> &'static str {
        match self {
            Site::DeriveActor => "#[derive(Actor)]",
            Site::DeriveMessage => "#[derive(Message)]",
            Site::DeriveEvent => "#[derive(Event)]",
            Site::ActorImpl => "#[actor] on an impl block",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Site::DeriveActor => {
                "`mailbox = N`, `mailbox = unbounded`, `remote(Message, ..)` or `crate = path`"
            }
            _ => "`crate = path`",
        }
    }
}

/// Reads every `#[actor(...)]` among `attrs`.
pub(crate) fn parse_actor_attrs(attrs: &[Attribute], site: Site, errors: &mut Errors) -> ActorOptions {
    let mut options = ActorOptions::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("actor")) {
        let parsed = attr.parse_nested_meta(|meta| parse_key(&mut options, &meta, site));
        errors.ok(parsed);
    }
    options
}

/// Parses one `key = value` of `#[actor(...)]` into `options`.
pub(crate) fn parse_key(
    options: &mut ActorOptions,
    meta: &ParseNestedMeta<'_>,
    site: Site,
) -> syn::Result<()> {
    if meta.path.is_ident("crate") {
        options.krate.parse_value(meta)
    } else if meta.path.is_ident("mailbox") && site == Site::DeriveActor {
        if options.mailbox.is_some() {
            return Err(meta.error("duplicate `mailbox` key; give it once"));
        }
        let value: Expr = meta.value()?.parse()?;
        options.mailbox = Some(MailboxOption { key: meta.path.clone(), value });
        Ok(())
    } else if meta.path.is_ident("mailbox") {
        Err(meta.error(format_args!(
            "`mailbox` is not an option of {}; it sets the actor's mailbox, so put it on the actor type: \
             `#[derive(Actor)] #[actor(mailbox = 64)] struct MyActor {{ .. }}`",
            site.name()
        )))
    } else if meta.path.is_ident("remote") {
        parse_remote(options, meta, site)
    } else {
        let key = meta.path.get_ident().map(|ident| ident.to_string()).unwrap_or_else(|| "..".into());
        Err(meta.error(format_args!(
            "unknown key `{key}` in `#[actor(...)]` for {}; expected {}",
            site.name(),
            site.expected()
        )))
    }
}

/// Parses `remote(Transfer, Balance)`; only `#[derive(Actor)]` takes it.
fn parse_remote(options: &mut ActorOptions, meta: &ParseNestedMeta<'_>, site: Site) -> syn::Result<()> {
    match site {
        Site::DeriveActor => {}
        Site::DeriveMessage => {
            return Err(meta.error(
                "a message is made remote with its own attribute, `#[message(remote = \"bank.transfer.v1\")]`; \
                 `#[actor(remote(..))]` goes on the actor type and lists the remote messages it handles",
            ))
        }
        Site::DeriveEvent | Site::ActorImpl => {
            return Err(meta.error(format_args!(
                "`remote` is not an option of {}; it lists the remote messages an actor handles, so put it \
                 on the actor type: `#[derive(Actor)] #[actor(remote(Transfer, Balance))] struct MyActor {{ .. }}`",
                site.name()
            )))
        }
    }
    if options.remote.is_some() {
        return Err(meta.error("duplicate `remote` key; list every remote message in one `remote(..)`"));
    }
    if !meta.input.peek(Paren) {
        return Err(meta.error("write the remote messages as a list: `remote(Transfer, Balance)`"));
    }
    let content;
    let paren = syn::parenthesized!(content in meta.input);
    let messages = Punctuated::parse_terminated(&content)?;
    options.remote = Some(RemoteList { key: meta.path.clone(), paren, messages });
    Ok(())
}
