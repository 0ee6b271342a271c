//! Doc attributes as `///` lines, so rustdoc reads generated docs as prose.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Splits every multi-line `#[doc = "…"]` into one attribute per line.
///
/// prettyplease prints a multi-line doc string as a `/** … */` block whose
/// first line starts right after `/**` while the others are indented with the
/// item; rustdoc then reads the indented lines as Rust code blocks. One
/// attribute per line prints as `///` lines, which rustdoc reads as prose.
pub(super) fn split_doc_lines(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(hash) if hash.as_char() == '#' => {
                let lines = match iter.peek() {
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
                        doc_lines(g.stream())
                    }
                    _ => None,
                };
                match lines {
                    Some(lines) => {
                        iter.next();
                        for line in lines {
                            out.push(TokenTree::Punct(Punct::new('#', Spacing::Alone)));
                            let attr = [
                                TokenTree::Ident(Ident::new("doc", Span::call_site())),
                                TokenTree::Punct(Punct::new('=', Spacing::Alone)),
                                TokenTree::Literal(Literal::string(&line)),
                            ];
                            out.push(TokenTree::Group(Group::new(
                                Delimiter::Bracket,
                                attr.into_iter().collect(),
                            )));
                        }
                    }
                    None => out.push(TokenTree::Punct(hash)),
                }
            }
            TokenTree::Group(group) => {
                let mut split = Group::new(group.delimiter(), split_doc_lines(group.stream()));
                split.set_span(group.span());
                out.push(TokenTree::Group(split));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// The lines of a multi-line `doc = "…"` attribute body, `None` otherwise.
fn doc_lines(attr: TokenStream) -> Option<Vec<String>> {
    let meta: syn::MetaNameValue = syn::parse2(attr).ok()?;
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(text),
        ..
    }) = meta.value
    else {
        return None;
    };
    let text = text.value();
    (meta.path.is_ident("doc") && text.contains('\n'))
        .then(|| text.trim_end().lines().map(str::to_owned).collect())
}
