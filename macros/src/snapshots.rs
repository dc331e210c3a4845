//! What each macro generates, pretty-printed and snapshotted so a reviewer can read it.

use crate::{attribute, spec};
use quote::quote;

fn expand(
    spec: &spec::MacroSpec,
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> String {
    let tokens = attribute(spec, args, item);
    let file = syn::parse2::<syn::File>(tokens).expect("the expansion parses as items");
    prettyplease::unparse(&file)
}

#[test]
fn tool_sync_with_doc_and_call_id() {
    insta::assert_snapshot!(expand(
        &spec::TOOL,
        quote!(name = "search_orders", call_id = call.id),
        quote! {
            /// Searches the order database.
            fn search(call: &ToolCall, query: &str) -> Result<Vec<Order>, DbError> {
                db::search(query)
            }
        },
    ));
}

#[test]
fn flow_async() {
    insta::assert_snapshot!(expand(
        &spec::FLOW,
        quote!(name = "support", id = ticket.id),
        quote! {
            pub async fn support(ticket: Ticket) -> anyhow::Result<Reply> {
                let reply = answer(&ticket).await?;
                Ok(reply)
            }
        },
    ));
}

#[test]
fn flow_step_method_with_attributes() {
    insta::assert_snapshot!(expand(
        &spec::FLOW_STEP,
        quote!(
            label = "classify",
            attempt = self.attempt,
            attributes(app.queue = "billing")
        ),
        quote! {
            async fn classify(&mut self, text: &str) -> Category {
                self.model.classify(text).await
            }
        },
    ));
}

#[test]
fn generate_returning_impl_future() {
    insta::assert_snapshot!(expand(
        &spec::GENERATE,
        quote!(
            provider = "openai",
            model = req.model,
            temperature = 0.2,
            max_tokens = 512
        ),
        quote! {
            fn complete<'a>(&'a self, req: &'a Request) -> impl Future<Output = Result<Response, ApiError>> + Send + 'a {
                self.client.send(req)
            }
        },
    ));
}

#[test]
fn tool_in_async_trait_shape() {
    insta::assert_snapshot!(expand(
        &spec::TOOL,
        quote!(),
        quote! {
            fn run<'life0, 'async_trait>(&'life0 self, input: String)
                -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = String> + ::core::marker::Send + 'async_trait>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                Box::pin(async move {
                    let __self = self;
                    let input = input;
                    let __ret: String = { __self.inner.run(input).await };
                    #[allow(unreachable_code)]
                    __ret
                })
            }
        },
    ));
}

#[test]
fn generate_stream() {
    insta::assert_snapshot!(expand(
        &spec::GENERATE,
        quote!(provider = "anthropic", model = "claude-sonnet-4", stream),
        quote! {
            fn stream_reply(prompt: String) -> impl Stream<Item = Chunk> {
                client::stream(prompt)
            }
        },
    ));
}

#[test]
fn errors_are_all_reported_and_the_item_kept() {
    insta::assert_snapshot!(expand(
        &spec::GENERATE,
        quote!(
            modle = "x",
            max_tokens = "ten",
            attributes(gen_ai.request.temprature = 0.1)
        ),
        quote! {
            fn call() -> u32 { 1 }
        },
    ));
}

#[test]
fn agent_with_identity_metadata_and_tags() {
    insta::assert_snapshot!(expand(
        &spec::AGENT,
        quote!(
            name = "support",
            session_id = req.session,
            user_id = auth.user_id,
            metadata(channel = "email"),
            tags("vip", req.queue)
        ),
        quote! {
            async fn handle(req: &Request, auth: &Auth) -> Result<Reply, Error> {
                answer(req).await
            }
        },
    ));
}

#[test]
fn use_reason_with_nested_telemetry() {
    insta::assert_snapshot!(expand(
        &spec::USE_REASON,
        quote!(
            id = "triage",
            provider = "openai",
            telemetry(
                operation = "triage",
                prompt = &prompt,
                capture_content = self.capture,
                tags("eu")
            )
        ),
        quote! {
            async fn triage(&self, prompt: TriagePrompt<'_>) -> Result<String, Error> {
                loop_until_done(&prompt).await
            }
        },
    ));
}

