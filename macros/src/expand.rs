//! Code generation for `#[derive(Message)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{parse_quote, Data, DeriveInput};

use crate::attrs::MessageAttrs;
use crate::crate_path::{remote_path, runtime_path};

/// Expands `#[derive(Message)]` on `input` into a `Message` impl.
pub(crate) fn derive_message(input: DeriveInput) -> syn::Result<TokenStream> {
    if let Data::Union(data) = &input.data {
        return Err(syn::Error::new(
            data.union_token.span,
            "`#[derive(Message)]` supports structs and enums, not unions",
        ));
    }
    let attrs = MessageAttrs::from_attrs(&input.attrs)?;

    let krate = match &attrs.krate {
        Some(path) => quote!(#path),
        None => runtime_path(),
    };
    let name = &input.ident;

    let mut generics = input.generics.clone();
    let params: Vec<_> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    if !params.is_empty() {
        let where_clause = generics.make_where_clause();
        for param in params {
            where_clause
                .predicates
                .push(parse_quote!(#param: ::core::marker::Send + 'static));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let result = match &attrs.result {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    let priority = attrs.priority.as_ref().map(|(variant, span)| {
        quote_spanned! {*span=>
            const PRIORITY: #krate::Priority = #krate::Priority::#variant;
        }
    });

    let remote = attrs.remote.as_ref().map(|wire_name| {
        let remote = remote_path(&krate);
        quote_spanned! {wire_name.span()=>
            #[automatically_derived]
            impl #impl_generics #remote::RemoteMessage for #name #ty_generics #where_clause {
                const WIRE_NAME: &'static str = #wire_name;
            }
        }
    });

    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Message for #name #ty_generics #where_clause {
            type Result = #result;
            #priority
        }
        #remote
    })
}

#[cfg(test)]
mod tests {
    use super::derive_message;
    use syn::parse_quote;

    fn expand(input: syn::DeriveInput) -> String {
        derive_message(input).unwrap().to_string()
    }

    #[test]
    fn omitted_priority_emits_no_const_and_unit_result() {
        let out = expand(parse_quote! {
            #[message(crate = "rt")]
            struct Tick;
        });
        assert!(out.contains("impl rt :: Message for Tick"), "{out}");
        assert!(out.contains("type Result = ()"), "{out}");
        assert!(!out.contains("PRIORITY"), "{out}");
    }

    #[test]
    fn priority_is_case_insensitive_and_generics_get_bounds() {
        let out = expand(parse_quote! {
            #[message(crate = "rt", result = "Vec<T>", priority = "HiGh")]
            enum Batch<'a, T: Clone, const N: usize> where T: Default { A(&'a [T; N]) }
        });
        assert!(
            out.contains("const PRIORITY : rt :: Priority = rt :: Priority :: High"),
            "{out}"
        );
        assert!(
            out.contains("where T : Default , T : :: core :: marker :: Send + 'static"),
            "{out}"
        );
        assert!(out.contains("for Batch < 'a , T , N >"), "{out}");
    }

    #[test]
    fn the_facade_is_found_from_this_crates_manifest() {
        // `actor_system` is a dev-dependency of this crate, so it wins over the fallback.
        let out = expand(parse_quote! { struct Tick; });
        assert!(
            out.contains("impl :: actor_system :: Message for Tick"),
            "{out}"
        );
    }

    #[test]
    fn a_wire_name_implements_remote_message() {
        let out = expand(parse_quote! {
            #[message(crate = "rt", remote = "alys.chain.ProduceBlock.v1")]
            struct ProduceBlock;
        });
        assert!(
            out.contains("impl rt :: remote :: RemoteMessage for ProduceBlock"),
            "{out}"
        );
        assert!(
            out.contains("const WIRE_NAME : & 'static str = \"alys.chain.ProduceBlock.v1\""),
            "{out}"
        );
        let plain = expand(parse_quote! { #[message(crate = "rt")] struct Tick; });
        assert!(!plain.contains("RemoteMessage"), "{plain}");
    }

    #[test]
    fn errors_name_the_problem() {
        let err = |input: syn::DeriveInput| derive_message(input).err().unwrap().to_string();
        assert!(err(parse_quote! { #[message(prio = "high")] struct A; })
            .contains("unknown `message` attribute key `prio`"));
        assert!(err(parse_quote! { #[message(priority = "low")] struct A; })
            .contains("\"critical\", \"high\", \"normal\", \"background\""));
        assert!(err(parse_quote! { #[rtype(u8)] #[rtype(u16)] struct A; })
            .contains("duplicate result type"));
        assert!(err(parse_quote! { union U { a: u8 } }).contains("not unions"));
        assert!(
            err(parse_quote! { #[message(remote = "has space")] struct A; })
                .contains("printable ASCII without spaces")
        );
        assert!(
            err(parse_quote! { #[message(remote = "a", remote = "b")] struct A; })
                .contains("duplicate `remote` key")
        );
    }
}
