//! The macros' rustdoc pages (`docs/<macro>.md`) against their tables: every argument of
//! a macro's table (`spec.rs`) has its row in the page's `# Arguments` table, with the
//! type and the keys the table says, and every key its kind derives
//! (`Kind::derived`) has its row in `# What it emits`. A failure prints the row to write.

use crate::spec::{tests::ALL, ArgSpec, MacroSpec, Shape};
use crux_registry::Derived;

fn page(spec: &MacroSpec) -> String {
    let path = format!("{}/docs/{}.md", env!("CARGO_MANIFEST_DIR"), spec.name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The rows of the first table after the heading `heading`: the cells of each row that
/// starts with a code span (header and separator rows do not).
fn table(page: &str, heading: &str) -> Vec<Vec<String>> {
    let start = page
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no `{heading}` section"));
    page[start..]
        .lines()
        .skip(2)
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            line.trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_owned())
                .collect()
        })
        .collect()
}

fn code(text: &str) -> String {
    format!("`{text}`")
}

/// A macro's arguments with their names as the page writes them: nested arguments as
/// `telemetry(operation)`.
fn arguments(spec: &MacroSpec) -> Vec<(String, &'static ArgSpec)> {
    let mut out = Vec::new();
    for arg in spec.args {
        out.push((arg.name.to_owned(), arg));
        if let Shape::Nested { args, .. } = arg.shape {
            out.extend(
                args.iter()
                    .map(|a| (format!("{}({})", arg.name, a.name), a)),
            );
        }
    }
    out
}

/// What the type column says, when the table decides it (runtime arguments take an
/// expression whose type only the page can say).
fn type_cell(arg: &ArgSpec) -> Option<String> {
    Some(match arg.shape {
        Shape::Name => "string literal".to_owned(),
        Shape::Choice(options) => options
            .iter()
            .map(|o| code(&format!("\"{o}\"")))
            .collect::<Vec<_>>()
            .join(", "),
        Shape::Value(ty) => ty.describe().to_owned(),
        Shape::Hashed => "a string, recorded hashed".to_owned(),
        Shape::Attributes | Shape::Metadata(_) => code("key = value, .."),
        Shape::Tags => "strings".to_owned(),
        Shape::Runtime { .. } | Shape::Nested { .. } => return None,
    })
}

/// What the records column says: the span name it completes, the key it records, the
/// keys the runtime copies from that key or records from the argument itself.
fn records_cell(spec: &MacroSpec, arg: &ArgSpec) -> String {
    let mut cells = Vec::new();
    if matches!(arg.shape, Shape::Name | Shape::Choice(_)) {
        cells.push(format!("span name {}", code(&span_name(spec))));
    }
    if let Shape::Metadata(prefix) = arg.shape {
        cells.push(code(&format!("{prefix}<key>")));
    }
    if matches!(arg.shape, Shape::Attributes) {
        cells.push("your keys".to_owned());
    }
    cells.extend(arg.key.map(code));
    for derived in spec.kind.derived() {
        let from_this = match *derived {
            Derived::Mirror { from, .. } => arg.key == Some(from),
            Derived::Argument { argument, .. } => argument == arg.name,
            _ => false,
        };
        if from_this {
            cells.push(code(derived.key()));
        }
    }
    if cells.is_empty() {
        "—".to_owned()
    } else {
        cells.join(", ")
    }
}

/// The span name, its last part named after the argument that gives it:
/// `crux.tool.<name>`.
fn span_name(spec: &MacroSpec) -> String {
    match spec
        .args
        .iter()
        .find(|a| matches!(a.shape, Shape::Name | Shape::Choice(_)))
    {
        Some(arg) if spec.span_name.ends_with('.') => format!("{}<{}>", spec.span_name, arg.name),
        _ => spec.span_name.to_owned(),
    }
}

fn when_cell(derived: Derived) -> String {
    match derived {
        Derived::Set(_) => "start".to_owned(),
        Derived::Default(_) => "start, default".to_owned(),
        Derived::Mirror { from, .. } => format!("start, copy of {}", code(from)),
        Derived::Argument { argument, .. } => format!("start, from {}", code(argument)),
        Derived::End(_) => "end".to_owned(),
        Derived::Captured(_) => "with content capture".to_owned(),
    }
}

