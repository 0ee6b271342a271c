//! Import circles between a crate's modules.
//!
//! [`import_cycles`] reads every module file under a crate's `src` folder,
//! collects the paths that name another module of the same crate
//! (`use crate::…`, `use super::…`, `use self::…`, `crate::…`/`super::…`
//! paths in code, and `crate::…` in doc comments, so docs do not point up
//! either), and reports every circle between the **top-level** modules
//! (`src/a.rs` or `src/a/mod.rs` and everything below them count as `a`).
//! A crate whose modules import one way has none.
//!
//! A path through the crate root (`crate::Sandbox`) is followed to the
//! module that the root re-exports it from (`pub use server::Sandbox;`).
//! `lib.rs`, `main.rs` and `src/bin/` are roots, not modules: they are read
//! only for their re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;

mod cycles;

use cycles::cycles;

/// The import circles between the top-level modules of the crate whose
/// source folder is `src_dir`; each circle lists its modules in import
/// order, the first repeated at the end (`["auth", "server", "auth"]`:
/// `auth` imports `server`, which imports `auth`). Empty when the modules
/// import one way.
///
/// # Errors
///
/// A file that cannot be read or parsed, named with its path.
pub fn import_cycles(src_dir: &Path) -> Result<Vec<Vec<String>>, String> {
    let graph = module_graph(src_dir)?;
    Ok(cycles(&graph))
}

/// Which top-level module imports which (edges to itself left out).
pub fn module_graph(src_dir: &Path) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut files = Vec::new();
    collect_rs_files(src_dir, &mut files)?;
    let mut modules = Vec::new();
    let mut reexports = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src_dir).unwrap_or(&file);
        let source = fs::read_to_string(&file)
            .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
        let parsed: syn::File = syn::parse_file(&source)
            .map_err(|err| format!("cannot parse {}: {err}", file.display()))?;
        match module_path(relative) {
            Some(path) => modules.push((path, parsed)),
            None if relative == Path::new("lib.rs") => root_reexports(&parsed, &mut reexports),
            None => {}
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, file) in &modules {
        graph.entry(path[0].clone()).or_default();
        let mut found = Vec::new();
        attrs_paths(&file.attrs, &mut found);
        items_paths(&file.items, path, &mut found);
        for target in found {
            let node = match target.first() {
                None => continue,
                Some(first) => reexports.get(first).unwrap_or(first).clone(),
            };
            if node != path[0] {
                graph.entry(path[0].clone()).or_default().insert(node);
            }
        }
    }
    // Edges to names that are no module of ours (`crate::SomeMacro`) go.
    let nodes: BTreeSet<String> = graph.keys().cloned().collect();
    for targets in graph.values_mut() {
        targets.retain(|t| nodes.contains(t));
    }
    Ok(graph)
}

fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        fs::read_dir(dir).map_err(|err| format!("cannot list {}: {err}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_rs_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `a.rs` → `[a]`, `a/mod.rs` → `[a]`, `a/b.rs` → `[a, b]`; `None` for the
/// crate roots (`lib.rs`, `main.rs`, `bin/…`).
fn module_path(relative: &Path) -> Option<Vec<String>> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") || parts[0] == "bin" {
        return None;
    }
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    Some(parts)
}

/// `pub use a::{X, Y};` in the root: `X` and `Y` come from module `a`.
fn root_reexports(file: &syn::File, out: &mut BTreeMap<String, String>) {
    for item in &file.items {
        if let syn::Item::Use(item) = item {
            let mut leaves = Vec::new();
            use_leaves(&item.tree, Vec::new(), &mut leaves);
            for (path, name) in leaves {
                let path: Vec<&String> = path.iter().filter(|s| *s != "crate").collect();
                if let (Some(module), Some(name)) = (path.first(), name) {
                    out.insert(name, (*module).clone());
                }
            }
        }
    }
}

/// Every leaf of a use tree: its path and the name it brings in (`None`
/// for a glob).
fn use_leaves(
    tree: &syn::UseTree,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            let mut prefix = prefix;
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix;
            path.push(n.ident.to_string());
            let name = path.last().cloned();
            out.push((path, name));
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix;
            path.push(r.ident.to_string());
            out.push((path, Some(r.rename.to_string())));
        }
        syn::UseTree::Glob(_) => out.push((prefix, None)),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_leaves(tree, prefix.clone(), out);
            }
        }
    }
}

