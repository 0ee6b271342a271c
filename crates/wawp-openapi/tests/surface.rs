//! The generated client's public surface as a reviewed snapshot: a change to
//! openapi.yaml or a progenitor upgrade shows up here as a readable diff.
//!
//! Kept: every module's structs (public fields with their serde attributes) and the
//! signatures of public inherent methods (operation builders, struct
//! builders, the client). Bodies, docs and trait impls are left out.

use syn::{ImplItem, Item, Visibility};

fn surface(items: Vec<Item>) -> Vec<Item> {
    let mut kept = Vec::new();
    for item in items {
        match item {
            Item::Mod(mut module) if matches!(module.vis, Visibility::Public(_)) => {
                module.attrs.clear();
                if let Some((brace, items)) = module.content.take() {
                    module.content = Some((brace, surface(items)));
                }
                kept.push(Item::Mod(module));
            }
            Item::Struct(mut strukt) if matches!(strukt.vis, Visibility::Public(_)) => {
                strukt.attrs.retain(|a| a.path().is_ident("serde"));
                if let syn::Fields::Named(fields) = &mut strukt.fields {
                    let public = std::mem::take(&mut fields.named)
                        .into_iter()
                        .filter(|f| matches!(f.vis, Visibility::Public(_)));
                    fields.named = public.collect();
                }
                for field in strukt.fields.iter_mut() {
                    field.attrs.retain(|a| a.path().is_ident("serde"));
                }
                kept.push(Item::Struct(strukt));
            }
            Item::Impl(mut imp) if imp.trait_.is_none() => {
                imp.attrs.clear();
                imp.items.retain_mut(|item| match item {
                    ImplItem::Fn(f) if matches!(f.vis, Visibility::Public(_)) => {
                        f.attrs.clear();
                        f.block = syn::parse_quote!({});
                        true
                    }
                    _ => false,
                });
                if !imp.items.is_empty() {
                    kept.push(Item::Impl(imp));
                }
            }
            _ => {}
        }
    }
    kept
}

#[test]
fn public_surface() {
    let source = include_str!("../src/generated.rs");
    let file = syn::parse_file(source).expect("generated.rs parses");
    let rendered = prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: surface(file.items),
    });
    insta::assert_snapshot!(rendered);
}