/// The problems of one page, each with the row or sentence to write.
fn problems(spec: &MacroSpec, page: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let rows = table(page, "# Arguments");
    let documented: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    for (name, arg) in arguments(spec) {
        let ty = type_cell(arg);
        let records = records_cell(spec, arg);
        let expected = format!(
            "| {} | {} | {records} | ... |",
            code(&name),
            ty.as_deref().unwrap_or("(its type)")
        );
        match rows.iter().find(|r| r[0] == code(&name)) {
            None => problems.push(format!("argument `{name}` is missing: {expected}")),
            Some(row) if row.len() != 4 => {
                problems.push(format!("argument `{name}` needs 4 cells: {expected}"))
            }
            Some(row) => {
                let type_ok = ty.as_ref().map_or(!row[1].is_empty(), |ty| row[1] == *ty);
                if !type_ok || row[2] != records || row[3].is_empty() {
                    problems.push(format!(
                        "argument `{name}` is stale: {expected}, not | {} |",
                        row.join(" | ")
                    ));
                }
            }
        }
    }
    let known: Vec<String> = arguments(spec).iter().map(|(n, _)| code(n)).collect();
    for name in documented {
        if !known.iter().any(|k| k == name) {
            problems.push(format!(
                "{name} is not an argument of #[crux::{}]",
                spec.name
            ));
        }
    }

    let kind = if spec.kind.is_client() {
        "CLIENT"
    } else {
        "INTERNAL"
    };
    let span = format!("Span `{}`, kind {kind}.", span_name(spec));
    if !page.contains(&span) {
        problems.push(format!("`# What it emits` must say: {span}"));
    }
    let emitted = table(page, "# What it emits");
    for derived in spec.kind.derived() {
        let key = code(derived.key());
        let when = when_cell(*derived);
        match emitted.iter().find(|r| r[0] == key) {
            Some(row) if row.len() == 3 && row[1] == when && !row[2].is_empty() => {}
            _ => problems.push(format!("derived key {key}: | {key} | {when} | ... |")),
        }
    }
    problems
}

#[test]
fn every_macro_page_documents_its_arguments_and_derived_keys() {
    let mut problems = Vec::new();
    for spec in ALL {
        problems.extend(
            self::problems(spec, &page(spec))
                .into_iter()
                .map(|p| format!("docs/{}.md: {p}", spec.name)),
        );
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn every_macro_shows_its_page() {
    let lib = include_str!("lib.rs");
    for spec in ALL {
        let include = format!("#[doc = include_str!(\"../docs/{}.md\")]", spec.name);
        let at = lib
            .find(&include)
            .unwrap_or_else(|| panic!("lib.rs never includes docs/{}.md", spec.name));
        let next_fn = &lib[at..][lib[at..].find("pub fn ").expect("a fn follows")..];
        assert!(
            next_fn.starts_with(&format!("pub fn {}(", spec.name)),
            "docs/{}.md documents the wrong fn",
            spec.name
        );
    }
}

#[test]
fn the_prompt_page_documents_every_prompt_option() {
    let page = include_str!("../docs/derive_prompt.md");
    for key in crate::prompt::STRUCT_KEYS
        .iter()
        .chain(&crate::prompt::FIELD_KEYS)
    {
        assert!(
            page.contains(&format!("#[prompt({key}")),
            "docs/derive_prompt.md never shows #[prompt({key}..)]"
        );
    }
}

#[test]
fn a_missing_argument_row_is_reported_with_the_row_to_write() {
    let page = page(&crate::spec::TOOL).replace("| `call_id` |", "| removed |");
    let problems = problems(&crate::spec::TOOL, &page);
    assert_eq!(
        problems,
        ["argument `call_id` is missing: | `call_id` | a string | `crux.tool.call_id`, `gen_ai.tool.call.id` | ... |"]
    );
}

#[test]
fn the_crate_root_of_crux_lists_every_macro() {
    // The table users see first on docs.rs, in the runtime crate next door.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime/src/lib.rs");
    let root = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for spec in ALL {
        let row = format!("//! | [`#[crux::{0}]`](macro@{0}) | ", spec.name);
        assert!(root.contains(&row), "runtime/src/lib.rs has no row {row}");
    }
    assert!(
        root.contains("(derive@Prompt)"),
        "no row for derive(Prompt)"
    );
}
