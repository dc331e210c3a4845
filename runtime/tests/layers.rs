//! The runtime's layers, checked on its sources: imports run one way, `recording` →
//! `families` → `core`, and no two files import each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The modules a file may import, by its layer (`crate::<layer>::…`); `attributes` is
/// the registry's table, a leaf every layer reads.
fn allowed(layer: &str) -> Option<&'static [&'static str]> {
    match layer {
        "core" => Some(&["core", "attributes"]),
        "families" => Some(&["core", "families", "attributes"]),
        "recording" => Some(&["core", "families", "recording", "attributes"]),
        _ => None,
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::…` paths a file's code names (comments left out), as module paths of at
/// most two segments (`core::pipeline`, `families::flow`, `attributes`).
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let module = match segments.as_slice() {
                [layer @ ("core" | "families" | "recording"), module, ..] => {
                    format!("{layer}::{module}")
                }
                [first, ..] => (*first).to_owned(),
                [] => continue,
            };
            found.insert(module);
        }
        // `use super::…` inside a layer stays in the layer's folder; going up two levels
        // would leave it unchecked.
        assert!(
            !code.contains("super::super"),
            "`super::super` hides which layer is imported: {line}"
        );
    }
    found
}

fn module_of(src: &Path, file: &Path) -> (String, String) {
    let relative = file.strip_prefix(src).unwrap();
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    match parts.as_slice() {
        // A module's own folder (`families/generate/stream.rs`) is part of the module:
        // it is checked as that module of its layer.
        [layer, module, ..] => (layer.clone(), format!("{layer}::{module}")),
        [module] => (String::new(), module.clone()),
        [] => panic!("unexpected source path {}", file.display()),
    }
}

#[test]
fn imports_run_one_way_and_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let (layer, module) = module_of(&src, file);
        let found = imports(&text);
        if let Some(allowed) = allowed(&layer) {
            checked += 1;
            for import in &found {
                let target = import.split("::").next().unwrap();
                assert!(
                    allowed.contains(&target),
                    "{} (layer `{layer}`) imports `crate::{import}`: {layer} may import only {allowed:?}",
                    file.display()
                );
            }
        }
        let module = module.trim_end_matches("::mod").to_owned();
        let edges: BTreeSet<String> = found.into_iter().filter(|m| *m != module).collect();
        graph.entry(module).or_default().extend(edges);
    }
    assert!(checked > 20, "only {checked} layered files found");

    // Depth-first search for a cycle among the files.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, bool>,
        stack: &mut Vec<String>,
    ) {
        match state.get(node) {
            Some(true) => return,
            Some(false) => panic!("import cycle: {} -> {node}", stack.join(" -> ")),
            None => {}
        }
        state.insert(node.to_owned(), false);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next) {
                visit(next, graph, state, stack);
            }
        }
        stack.pop();
        state.insert(node.to_owned(), true);
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        visit(node, &graph, &mut state, &mut Vec::new());
    }
}

#[test]
fn the_check_sees_a_forbidden_import() {
    let found = imports("use crate::recording::guard::SpanGuard; // crate::core::x");
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["recording::guard"]);
    assert!(!allowed("core").unwrap().contains(&"recording"));
    assert!(!allowed("families").unwrap().contains(&"recording"));
}
