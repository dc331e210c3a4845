//! One table per macro: the arguments it takes, what each must be, and the attribute key
//! each one records. Validation and expansion both read these tables.

use crux_registry::keys::*;
use crux_registry::{Derived, Kind, ValueType};

/// What an argument accepts.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// A string literal that becomes part of the span name (so it must be known at compile time).
    Name,
    /// A string literal from a fixed set that becomes part of the span name.
    Choice(&'static [&'static str]),
    /// A literal or an expression of this type; a bare flag means `true` for `Bool`.
    Value(ValueType),
    /// A string literal or expression recorded only as its hash (a namespace, a source
    /// id): the key is the `*_hash` attribute.
    Hashed,
    /// `attributes(key = value, ..)`: application or convention attributes.
    Attributes,
    /// An expression handed to the runtime's `Start` method of this name (no attribute
    /// of its own): `resume = checkpoint`, `parent = headers`. With `strings`, a string
    /// literal is accepted too (`system = "Answer in one line."`); other literals never
    /// are (`resume = "checkpoint-1"` is a mistake, not a checkpoint).
    Runtime { method: &'static str, strings: bool },
    /// `metadata(key = value, ..)`: each entry recorded under the prefix + key.
    Metadata(&'static str),
    /// `tags("a", b, ..)`: string values collected into `crux.trace.tags`.
    Tags,
    /// A nested argument list (`telemetry(operation = .., ..)`), or an expression handed
    /// to the runtime's `Start` method of this name (`telemetry = value`).
    Nested {
        args: &'static [ArgSpec],
        method: &'static str,
    },
}

/// One argument of one macro.
#[derive(Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub shape: Shape,
    /// The attribute the argument records (none for names and lists).
    pub key: Option<&'static str>,
}

/// One macro.
#[derive(Debug)]
pub struct MacroSpec {
    /// As written by users: `tool`, `flow`, ...
    pub name: &'static str,
    /// The kind of span, the registry's: it names the runtime's behaviour and the keys
    /// the runtime derives (which `attributes(..)` rejects).
    pub kind: Kind,
    /// The span name, or its prefix when a `Name` argument completes it.
    pub span_name: &'static str,
    pub args: &'static [ArgSpec],
    /// Pairs of arguments that cannot be used together.
    pub exclusive: &'static [(&'static str, &'static str)],
    /// Arguments that must be given.
    pub required: &'static [&'static str],
    /// The argument a bare literal most likely meant: `#[crux::generate("gpt-4o")]` is
    /// answered with "write `model = \"gpt-4o\"`".
    pub primary: &'static str,
}

impl MacroSpec {
    /// The argument recording `key`, if any argument of this macro records it: its name
    /// and how to write it (`model = ...`, `telemetry(operation = ...)`).
    pub fn argument_for(&self, key: &str) -> Option<(&'static str, String)> {
        fn find(table: &'static [ArgSpec], key: &str) -> Option<(&'static str, String)> {
            table.iter().find_map(|a| match a.shape {
                // Set with a value that is not the one recorded: see `hashed_from`.
                Shape::Hashed => None,
                _ if a.key == Some(key) => Some((a.name, format!("{} = ...", a.name))),
                Shape::Nested { args, .. } => {
                    find(args, key).map(|(name, written)| (name, format!("{}({written})", a.name)))
                }
                _ => None,
            })
        }
        find(self.args, key)
    }