/// The crate-absolute module paths that `items` (in module `module`) name.
fn items_paths(items: &[syn::Item], module: &[String], out: &mut Vec<Vec<String>>) {
    for item in items {
        match item {
            syn::Item::Use(item) => {
                attrs_paths(&item.attrs, out);
                let mut leaves = Vec::new();
                use_leaves(&item.tree, Vec::new(), &mut leaves);
                for (path, _) in leaves {
                    if let Some(absolute) = resolve(&path, module) {
                        out.push(absolute);
                    }
                }
            }
            syn::Item::Mod(inner) if inner.content.is_some() => {
                attrs_paths(&inner.attrs, out);
                let mut nested = module.to_vec();
                nested.push(inner.ident.to_string());
                if let Some((_, items)) = &inner.content {
                    items_paths(items, &nested, out);
                }
            }
            other => tokens_paths(other.to_token_stream(), module, out),
        }
    }
}

/// `crate::…` in the doc comments among `attrs`.
fn attrs_paths(attrs: &[syn::Attribute], out: &mut Vec<Vec<String>>) {
    for attr in attrs {
        tokens_paths(attr.to_token_stream(), &[], out);
    }
}

/// A use path made crate-absolute, if it starts with `crate`, `super` or
/// `self`; `None` for other crates' paths.
fn resolve(path: &[String], module: &[String]) -> Option<Vec<String>> {
    let mut absolute = match path.first().map(String::as_str) {
        Some("crate") => return Some(path[1..].to_vec()),
        Some("super" | "self") => module.to_vec(),
        _ => return None,
    };
    let mut rest = path;
    loop {
        match rest.first().map(String::as_str) {
            Some("super") => {
                absolute.pop()?;
            }
            Some("self") => {}
            _ => break,
        }
        rest = &rest[1..];
    }
    absolute.extend(rest.iter().cloned());
    Some(absolute)
}

/// Paths in code (`crate::a::f()`, `super::b::X`) and in doc strings
/// (`[x](crate::a::X)`), found in a token stream.
fn tokens_paths(tokens: TokenStream, module: &[String], out: &mut Vec<Vec<String>>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Group(group) => {
                // An inline module inside an item (fn body) is rare; its
                // paths are resolved as if it were the enclosing module.
                tokens_paths(group.stream(), module, out);
                if group.delimiter() == Delimiter::Bracket {
                    doc_paths(group.stream(), out);
                }
            }
            TokenTree::Ident(ident) if ident == "crate" || ident == "super" || ident == "self" => {
                let mut path = vec![ident.to_string()];
                let mut j = i + 1;
                while let (
                    Some(TokenTree::Punct(a)),
                    Some(TokenTree::Punct(b)),
                    Some(TokenTree::Ident(next)),
                ) = (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2))
                {
                    if a.as_char() != ':' || b.as_char() != ':' {
                        break;
                    }
                    path.push(next.to_string());
                    j += 3;
                }
                if path.len() > 1
                    && let Some(absolute) = resolve(&path, module)
                {
                    out.push(absolute);
                }
                i = j.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// `crate::a::X` inside the string of a `doc = "…"` attribute.
fn doc_paths(attr: TokenStream, out: &mut Vec<Vec<String>>) {
    let tokens: Vec<TokenTree> = attr.into_iter().collect();
    let [
        TokenTree::Ident(name),
        TokenTree::Punct(eq),
        TokenTree::Literal(text),
    ] = &tokens[..]
    else {
        return;
    };
    if name != "doc" || eq.as_char() != '=' {
        return;
    }
    let Ok(syn::Lit::Str(text)) = syn::parse_str::<syn::Lit>(&text.to_string()) else {
        return;
    };
    let text = text.value();
    for (at, _) in text.match_indices("crate::") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `my_crate::…`
        }
        let path: Vec<String> = text[at + "crate::".len()..]
            .split("::")
            .map(|s| {
                s.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|s| !s.is_empty())
            .collect();
        if !path.is_empty() {
            out.push(path);
        }
    }
}
