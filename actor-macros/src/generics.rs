//! Type and generics helpers shared by the macros: which generic parameters
//! a type mentions, `Self` substitution, the `Send + 'static` bounds
//! messages need, and spotting types a message cannot own.

use std::collections::BTreeSet;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::punctuated::Punctuated;
use syn::{
    GenericArgument, GenericParam, Generics, Ident, PathArguments, ReturnType, Token, Type, TypeParamBound,
    WherePredicate,
};

/// The name of a type or const parameter (lifetimes have none here: message
/// structs never carry lifetimes).
pub(crate) fn param_name(param: &GenericParam) -> Option<String> {
    match param {
        GenericParam::Type(ty) => Some(ty.ident.to_string()),
        GenericParam::Const(konst) => Some(konst.ident.to_string()),
        _ => None,
    }
}

/// Which of `names` appear as identifiers in `tokens`.
pub(crate) fn mentioned(tokens: TokenStream, names: &BTreeSet<String>, found: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                let ident = ident.to_string();
                if names.contains(&ident) {
                    found.insert(ident);
                }
            }
            TokenTree::Group(group) => mentioned(group.stream(), names, found),
            _ => {}
        }
    }
}

/// Replaces `Self` with `self_ty`, so a method's `-> Self` or `Vec<Self>`
/// still means the actor inside the generated message struct.
pub(crate) fn replace_self(tokens: TokenStream, self_ty: &TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Ident(ident) if ident == "Self" => {
                let path_follows = matches!(trees.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if path_follows {
                    out.extend(quote!(<#self_ty>));
                } else {
                    out.extend(self_ty.clone());
                }
            }
            TokenTree::Group(group) => {
                let mut replaced = Group::new(group.delimiter(), replace_self(group.stream(), self_ty));
                replaced.set_span(group.span());
                out.extend([TokenTree::Group(replaced)]);
            }
            other => out.extend([other]),
        }
    }
    out
}

/// `tokens` with every span set to `span`, so that an error about them
/// points there (e.g. an impl's self type, at the attribute that asked for
/// the impl). Only for tokens written by the user: they keep their hygiene.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                tree = TokenTree::Group(Group::new(group.delimiter(), respan(group.stream(), span)));
            }
            tree.set_span(span);
            tree
        })
        .collect()
}

/// `Self`-substituted copy of a type.
pub(crate) fn replace_self_in_type(ty: &Type, self_ty: &TokenStream) -> Type {
    let tokens = replace_self(ty.to_token_stream(), self_ty);
    syn::parse2(tokens).unwrap_or_else(|_| ty.clone())
}

/// The reply type of a method: its return type, `()` if it has none.
pub(crate) fn return_type(output: &ReturnType) -> Type {
    match output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    }
}

/// A part of a type that a message cannot hold, as tokens for the error's span.
pub(crate) enum NotOwned {
    /// A reference or lifetime other than `'static`.
    Borrowed(TokenStream),
    /// `impl Trait`.
    ImplTrait(TokenStream),
}

/// Finds the first part of `ty` that stops it from travelling to another
/// task: a non-`'static` borrow or an `impl Trait`. Function pointers and
/// `Fn(&T)` sugar are fine (their lifetimes are higher-ranked).
pub(crate) fn not_owned(ty: &Type) -> Option<NotOwned> {
    match ty {
        Type::Reference(reference) => match &reference.lifetime {
            Some(lifetime) if lifetime.ident == "static" => not_owned(&reference.elem),
            _ => Some(NotOwned::Borrowed(reference.to_token_stream())),
        },
        Type::ImplTrait(impl_trait) => Some(NotOwned::ImplTrait(impl_trait.to_token_stream())),
        Type::Path(path) => {
            let qself = path.qself.as_ref().and_then(|qself| not_owned(&qself.ty));
            qself.or_else(|| path_not_owned(&path.path))
        }
        Type::TraitObject(object) => object.bounds.iter().find_map(|bound| match bound {
            TypeParamBound::Trait(bound) => path_not_owned(&bound.path),
            TypeParamBound::Lifetime(lifetime) if lifetime.ident != "static" => {
                Some(NotOwned::Borrowed(lifetime.to_token_stream()))
            }
            _ => None,
        }),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(not_owned),
        Type::Array(array) => not_owned(&array.elem),
        Type::Slice(slice) => not_owned(&slice.elem),
        Type::Paren(paren) => not_owned(&paren.elem),
        Type::Group(group) => not_owned(&group.elem),
        Type::Ptr(ptr) => not_owned(&ptr.elem),
        _ => None,
    }
}