    /// The argument whose hash is recorded under `key`, if any.
    pub fn hashed_from(&self, key: &str) -> Option<&'static str> {
        self.args
            .iter()
            .find(|a| matches!(a.shape, Shape::Hashed) && a.key == Some(key))
            .map(|a| a.name)
    }

    /// Why `attributes(..)` cannot set `key`, if the runtime derives it on this kind of
    /// span: the argument it is recorded from (as written), or `None` when it is set
    /// whatever the arguments say.
    pub fn derived(&self, key: &str) -> Option<Option<String>> {
        Some(match self.kind.derives(key)? {
            Derived::Mirror { from, .. } => self.argument_for(from).map(|(_, written)| written),
            Derived::Argument { argument, .. } => self.written(argument),
            Derived::Set(_) | Derived::Default(_) | Derived::End(_) | Derived::Captured(_) => None,
        })
    }

    /// How the argument `name` is written (`tags(..)`, `telemetry(prompt = ...)`).
    pub fn written(&self, name: &str) -> Option<String> {
        fn find(table: &'static [ArgSpec], name: &str) -> Option<String> {
            table.iter().find_map(|a| match a.shape {
                Shape::Tags | Shape::Metadata(_) | Shape::Attributes if a.name == name => {
                    Some(format!("{name}(..)"))
                }
                _ if a.name == name => Some(format!("{name} = ...")),
                Shape::Nested { args, .. } => {
                    find(args, name).map(|inner| format!("{}({inner})", a.name))
                }
                _ => None,
            })
        }
        find(self.args, name)
    }
}

const fn value(name: &'static str, ty: ValueType, key: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        shape: Shape::Value(ty),
        key: Some(key),
    }
}

/// An argument recorded as its hash under `key`.
const fn hashed(name: &'static str, key: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        shape: Shape::Hashed,
        key: Some(key),
    }
}

/// A runtime argument that takes an expression only.
const fn runtime(name: &'static str, method: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        shape: Shape::Runtime {
            method,
            strings: false,
        },
        key: None,
    }
}

/// A runtime argument that also takes a string literal.
const fn runtime_or_string(name: &'static str, method: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        shape: Shape::Runtime {
            method,
            strings: true,
        },
        key: None,
    }
}

const ATTRIBUTES: ArgSpec = ArgSpec {
    name: "attributes",
    shape: Shape::Attributes,
    key: None,
};

const METADATA: ArgSpec = ArgSpec {
    name: "metadata",
    shape: Shape::Metadata(CRUX_TRACE_METADATA),
    key: None,
};

const TAGS: ArgSpec = ArgSpec {
    name: "tags",
    shape: Shape::Tags,
    key: None,
};

