//! The rules a `#[message]` method must follow, each with an error at the
//! user's own tokens that names the fix. A method that breaks one is marked
//! `broken`, and the expand stage emits its fallback instead.

use std::collections::{BTreeSet, HashMap};

use quote::ToTokens;
use syn::{GenericParam, ReceiverKind, Safety, Type};

use super::parse::{is_context, ActorImpl, MessageFn};
use crate::errors::Errors;
use crate::generics::{mentioned, not_owned, param_name, NotOwned};

/// Methods every `ActorRef` already has (inherent, or from traits in the
/// standard prelude). A client method with one of these names would be
/// hidden by the inherent one, or be ambiguous with the trait's.
/// Keep in step with `actor_core::ActorRef`.
const ACTOR_REF_METHODS: &[&str] = &[
    "tell",
    "try_tell",
    "blocking_tell",
    "ask",
    "recipient",
    "id",
    "name",
    "is_alive",
    "mailbox_len",
    "stop",
    "kill",
    "wait_for_stop",
    "downgrade",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "into",
    "try_into",
    "to_owned",
];

pub(crate) fn validate(actor: &mut ActorImpl, errors: &mut Errors) {
    if let Some((path, _)) = &actor.item.trait_ {
        errors.spanned(
            path,
            "`#[actor]` goes on the actor's own impl block (`#[actor] impl MyActor { .. }`), not on a trait impl",
        );
    }
    if actor.actor_ident.is_none() {
        errors.spanned(
            &actor.item.self_ty,
            "`#[actor]` needs a named actor type: `#[actor] impl MyActor { .. }`",
        );
    }

    for message in &mut actor.messages {
        validate_message(message, errors);
    }

    let client = actor.actor_ident.as_ref().map(|ident| format!("{ident}Ref"));
    let mut names: HashMap<String, String> = HashMap::new();
    for message in &mut actor.messages {
        let name = message.name.to_string();
        let method = message.method.sig.ident.to_string();
        if let Some(first) = names.get(&name) {
            errors.spanned(
                &message.name,
                format_args!(
                    "`{method}` and `{first}` would both generate the message struct `{name}`; \
                     rename one method, or name its struct with `#[message(name = OtherName)]`"
                ),
            );
            message.duplicate = true;
        } else if client.as_deref() == Some(name.as_str()) {
            errors.spanned(
                &message.name,
                format_args!(
                    "the message struct `{name}` would clash with the generated client trait `{name}`; \
                     rename the method, or name its struct with `#[message(name = OtherName)]`"
                ),
            );
            message.duplicate = true;
        } else {
            names.insert(name, method.clone());
        }
        if ACTOR_REF_METHODS.contains(&method.as_str()) {
            errors.spanned(
                &message.method.sig.ident,
                format_args!(
                    "a `#[message]` method cannot be named `{method}`: its client method `actor_ref.{method}(..)` \
                     would be hidden by `ActorRef::{method}`; rename the method (e.g. `{method}_now`)"
                ),
            );
            message.shadowed = true;
        }
    }
}

fn validate_message(message: &mut MessageFn, errors: &mut Errors) {
    let sig = &message.method.sig;
    let mut broken = false;

    match sig.receiver() {
        None => fail(
            errors,
            &mut broken,
            &sig.ident,
            "a `#[message]` method handles messages sent to the actor, so it needs `&mut self` (or `&self`) \
             as its first argument; add it, or drop `#[message]` from this associated function",
        ),
        Some(receiver) => match &receiver.kind {
            ReceiverKind::Reference(..) => {}
            ReceiverKind::Value => fail(
                errors,
                &mut broken,
                receiver,
                "a `#[message]` method cannot take `self` by value: the actor lives on after each message; \
                 take `&mut self` (or `&self`)",
            ),
            ReceiverKind::Typed(_, ty) if matches!(&**ty, Type::Reference(r) if is_self(&r.elem)) => {}
            _ => fail(errors, &mut broken, receiver, "a `#[message]` method takes `&mut self` or `&self`"),
        },
    }
    if let Safety::Unsafe(token) = &sig.safety {
        fail(
            errors,
            &mut broken,
            token,
            "a `#[message]` method cannot be `unsafe`: the actor calls it for every message",
        );
    }

    for arg in &mut message.args {
        if is_context(&arg.ty) {
            arg.usable = false;
            fail(
                errors,
                &mut broken,
                &arg.ty,
                "the context must be the last argument: `ctx: &mut Context<Self>`",
            );
        } else if arg.ident.is_none() {
            arg.usable = false;
            fail(errors, &mut broken,
                &arg.pat,
                "each `#[message]` argument becomes a field of the message struct, so it needs a plain name: \
                 write `name: Type` and destructure inside the method",
            );
        } else {
            match not_owned(&arg.ty) {
                Some(NotOwned::Borrowed(tokens)) => {
                    arg.usable = false;
                    broken = true;
                    errors.spanned(
                        tokens,
                        "a message is sent to the actor's task, so its fields must own their data: \
                         use an owned type (`String` for `&str`, `Vec<T>` for `&[T]`) or a `&'static` reference",
                    );
                }
                Some(NotOwned::ImplTrait(tokens)) => {
                    arg.usable = false;
                    broken = true;
                    errors.spanned(
                        tokens,
                        "an `impl Trait` argument cannot be stored in the message struct; \
                         use a named generic parameter instead: `fn name<T: Trait>(&mut self, arg: T)`",
                    );
                }
                None => {}
            }
        }
    }
    if let Some(ctx) = &message.ctx {
        if matches!(&ctx.ty, Type::Reference(r) if r.mutability.is_none()) {
            fail(errors, &mut broken, &ctx.ty, "take the context mutably: `ctx: &mut Context<Self>`");
        }
    }

    match not_owned(&message.reply) {
        Some(NotOwned::Borrowed(tokens)) => {
            broken = true;
            errors.spanned(
                tokens,
                "the reply travels back to the asker's task, so it must own its data: \
                 return an owned type (`String` for `&str`, `Vec<T>` for `&[T]`, a clone of the field)",
            );
        }
        Some(NotOwned::ImplTrait(tokens)) => {
            broken = true;
            errors.spanned(
                tokens,
                "the reply of a `#[message]` method must be a named type; \
                 return a concrete type (or `Box<dyn Trait + Send>`) instead of `impl Trait`",
            );
        }
        None => {}
    }

    // Every type or const parameter of the method must be fixed by the
    // message: it appears in an argument or the reply.
    let names: BTreeSet<String> = sig.generics.params.iter().filter_map(param_name).collect();
    let mut used = BTreeSet::new();
    for arg in &message.args {
        mentioned(arg.ty.to_token_stream(), &names, &mut used);
    }
    mentioned(message.reply.to_token_stream(), &names, &mut used);
    for param in &sig.generics.params {
        let ident = match param {
            GenericParam::Type(ty) => &ty.ident,
            GenericParam::Const(konst) => &konst.ident,
            _ => continue,
        };
        if !used.contains(&ident.to_string()) {
            fail(
                errors,
                &mut broken,
                ident,
                "this generic parameter appears in no argument and not in the return type, \
                 so the message struct cannot carry it; use it in an argument or remove it",
            );
        }
    }

    message.broken |= broken;
}

fn fail(errors: &mut Errors, broken: &mut bool, tokens: impl ToTokens, text: &str) {
    errors.spanned(tokens, text);
    *broken = true;
}

fn is_self(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("Self"))
}
