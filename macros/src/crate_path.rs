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
    ["actor_system", "actor_system_runtime"]
        .into_iter()
        .find_map(found)
        .unwrap_or_else(|| quote!(::actor_system))
}

/// The path to the crate that defines `RemoteMessage`: the remote crate `actor_system_remote`
/// if the caller depends on it (or is it: it declares `extern crate self as
/// actor_system_remote;`), else the facade's `remote` module (its `remote` feature), under
/// `runtime` (the path [`runtime_path`] found, or the `crate = "..."` override).
pub(crate) fn remote_path(runtime: &TokenStream) -> TokenStream {
    found("actor_system_remote").unwrap_or_else(|| quote!(#runtime::remote))
}

/// `::name` (or its renamed form) if the caller depends on the crate `candidate` or is it.
fn found(candidate: &str) -> Option<TokenStream> {
    let name = match crate_name(candidate).ok()? {
        FoundCrate::Itself => candidate.to_owned(),
        FoundCrate::Name(name) => name,
    };
    let ident = Ident::new(&name, Span::call_site());
    Some(quote!(::#ident))
}
