//! Where the `Message` trait lives, from the compiling crate's point of view.

use proc_macro2::TokenStream;
use proc_macro_crate::{crate_name, FoundCrate};
use quote::{format_ident, quote};

/// `::actor_system` if the facade is a dependency (or the crate itself), else
/// `::actor_system_runtime`, renamed dependencies included. Both crates declare
/// `extern crate self as <name>;`, so the absolute path also works inside them.
pub(crate) fn runtime_path() -> TokenStream {
    for name in ["actor_system", "actor_system_runtime"] {
        match crate_name(name) {
            Ok(FoundCrate::Itself) => {
                let ident = format_ident!("{name}");
                return quote!(::#ident);
            }
            Ok(FoundCrate::Name(renamed)) => {
                let ident = format_ident!("{renamed}");
                return quote!(::#ident);
            }
            Err(_) => continue,
        }
    }
    quote!(::actor_system)
}
