//! Reads the impl block: the `#[actor(...)]` options, and for every
//! `#[message]` method its name, receiver, arguments, generics and reply.
//! The `#[message]` attributes are removed from the block, which is
//! otherwise emitted as written.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, Meta, Pat, Path, Token, Type};

use crate::errors::Errors;
use crate::generics::return_type;
use crate::options::{parse_key, ActorOptions, Site};

/// An `#[actor]` impl block.
pub(crate) struct ActorImpl {
    /// The block, minus its `#[message]` attributes.
    pub(crate) item: ItemImpl,
    pub(crate) options: ActorOptions,
    /// The actor's name (last segment of the self type), for the client trait.
    pub(crate) actor_ident: Option<Ident>,
    pub(crate) messages: Vec<MessageFn>,
}

/// One `#[message]` method.
pub(crate) struct MessageFn {
    /// The method as written (attributes other than `#[message]` kept).
    pub(crate) method: ImplItemFn,
    /// The message struct's name: `#[message(name = ..)]` or the method's
    /// name in UpperCamelCase.
    pub(crate) name: Ident,
    /// `#[message(derive(..))]`, passed to the struct.
    pub(crate) derives: Vec<Path>,
    /// Arguments after `self`, ctx excluded.
    pub(crate) args: Vec<Arg>,
    /// The trailing `&mut Context<Self>` argument, if any.
    pub(crate) ctx: Option<Arg>,
    pub(crate) reply: Type,
    /// Set by the validate stage: emit the fallback expansion (struct and
    /// impls that keep the rest of the crate compiling, no real handler).
    pub(crate) broken: bool,
    /// Set by the validate stage: another message already has this struct
    /// name, so this one generates nothing.
    pub(crate) duplicate: bool,
    /// Set by the validate stage: the client method would be hidden by a
    /// method `ActorRef` already has, so it is not generated.
    pub(crate) shadowed: bool,
}

/// One argument of a `#[message]` method.
pub(crate) struct Arg {
    pub(crate) pat: Pat,
    pub(crate) ty: Type,
    /// The field name, when the pattern is a plain identifier.
    pub(crate) ident: Option<Ident>,
    /// Set by the validate stage when the argument cannot be a field.
    pub(crate) usable: bool,
}

/// `None` if the item is not an impl block (the error is recorded).
pub(crate) fn parse(args: TokenStream, item: TokenStream, errors: &mut Errors) -> Option<ActorImpl> {
    let mut options = ActorOptions::default();
    let parser = syn::meta::parser(|meta| parse_key(&mut options, &meta, Site::ActorImpl));
    errors.ok(parser.parse2(args));

    let mut item = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(item) => item,
        Err(err) => {
            not_an_impl(item, err, errors);
            return None;
        }
    };

    let mut messages = Vec::new();
    for impl_item in &mut item.items {
        match impl_item {
            ImplItem::Fn(method) => {
                let attrs = take_message_attrs(&mut method.attrs);
                let mut attrs = attrs.into_iter();
                if let Some(attr) = attrs.next() {
                    for duplicate in attrs {
                        errors.spanned(duplicate, "duplicate `#[message]` on this method; remove one");
                    }
                    messages.push(parse_method(method, attr, errors));
                }
            }
            ImplItem::Const(item) => reject_message_attrs(&mut item.attrs, errors),
            ImplItem::Type(item) => reject_message_attrs(&mut item.attrs, errors),
            ImplItem::Macro(item) => reject_message_attrs(&mut item.attrs, errors),
            _ => {}
        }
    }

    let actor_ident = match &*item.self_ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    };
    Some(ActorImpl { item, options, actor_ident, messages })
}

