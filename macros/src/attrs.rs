//! Parsing of `#[message(...)]` and `#[rtype(...)]`.

use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Path, Type};

/// What the attributes asked for.
#[derive(Default)]
pub(crate) struct MessageAttrs {
    pub(crate) result: Option<Type>,
    pub(crate) priority: Option<syn::Ident>,
    pub(crate) krate: Option<Path>,
}

const PRIORITIES: [(&str, &str); 4] = [
    ("critical", "Critical"),
    ("high", "High"),
    ("normal", "Normal"),
    ("background", "Background"),
];

impl MessageAttrs {
    pub(crate) fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = MessageAttrs::default();
        for attr in attrs {
            if attr.path().is_ident("message") {
                out.parse_message(attr)?;
            } else if attr.path().is_ident("rtype") {
                out.parse_rtype(attr)?;
            }
        }
        Ok(out)
    }

    fn set_result(&mut self, lit: &LitStr) -> syn::Result<()> {
        if self.result.is_some() {
            return Err(syn::Error::new(
                lit.span(),
                "duplicate `result`: give the result type once",
            ));
        }
        let ty = lit.parse::<Type>().map_err(|e| {
            syn::Error::new(
                lit.span(),
                format!("`result` must be a Rust type, e.g. \"Result<u64, ActorError>\": {e}"),
            )
        })?;
        self.result = Some(ty);
        Ok(())
    }

    fn parse_message(&mut self, attr: &Attribute) -> syn::Result<()> {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("result") {
                let lit: LitStr = meta.value()?.parse()?;
                self.set_result(&lit)
            } else if meta.path.is_ident("priority") {
                let lit: LitStr = meta.value()?.parse()?;
                if self.priority.is_some() {
                    return Err(syn::Error::new(lit.span(), "duplicate `priority`: give the priority once"));
                }
                let wanted = lit.value().to_ascii_lowercase();
                let Some((_, variant)) = PRIORITIES.iter().find(|(name, _)| *name == wanted) else {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("unknown priority \"{}\": use one of \"critical\", \"high\", \"normal\", \"background\"", lit.value()),
                    ));
                };
                self.priority = Some(syn::Ident::new(variant, lit.span()));
                Ok(())
            } else if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                if self.krate.is_some() {
                    return Err(syn::Error::new(lit.span(), "duplicate `crate`: give the path once"));
                }
                self.krate = Some(lit.parse::<Path>().map_err(|e| {
                    syn::Error::new(lit.span(), format!("`crate` must be a path, e.g. \"::actor_system\": {e}"))
                })?);
                Ok(())
            } else {
                let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_else(|| "?".into());
                Err(syn::Error::new(
                    meta.path.span(),
                    format!("unknown attribute key `{key}`: expected `result`, `priority` or `crate`"),
                ))
            }
        })
    }

    /// actix's `#[rtype(result = "T")]` or `#[rtype(T)]`.
    fn parse_rtype(&mut self, attr: &Attribute) -> syn::Result<()> {
        let keyed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("result") {
                let lit: LitStr = meta.value()?.parse()?;
                self.set_result(&lit)
            } else {
                Err(meta.error("not a key"))
            }
        });
        if keyed.is_ok() {
            return Ok(());
        }
        let ty: Type = attr.parse_args().map_err(|_| {
            syn::Error::new(
                attr.span(),
                "expected `#[rtype(result = \"T\")]` or `#[rtype(T)]`",
            )
        })?;
        if self.result.is_some() {
            return Err(syn::Error::new(
                ty.span(),
                "duplicate `result`: give the result type once",
            ));
        }
        self.result = Some(ty);
        Ok(())
    }
}
