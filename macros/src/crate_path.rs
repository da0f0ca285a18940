//! Finding the path under which the caller sees the runtime.

use proc_macro2::{Span, TokenStream};
use proc_macro_crate::{crate_name, FoundCrate};
use quote::quote;
use syn::Ident;

/// The path to the crate that defines `Message` and `Priority`, as seen from the crate being
/// compiled.
///
/// The facade `actor_system` is preferred (a dependency, possibly renamed, or the facade itself,
/// which declares `extern crate self as actor_system;`); then the runtime crate
/// `actor_system_runtime` (which declares `extern crate self as actor_system_runtime;`). When
/// neither can be found in the caller's manifest, `::actor_system` is assumed; the
/// `#[message(crate = "...")]` override covers anything else.
pub(crate) fn runtime_path() -> TokenStream {
    for candidate in ["actor_system", "actor_system_runtime"] {
        match crate_name(candidate) {
            Ok(FoundCrate::Itself) => {
                let ident = Ident::new(candidate, Span::call_site());
                return quote!(::#ident);
            }
            Ok(FoundCrate::Name(name)) => {
                let ident = Ident::new(&name, Span::call_site());
                return quote!(::#ident);
            }
            Err(_) => {}
        }
    }
    quote!(::actor_system)
}