fn path_not_owned(path: &syn::Path) -> Option<NotOwned> {
    path.segments.iter().find_map(|segment| match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => not_owned(ty),
            GenericArgument::Lifetime(lifetime) if lifetime.ident != "static" => {
                Some(NotOwned::Borrowed(lifetime.to_token_stream()))
            }
            _ => None,
        }),
        // `Fn(&str) -> u8` sugar: its lifetimes are higher-ranked.
        _ => None,
    })
}

/// `generics` with `T: Send (+ Sync) + 'static` added for every type
/// parameter: what `Actor`, `Message` and `Event` require of their types.
pub(crate) fn with_thread_bounds(generics: &Generics, sync: bool) -> Generics {
    let mut generics = generics.clone();
    let params: Vec<_> = generics.type_params().map(|param| param.ident.clone()).collect();
    for param in params {
        add_thread_bounds(&mut generics, &param, sync);
    }
    generics
}

/// Adds `Send (+ Sync) + 'static` to the type parameter `param`, where the
/// user already bounds it (inline or in the where clause, so that clippy's
/// `multiple_bound_locations` stays quiet), skipping bounds already there.
pub(crate) fn add_thread_bounds(generics: &mut Generics, param: &Ident, sync: bool) {
    let mut wanted: Vec<TypeParamBound> = vec![syn::parse_quote!(::core::marker::Send)];
    if sync {
        wanted.push(syn::parse_quote!(::core::marker::Sync));
    }
    wanted.push(syn::parse_quote!('static));

    let in_where = generics
        .where_clause
        .iter()
        .flat_map(|clause| &clause.predicates)
        .any(|predicate| matches!(predicate, WherePredicate::Type(p) if is_param(&p.bounded_ty, param)));
    let has = |bounds: &Punctuated<TypeParamBound, Token![+]>, bound: &TypeParamBound| {
        bounds.iter().any(|existing| same_bound(existing, bound))
    };
    if !in_where {
        if let Some(type_param) = generics.type_params_mut().find(|p| p.ident == *param) {
            if !type_param.bounds.is_empty() {
                for bound in wanted {
                    if !has(&type_param.bounds, &bound) {
                        type_param.bounds.push(bound);
                    }
                }
                return;
            }
        }
    }
    let clause = generics.make_where_clause();
    let existing = clause.predicates.iter_mut().find_map(|predicate| match predicate {
        WherePredicate::Type(p) if is_param(&p.bounded_ty, param) => Some(p),
        _ => None,
    });
    match existing {
        Some(predicate) => {
            for bound in wanted {
                if !has(&predicate.bounds, &bound) {
                    predicate.bounds.push(bound);
                }
            }
        }
        None => clause.predicates.push(syn::parse_quote!(#param: #(#wanted)+*)),
    }
}

fn is_param(ty: &Type, param: &Ident) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident(param))
}

/// Same trait (by last path segment) or same lifetime.
fn same_bound(a: &TypeParamBound, b: &TypeParamBound) -> bool {
    match (a, b) {
        (TypeParamBound::Trait(a), TypeParamBound::Trait(b)) => {
            a.path.segments.last().map(|s| &s.ident) == b.path.segments.last().map(|s| &s.ident)
        }
        (TypeParamBound::Lifetime(a), TypeParamBound::Lifetime(b)) => a.ident == b.ident,
        _ => false,
    }
}

/// The lifetimes named in `tokens` (without the leading `'`).
pub(crate) fn lifetimes(tokens: TokenStream, found: &mut BTreeSet<String>) {
    let mut quote_before = false;
    for tree in tokens {
        match tree {
            TokenTree::Punct(punct) => {
                quote_before = punct.as_char() == '\'';
                continue;
            }
            TokenTree::Ident(ident) if quote_before => {
                found.insert(ident.to_string());
            }
            TokenTree::Group(group) => lifetimes(group.stream(), found),
            _ => {}
        }
        quote_before = false;
    }
}
