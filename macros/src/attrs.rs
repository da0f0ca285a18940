//! Parsing of `#[message(...)]` and actix-style `#[rtype(...)]` attributes.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, LitStr, Path, Token, Type};

/// Keys accepted inside `#[message(...)]`.
const MESSAGE_KEYS: &str = "`result`, `priority`, `crate`, `remote`";

/// Priority names accepted by `priority = "..."` (case-insensitive), highest first.
const PRIORITIES: [(&str, &str); 4] = [
    ("critical", "Critical"),
    ("high", "High"),
    ("normal", "Normal"),
    ("background", "Background"),
];

/// Everything the attributes of one `#[derive(Message)]` item say.
#[derive(Default)]
pub(crate) struct MessageAttrs {
    /// `result = "T"`, `#[rtype(result = "T")]` or `#[rtype(T)]`; `None` means `()`.
    pub(crate) result: Option<Type>,
    /// The `Priority` variant named by `priority = "..."`, with the span of the literal.
    pub(crate) priority: Option<(Ident, Span)>,
    /// `crate = "path"`: where the runtime lives, instead of discovering it.
    pub(crate) krate: Option<Path>,
    /// `remote = "wire.Name.v1"`: the stable name of the message on the wire.
    pub(crate) remote: Option<LitStr>,
}

impl MessageAttrs {
    /// Reads every `#[message]` and `#[rtype]` attribute; other attributes are ignored.
    pub(crate) fn from_attrs(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = MessageAttrs::default();
        let mut errors: Option<syn::Error> = None;
        for attr in attrs {
            let result = if attr.path().is_ident("message") {
                attr.meta.require_list().and_then(|list| {
                    (|input: ParseStream| out.parse_message(input)).parse2(list.tokens.clone())
                })
            } else if attr.path().is_ident("rtype") {
                attr.meta.require_list().and_then(|list| {
                    (|input: ParseStream| out.parse_rtype(input)).parse2(list.tokens.clone())
                })
            } else {
                continue;
            };
            if let Err(err) = result {
                match &mut errors {
                    Some(all) => all.combine(err),
                    None => errors = Some(err),
                }
            }
        }
        match errors {
            Some(err) => Err(err),
            None => Ok(out),
        }
    }

    /// `#[message(key = "value", ...)]`.
    fn parse_message(&mut self, input: ParseStream) -> syn::Result<()> {
        while !input.is_empty() {
            let key = Ident::parse_any(input)?;
            let name = key.to_string();
            match name.as_str() {
                "result" => {
                    let lit = parse_value(input, &key)?;
                    self.set_result(&key, parse_result_type(&lit)?)?;
                }
                "priority" => {
                    let lit = parse_value(input, &key)?;
                    let variant = parse_priority(&lit)?;
                    if self.priority.is_some() {
                        return Err(duplicate(&key));
                    }
                    self.priority = Some((variant, lit.span()));
                }
                "crate" => {
                    let lit = parse_value(input, &key)?;
                    let path = lit.parse::<Path>().map_err(|err| {
                        syn::Error::new(
                            err.span(),
                            format!("`crate` must be a path such as \"::actor_system\": {err}"),
                        )
                    })?;
                    if self.krate.is_some() {
                        return Err(duplicate(&key));
                    }
                    self.krate = Some(path);
                }
                "remote" => {
                    let lit = parse_value(input, &key)?;
                    check_wire_name(&lit)?;
                    if self.remote.is_some() {
                        return Err(duplicate(&key));
                    }
                    self.remote = Some(lit);
                }
                _ => {
                    let msg = format!("unknown `message` attribute key `{name}`");
                    return Err(syn::Error::new(
                        key.span(),
                        format!("{msg}: expected one of {MESSAGE_KEYS}"),
                    ));
                }
            }
            parse_separator(input)?;
        }
        Ok(())
    }

    /// actix's `#[rtype(result = "T")]` or its shorthand `#[rtype(T)]`.
    fn parse_rtype(&mut self, input: ParseStream) -> syn::Result<()> {
        if input.is_empty() {
            return Err(input.error("expected `#[rtype(result = \"T\")]` or `#[rtype(T)]`"));
        }
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) {
            let key = Ident::parse_any(input)?;
            if key != "result" {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown `rtype` attribute key `{key}`: expected `result` \
                         (put other keys in `#[message(...)]`)"
                    ),
                ));
            }
            let lit = parse_value(input, &key)?;
            self.set_result(&key, parse_result_type(&lit)?)?;
        } else {
            let ty: Type = input.parse()?;
            if self.result.is_some() {
                return Err(syn::Error::new_spanned(
                    &ty,
                    "duplicate result type: it is already set by another `result` or `rtype`",
                ));
            }
            self.result = Some(ty);
        }
        parse_separator(input)?;
        if !input.is_empty() {
            return Err(input.error("`rtype` takes a single result type"));
        }
        Ok(())
    }

    fn set_result(&mut self, key: &Ident, ty: Type) -> syn::Result<()> {
        if self.result.is_some() {
            return Err(duplicate(key));
        }
        self.result = Some(ty);
        Ok(())
    }
}

/// `= "literal"` after a key.
fn parse_value(input: ParseStream, key: &Ident) -> syn::Result<LitStr> {
    input.parse::<Token![=]>()?;
    input.parse::<LitStr>().map_err(|err| {
        syn::Error::new(
            err.span(),
            format!("expected a string literal, as in `{key} = \"...\"`"),
        )
    })
}

/// A comma between entries (optional after the last one).
fn parse_separator(input: ParseStream) -> syn::Result<()> {
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

fn parse_result_type(lit: &LitStr) -> syn::Result<Type> {
    lit.parse::<Type>().map_err(|err| {
        syn::Error::new(
            lit.span(),
            format!(
                "`result` must be a Rust type, but {:?} does not parse as one: {err}",
                lit.value()
            ),
        )
    })
}

fn parse_priority(lit: &LitStr) -> syn::Result<Ident> {
    let value = lit.value();
    PRIORITIES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(value.trim()))
        .map(|(_, variant)| Ident::new(variant, lit.span()))
        .ok_or_else(|| {
            syn::Error::new(
                lit.span(),
                format!(
                    "unknown priority {value:?}: expected one of \"critical\", \"high\", \
                     \"normal\", \"background\" (case-insensitive)"
                ),
            )
        })
}

/// A wire name is printable ASCII without spaces, e.g. `alys.chain.ProduceBlock.v1`.
fn check_wire_name(lit: &LitStr) -> syn::Result<()> {
    let value = lit.value();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`remote` must be a non-empty wire name of printable ASCII without spaces, \
                 such as \"alys.chain.ProduceBlock.v1\" (got {value:?})"
            ),
        ));
    }
    Ok(())
}

fn duplicate(key: &Ident) -> syn::Error {
    let extra = if key == "result" {
        " (`#[message(result)]`, `#[rtype(result)]` and `#[rtype(T)]` all set it)"
    } else {
        ""
    };
    syn::Error::new(key.span(), format!("duplicate `{key}` key{extra}"))
}
