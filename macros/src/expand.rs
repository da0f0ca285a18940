//! Code generation for `#[derive(Message)]`.

use crate::attrs::MessageAttrs;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, Data, DeriveInput};

pub(crate) fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    if let Data::Union(u) = &input.data {
        return Err(syn::Error::new(
            u.union_token.span,
            "`Message` cannot be derived for a union: use a struct or an enum",
        ));
    }
    if let Some(lt) = input.generics.lifetimes().next() {
        return Err(syn::Error::new(
            lt.lifetime.span(),
            "messages must be 'static (they cross tasks): remove the lifetime parameter",
        ));
    }
    let attrs = MessageAttrs::parse(&input.attrs)?;
    let krate = match attrs.krate {
        Some(path) => quote!(#path),
        None => crate::crate_path::runtime_path(),
    };
    let result = attrs.result.unwrap_or_else(|| parse_quote!(()));
    let priority = attrs
        .priority
        .map(|variant| quote!(const PRIORITY: #krate::Priority = #krate::Priority::#variant;));

    let mut generics = input.generics.clone();
    let params: Vec<_> = input
        .generics
        .type_params()
        .map(|p| p.ident.clone())
        .collect();
    let where_clause = generics.make_where_clause();
    for param in params {
        where_clause
            .predicates
            .push(parse_quote!(#param: ::core::marker::Send + 'static));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let name = &input.ident;
    Ok(quote! {
        impl #impl_generics #krate::Message for #name #ty_generics #where_clause {
            type Result = #result;
            #priority
        }
    })
}