fn not_an_impl(item: TokenStream, err: syn::Error, errors: &mut Errors) {
    match syn::parse2::<syn::Item>(item) {
        Ok(syn::Item::Struct(syn::ItemStruct { ident, .. }))
        | Ok(syn::Item::Enum(syn::ItemEnum { ident, .. })) => errors.spanned(
            ident,
            "`#[actor]` goes on the actor's impl block (`#[actor] impl MyActor { .. }`); \
             to make this type an actor, write `#[derive(Actor)]` (options such as \
             `#[actor(mailbox = 64)]` go after the derive)",
        ),
        Ok(other) => errors.at(
            first_token_span(&other),
            "`#[actor]` goes on the actor's impl block (`#[actor] impl MyActor { .. }`); \
             to make a type an actor, use `#[derive(Actor)]`",
        ),
        Err(_) => errors.push(err),
    }
}

fn first_token_span(item: &syn::Item) -> Span {
    quote::ToTokens::into_token_stream(item).into_iter().next().map_or_else(Span::call_site, |t| t.span())
}

fn take_message_attrs(attrs: &mut Vec<Attribute>) -> Vec<Attribute> {
    let (message, rest): (Vec<_>, Vec<_>) = attrs.drain(..).partition(|attr| attr.path().is_ident("message"));
    *attrs = rest;
    message
}

fn reject_message_attrs(attrs: &mut Vec<Attribute>, errors: &mut Errors) {
    for attr in take_message_attrs(attrs) {
        errors.spanned(attr, "`#[message]` goes on a method (`#[message] async fn name(&mut self, ..)`)");
    }
}

fn parse_method(method: &ImplItemFn, attr: Attribute, errors: &mut Errors) -> MessageFn {
    let mut name = None;
    let mut derives = Vec::new();
    match &attr.meta {
        Meta::Path(_) => {}
        Meta::List(_) => {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    name = Some(meta.value()?.parse::<Ident>()?);
                    Ok(())
                } else if meta.path.is_ident("derive") {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    derives.extend(Punctuated::<Path, Token![,]>::parse_terminated(&content)?);
                    Ok(())
                } else {
                    let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_else(|| "..".into());
                    Err(meta.error(format_args!(
                        "unknown key `{key}` in `#[message(..)]`; expected `name = StructName` or `derive(Trait, ..)`"
                    )))
                }
            });
            errors.ok(parsed);
        }
        Meta::NameValue(meta) => errors.spanned(
            meta.eq_token,
            "write `#[message]`, `#[message(name = StructName)]` or `#[message(derive(Debug))]`",
        ),
    }
    let name = name.unwrap_or_else(|| {
        let camel = upper_camel(&method.sig.ident);
        if camel.starts_with(|c: char| c.is_alphabetic()) {
            Ident::new(&camel, method.sig.ident.span())
        } else {
            errors.spanned(
                &method.sig.ident,
                "cannot make a struct name from this method name; name it with `#[message(name = StructName)]`",
            );
            Ident::new("UnnamedMessage", method.sig.ident.span())
        }
    });

    let mut args: Vec<Arg> = method
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(Arg {
                pat: (*typed.pat).clone(),
                ty: (*typed.ty).clone(),
                ident: match &*typed.pat {
                    Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                        Some(pat.ident.clone())
                    }
                    _ => None,
                },
                usable: true,
            }),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let ctx = if args.last().is_some_and(|arg| is_context(&arg.ty)) { args.pop() } else { None };

    MessageFn {
        method: method.clone(),
        name,
        derives,
        args,
        ctx,
        reply: return_type(&method.sig.output),
        broken: false,
        duplicate: false,
        shadowed: false,
    }
}

/// `&mut Context<..>` (or `&Context<..>`, which validate rejects), by the
/// last path segment, so `actor_core::Context<Self>` works too.
pub(crate) fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => match &*reference.elem {
            Type::Path(path) => path.path.segments.last().is_some_and(|segment| segment.ident == "Context"),
            _ => false,
        },
        _ => false,
    }
}

/// `deposit_all` -> `DepositAll`; a raw `r#type` -> `Type`.
pub(crate) fn upper_camel(ident: &Ident) -> String {
    let name = ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}