#[test]
fn derive_prompt() {
    let tokens = crate::prompt::derive(quote! {
        #[prompt(name = "triage", kind = "chat")]
        struct Triage<'a, T> {
            #[prompt(version)]
            version: &'a str,
            #[prompt(attribute = "app.queue")]
            queue: T,
            #[prompt(variable)]
            question: String,
            #[prompt(skip)]
            secret: String,
        }
    });
    let file = syn::parse2::<syn::File>(tokens).expect("the expansion parses as items");
    insta::assert_snapshot!(prettyplease::unparse(&file));
}

#[test]
fn flow_never_returning_raw_name_with_inner_attribute() {
    insta::assert_snapshot!(expand(
        &spec::FLOW,
        quote!(attributes(app.budget = 5_000_000_000)),
        quote! {
            /// Serves until the process is stopped.
            pub fn r#loop(rx: &Receiver<Request>) -> ! {
                #![allow(clippy::infinite_loop)]
                loop {
                    handle(rx.recv().unwrap());
                }
            }
        },
    ));
}

#[test]
fn step_returning_box_future_alias() {
    insta::assert_snapshot!(expand(
        &spec::FLOW_STEP,
        quote!(label = "fetch"),
        quote! {
            fn fetch(&self, id: u32) -> BoxFuture<'_, Result<Row, Error>> {
                self.db.get(id).boxed()
            }
        },
    ));
}

#[test]
fn retrieval_with_hashed_namespace_and_captured_query() {
    insta::assert_snapshot!(expand(
        &spec::RETRIEVAL,
        quote!(
            retriever = "kb",
            namespace = tenant,
            limit = 5,
            query = query
        ),
        quote! {
            async fn search(tenant: &str, query: &str) -> Result<Vec<Hit>, StoreError> {
                store::query(tenant, query, 5).await
            }
        },
    ));
}

#[test]
fn embedding_returning_vectors() {
    insta::assert_snapshot!(expand(
        &spec::EMBEDDING,
        quote!(
            provider = "openai",
            model = "text-embedding-3-small",
            input_count = texts.len() as i64
        ),
        quote! {
            async fn embed(texts: &[String]) -> Result<Vec<Vec<f32>>, ApiError> {
                client::embed(texts).await
            }
        },
    ));
}

#[test]
fn retrieval_stage_counting_hits() {
    insta::assert_snapshot!(expand(
        &spec::RETRIEVAL_STAGE,
        quote!(
            kind = "rerank",
            phase = "hits",
            input_hit_count = hits.len() as i64
        ),
        quote! {
            fn rerank(hits: Vec<Hit>) -> Result<Vec<Hit>, RerankError> {
                reranker::top(hits, 5)
            }
        },
    ));
}

#[test]
fn workspace_read_with_hashed_path() {
    insta::assert_snapshot!(expand(
        &spec::WORKSPACE,
        quote!(op = "read", id = "notes", path = path, size = 12),
        quote! {
            fn read(path: &str) -> std::io::Result<String> {
                std::fs::read_to_string(path)
            }
        },
    ));
}

#[test]
fn semantic_cache_lookup_returning_option() {
    insta::assert_snapshot!(expand(
        &spec::SEMANTIC_CACHE,
        quote!(version = "v3", threshold = 0.92, prompt_id = prompt.id),
        quote! {
            async fn lookup(prompt: &Prompt) -> Option<String> {
                cache::nearest(prompt).await
            }
        },
    ));
}

#[test]
fn validation_retry_async() {
    insta::assert_snapshot!(expand(
        &spec::VALIDATION_RETRY,
        quote!(id = "summary-json", max_attempts = 3),
        quote! {
            async fn summarize(text: &str) -> Result<Summary, ValidationError> {
                retry_until_valid(text).await
            }
        },
    ));
}

#[test]
fn router_and_cascade() {
    let router = expand(
        &spec::ROUTER,
        quote!(name = "difficulty"),
        quote! {
            fn route(question: &str) -> &'static str {
                pick(question)
            }
        },
    );
    let cascade = expand(
        &spec::CASCADE,
        quote!(budget = 0.01),
        quote! {
            async fn answer(question: &str) -> Option<String> {
                tiers(question).await
            }
        },
    );
    insta::assert_snapshot!(format!("{router}\n{cascade}"));
}