pub static TOOL: MacroSpec = MacroSpec {
    name: "tool",
    kind: Kind::Tool,
    span_name: "crux.tool.",
    args: &[
        ArgSpec {
            name: "name",
            shape: Shape::Name,
            key: None,
        },
        value("call_id", ValueType::Str, CRUX_TOOL_CALL_ID),
        value("description", ValueType::Str, GEN_AI_TOOL_DESCRIPTION),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "name",
};

pub static FLOW: MacroSpec = MacroSpec {
    name: "flow",
    kind: Kind::Flow,
    span_name: "crux.flow",
    args: &[
        value("name", ValueType::Str, CRUX_FLOW_NAME),
        value("id", ValueType::Str, CRUX_FLOW_ID),
        runtime("resume", "resume"),
        runtime("parent", "parent"),
        ATTRIBUTES,
    ],
    // A resumed flow keeps the id in its checkpoint.
    exclusive: &[],
    required: &[],
    primary: "name",
};

pub static DELEGATE: MacroSpec = MacroSpec {
    name: "delegate",
    kind: Kind::Delegate,
    span_name: "crux.delegate",
    args: &[value("id", ValueType::Str, CRUX_DELEGATE_ID), ATTRIBUTES],
    exclusive: &[],
    required: &[],
    primary: "id",
};

pub static FLOW_STEP: MacroSpec = MacroSpec {
    name: "flow_step",
    kind: Kind::FlowStep,
    span_name: "crux.flow.step",
    args: &[
        value("label", ValueType::Str, CRUX_STEP_LABEL),
        value("id", ValueType::Str, CRUX_STEP_ID),
        value("attempt", ValueType::Int, CRUX_STEP_ATTEMPT),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "label",
};

pub static GENERATE: MacroSpec = MacroSpec {
    name: "generate",
    kind: Kind::Generate,
    span_name: "crux.generate",
    args: &[
        value("provider", ValueType::Str, GEN_AI_PROVIDER_NAME),
        value("model", ValueType::Str, GEN_AI_REQUEST_MODEL),
        value("operation", ValueType::Str, GEN_AI_OPERATION_NAME),
        value("stream", ValueType::Bool, GEN_AI_REQUEST_STREAM),
        value("temperature", ValueType::Double, GEN_AI_REQUEST_TEMPERATURE),
        value("max_tokens", ValueType::Int, GEN_AI_REQUEST_MAX_TOKENS),
        value("top_p", ValueType::Double, GEN_AI_REQUEST_TOP_P),
        value("top_k", ValueType::Int, GEN_AI_REQUEST_TOP_K),
        value("seed", ValueType::Int, GEN_AI_REQUEST_SEED),
        value(
            "frequency_penalty",
            ValueType::Double,
            GEN_AI_REQUEST_FREQUENCY_PENALTY,
        ),
        value(
            "presence_penalty",
            ValueType::Double,
            GEN_AI_REQUEST_PRESENCE_PENALTY,
        ),
        value(
            "stop_sequences",
            ValueType::StrArray,
            GEN_AI_REQUEST_STOP_SEQUENCES,
        ),
        value(
            "reasoning_level",
            ValueType::Str,
            GEN_AI_REQUEST_REASONING_LEVEL,
        ),
        value("prompt_id", ValueType::Str, CRUX_PROMPT_ID),
        value("prompt_name", ValueType::Str, GEN_AI_PROMPT_NAME),
        value("prompt_version", ValueType::Str, GEN_AI_PROMPT_VERSION),
        value("conversation_id", ValueType::Str, GEN_AI_CONVERSATION_ID),
        runtime_or_string("messages", "input_messages"),
        runtime_or_string("system", "system_instructions"),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "model",
};

pub static AGENT: MacroSpec = MacroSpec {
    name: "agent",
    kind: Kind::Run,
    span_name: "crux.run",
    args: &[
        value("name", ValueType::Str, GEN_AI_AGENT_NAME),
        value("id", ValueType::Str, CRUX_RUN_ID),
        value("session_id", ValueType::Str, SESSION_ID),
        value("user_id", ValueType::Str, USER_ID),
        value("tenant_id", ValueType::Str, CRUX_TENANT_ID),
        METADATA,
        TAGS,
        runtime("parent", "parent"),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "name",
};

/// `telemetry(..)` inside `#[crux::use_reason]`.
static TELEMETRY: &[ArgSpec] = &[
    value("operation", ValueType::Str, CRUX_REASON_OPERATION),
    runtime("prompt", "prompt"),
    TAGS,
    METADATA,
    runtime("capture_content", "capture_content"),
];

pub static USE_REASON: MacroSpec = MacroSpec {
    name: "use_reason",
    kind: Kind::UseReason,
    span_name: "crux.use_reason",
    args: &[
        value("id", ValueType::Str, CRUX_REASON_ID),
        value("provider", ValueType::Str, GEN_AI_PROVIDER_NAME),
        value("model", ValueType::Str, GEN_AI_REQUEST_MODEL),
        ArgSpec {
            name: "telemetry",
            shape: Shape::Nested {
                args: TELEMETRY,
                method: "telemetry",
            },
            key: None,
        },
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "model",
};

pub static COMPOSITION: MacroSpec = MacroSpec {
    name: "composition",
    kind: Kind::Composition,
    span_name: "crux.composition.",
    args: &[
        ArgSpec {
            name: "kind",
            shape: Shape::Choice(&["parallel", "pipeline", "consensus", "swarm"]),
            key: None,
        },
        value("id", ValueType::Str, CRUX_COMPOSITION_ID),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &["kind"],
    primary: "kind",
};

pub static MEMORY: MacroSpec = MacroSpec {
    name: "memory",
    kind: Kind::Memory,
    span_name: "crux.memory.",
    args: &[
        ArgSpec {
            name: "op",
            shape: Shape::Choice(&["read", "write"]),
            key: None,
        },
        value("kind", ValueType::Str, CRUX_MEMORY_TYPE),
        value("operation", ValueType::Str, CRUX_MEMORY_OPERATION),
        value("block_id", ValueType::Str, CRUX_MEMORY_BLOCK_ID),
        value("block_kind", ValueType::Str, CRUX_MEMORY_BLOCK_KIND),
        hashed("namespace", CRUX_MEMORY_NAMESPACE_HASH),
        value("write_mode", ValueType::Str, CRUX_MEMORY_WRITE_MODE),
        value(
            "proposal_status",
            ValueType::Str,
            CRUX_MEMORY_PROPOSAL_STATUS,
        ),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &["op"],
    primary: "op",
};

pub static CORPUS_SYNC: MacroSpec = MacroSpec {
    name: "corpus_sync",
    kind: Kind::CorpusSync,
    span_name: "crux.corpus.sync",
    args: &[
        value("id", ValueType::Str, CRUX_CORPUS_ID),
        hashed("namespace", CRUX_CORPUS_NAMESPACE_HASH),
        value("mode", ValueType::Str, CRUX_CORPUS_MODE),
        value("stale_policy", ValueType::Str, CRUX_CORPUS_STALE_POLICY),
        value("source_set", ValueType::Str, CRUX_CORPUS_SOURCE_SET),
        value("dry_run", ValueType::Bool, CRUX_CORPUS_DRY_RUN),
        value("source_count", ValueType::Int, CRUX_CORPUS_SOURCE_COUNT),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "id",
};

pub static EMBEDDING: MacroSpec = MacroSpec {
    name: "embedding",
    kind: Kind::Embedding,
    span_name: "crux.embedding",
    args: &[
        value("name", ValueType::Str, CRUX_EMBEDDING_NAME),
        value("provider", ValueType::Str, GEN_AI_PROVIDER_NAME),
        value("model", ValueType::Str, GEN_AI_REQUEST_MODEL),
        value("kind", ValueType::Str, CRUX_EMBEDDING_KIND),
        value("operation", ValueType::Str, CRUX_EMBEDDING_OPERATION),
        value("input_count", ValueType::Int, CRUX_EMBEDDING_INPUT_COUNT),
        value("chunk_count", ValueType::Int, CRUX_EMBEDDING_CHUNK_COUNT),
        value("dimensions", ValueType::Int, CRUX_EMBEDDING_DIMENSIONS),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "model",
};

pub static RETRIEVAL: MacroSpec = MacroSpec {
    name: "retrieval",
    kind: Kind::Retrieval,
    span_name: "crux.retrieval",
    args: &[
        value("retriever", ValueType::Str, CRUX_RETRIEVER_ID),
        hashed("namespace", CRUX_RETRIEVAL_NAMESPACE_HASH),
        value("mode", ValueType::Str, CRUX_RETRIEVAL_MODE),
        value("limit", ValueType::Int, CRUX_RETRIEVAL_LIMIT),
        value("fusion", ValueType::Str, CRUX_RETRIEVAL_FUSION),
        value("model", ValueType::Str, GEN_AI_REQUEST_MODEL),
        runtime_or_string("query", "retrieval_query"),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "retriever",
};

pub static INDEXING: MacroSpec = MacroSpec {
    name: "indexing",
    kind: Kind::Indexing,
    span_name: "crux.indexing",
    args: &[
        value("indexer", ValueType::Str, CRUX_INDEXER_ID),
        hashed("namespace", CRUX_INDEX_NAMESPACE_HASH),
        value("operation", ValueType::Str, CRUX_INDEX_OPERATION),
        value("source_count", ValueType::Int, CRUX_INDEX_SOURCE_COUNT),
        value("chunk_count", ValueType::Int, CRUX_INDEX_CHUNK_COUNT),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "indexer",
};

pub static INGEST: MacroSpec = MacroSpec {
    name: "ingest",
    kind: Kind::Ingest,
    span_name: "crux.ingest.parse",
    args: &[
        value("parser", ValueType::Str, CRUX_INGEST_PARSER),
        value("format", ValueType::Str, CRUX_INGEST_FORMAT),
        hashed("namespace", CRUX_INGEST_NAMESPACE_HASH),
        hashed("source_id", CRUX_INGEST_SOURCE_ID_HASH),
        value("byte_length", ValueType::Int, CRUX_INGEST_BYTE_LENGTH),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "parser",
};

pub static COMPACT: MacroSpec = MacroSpec {
    name: "compact",
    kind: Kind::Compact,
    span_name: "crux.compact",
    args: &[
        value("reason", ValueType::Str, CRUX_COMPACTION_REASON),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "reason",
};

pub static JUDGE: MacroSpec = MacroSpec {
    name: "judge",
    kind: Kind::Judge,
    span_name: "crux.judge",
    args: &[
        value("metric", ValueType::Str, CRUX_JUDGE_METRIC),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &["metric"],
    primary: "metric",
};

pub static RETRIEVAL_STAGE: MacroSpec = MacroSpec {
    name: "retrieval_stage",
    kind: Kind::RetrievalStage,
    span_name: "crux.retrieval.stage",
    args: &[
        value("stage", ValueType::Str, CRUX_RETRIEVAL_STAGE_NAME),
        value("retriever", ValueType::Str, CRUX_RETRIEVER_ID),
        value("pipeline", ValueType::Str, CRUX_RETRIEVAL_PIPELINE_ID),
        value("kind", ValueType::Str, CRUX_RETRIEVAL_STAGE_KIND),
        value("phase", ValueType::Str, CRUX_RETRIEVAL_STAGE_PHASE),
        value(
            "input_query_count",
            ValueType::Int,
            CRUX_RETRIEVAL_STAGE_INPUT_QUERY_COUNT,
        ),
        value(
            "input_hit_count",
            ValueType::Int,
            CRUX_RETRIEVAL_STAGE_INPUT_HIT_COUNT,
        ),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "stage",
};

pub static WORKSPACE: MacroSpec = MacroSpec {
    name: "workspace",
    kind: Kind::Workspace,
    span_name: "crux.workspace.",
    args: &[
        ArgSpec {
            name: "op",
            shape: Shape::Name,
            key: None,
        },
        value("id", ValueType::Str, CRUX_WORKSPACE_ID),
        hashed("path", CRUX_WORKSPACE_PATH_HASH),
        value("mount", ValueType::Str, CRUX_WORKSPACE_MOUNT),
        value("mime_type", ValueType::Str, CRUX_WORKSPACE_MIME_TYPE),
        value("size", ValueType::Int, CRUX_WORKSPACE_SIZE),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &["op"],
    primary: "op",
};

pub static SEMANTIC_CACHE: MacroSpec = MacroSpec {
    name: "semantic_cache",
    kind: Kind::SemanticCache,
    span_name: "crux.semantic_cache.lookup",
    args: &[
        value("operation", ValueType::Str, CRUX_SEMANTIC_CACHE_OPERATION),
        value("version", ValueType::Str, CRUX_SEMANTIC_CACHE_VERSION),
        value(
            "threshold",
            ValueType::Double,
            CRUX_SEMANTIC_CACHE_THRESHOLD,
        ),
        value("prompt_id", ValueType::Str, CRUX_PROMPT_ID),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "operation",
};

pub static VALIDATION_RETRY: MacroSpec = MacroSpec {
    name: "validation_retry",
    kind: Kind::ValidationRetry,
    span_name: "crux.validation.retry",
    args: &[
        value("id", ValueType::Str, CRUX_VALIDATION_RETRY_ID),
        value("max_attempts", ValueType::Int, CRUX_VALIDATION_MAX_ATTEMPTS),
        value("prompt_id", ValueType::Str, CRUX_VALIDATION_PROMPT_ID),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "id",
};

pub static ROUTER: MacroSpec = MacroSpec {
    name: "router",
    kind: Kind::Router,
    span_name: "crux.router.select",
    args: &[value("name", ValueType::Str, CRUX_ROUTER_NAME), ATTRIBUTES],
    exclusive: &[],
    required: &[],
    primary: "name",
};

pub static CASCADE: MacroSpec = MacroSpec {
    name: "cascade",
    kind: Kind::Cascade,
    span_name: "crux.cascade.run",
    args: &[
        value("id", ValueType::Str, CRUX_CASCADE_ID),
        value("budget", ValueType::Double, CRUX_CASCADE_BUDGET),
        ATTRIBUTES,
    ],
    exclusive: &[],
    required: &[],
    primary: "id",
};

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const ALL: [&MacroSpec; 22] = [
        &TOOL,
        &FLOW,
        &DELEGATE,
        &FLOW_STEP,
        &GENERATE,
        &AGENT,
        &USE_REASON,
        &COMPOSITION,
        &MEMORY,
        &CORPUS_SYNC,
        &EMBEDDING,
        &RETRIEVAL,
        &INDEXING,
        &INGEST,
        &COMPACT,
        &JUDGE,
        &RETRIEVAL_STAGE,
        &WORKSPACE,
        &SEMANTIC_CACHE,
        &VALIDATION_RETRY,
        &ROUTER,
        &CASCADE,
    ];

    #[test]
    fn the_primary_argument_is_an_argument_of_the_macro() {
        for spec in ALL {
            assert!(
                spec.args.iter().any(|a| a.name == spec.primary),
                "#[crux::{}] has no `{}`",
                spec.name,
                spec.primary
            );
        }
    }

    #[test]
    fn the_table_of_each_macro_matches_its_kind_in_the_registry() {
        for spec in ALL {
            for derived in spec.kind.derived() {
                let key = derived.key();
                match derived {
                    // A default is what the argument recording it leaves out.
                    Derived::Default(_) => assert!(
                        spec.argument_for(key).is_some(),
                        "#[crux::{}]: no argument records the default `{key}`",
                        spec.name
                    ),
                    _ => assert!(
                        spec.argument_for(key).is_none(),
                        "#[crux::{}]: `{key}` is both derived and an argument's key",
                        spec.name
                    ),
                }
                match derived {
                    Derived::Mirror { from, .. } => assert!(
                        spec.argument_for(from).is_some(),
                        "#[crux::{}]: `{key}` mirrors `{from}`, which no argument records",
                        spec.name
                    ),
                    Derived::Argument { argument, .. } => assert!(
                        spec.written(argument).is_some(),
                        "#[crux::{}]: `{key}` is recorded from `{argument}`, not an argument",
                        spec.name
                    ),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn every_kind_has_one_macro() {
        for kind in Kind::ALL {
            assert_eq!(ALL.iter().filter(|s| s.kind == kind).count(), 1, "{kind:?}");
        }
    }

    #[test]
    fn argument_keys_are_registered() {
        fn check(table: &[ArgSpec]) {
            for arg in table {
                if let Some(key) = arg.key {
                    assert!(crux_registry::lookup(key).is_some(), "{key}");
                }
                if let Shape::Nested { args, .. } = arg.shape {
                    check(args);
                }
            }
        }
        for spec in ALL {
            check(spec.args);
        }
    }

    #[test]
    fn nested_arguments_are_found_with_their_path() {
        assert_eq!(
            USE_REASON.argument_for(CRUX_REASON_OPERATION),
            Some(("operation", "telemetry(operation = ...)".to_owned()))
        );
        assert_eq!(
            GENERATE.argument_for(GEN_AI_REQUEST_MODEL),
            Some(("model", "model = ...".to_owned()))
        );
        assert_eq!(TOOL.argument_for(GEN_AI_REQUEST_MODEL), None);
    }
}
