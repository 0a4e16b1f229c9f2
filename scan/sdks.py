"""The SDK call shapes a scan recognises (SPEC.md, "Finding the AI calls in code"), as data.

A *kind* is what an object is (an OpenAI client, a Bedrock runtime client, a LangChain chat
model…); each kind lists the attribute paths that make an LLM call on it, the ones that
stream, and the ones that use the provider's batch API.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    """An SDK object: its provider, the calls made on it, and its batch API entry points."""

    provider: str
    calls: frozenset[str]
    streaming: frozenset[str] = frozenset()
    batch: frozenset[str] = frozenset()
    label: str = ""  # prefix for the call's name (``GenerativeModel.generate_content``)
    model_keywords: tuple[str, ...] = ("model",)


KINDS: dict[str, Kind] = {
    "openai": Kind(
        "openai",
        frozenset(
            {
                "chat.completions.create",
                "chat.completions.parse",
                "beta.chat.completions.parse",
                "chat.completions.stream",
                "responses.create",
                "responses.parse",
                "responses.stream",
                "embeddings.create",
                "completions.create",
                # openai<1.0's module functions, still in older repositories
                "ChatCompletion.create",
                "Completion.create",
                "Embedding.create",
            }
        ),
        streaming=frozenset({"chat.completions.stream", "responses.stream"}),
        batch=frozenset({"batches.create"}),
    ),
    "anthropic": Kind(
        "anthropic",
        frozenset({"messages.create", "messages.stream", "beta.messages.create"}),
        streaming=frozenset({"messages.stream"}),
        batch=frozenset({"messages.batches.create", "beta.messages.batches.create"}),
    ),
    "google-genai": Kind(
        "google",
        frozenset(
            {
                "models.generate_content",
                "models.generate_content_stream",
                "models.embed_content",
                "aio.models.generate_content",
                "aio.models.embed_content",
            }
        ),
        streaming=frozenset({"models.generate_content_stream"}),
        batch=frozenset({"batches.create"}),
    ),
    "vertex-model": Kind(
        "google",
        frozenset({"generate_content", "generate_content_async"}),
        label="GenerativeModel.",
    ),
    "bedrock-runtime": Kind(
        "bedrock",
        frozenset(
            {"invoke_model", "converse", "converse_stream", "invoke_model_with_response_stream"}
        ),
        streaming=frozenset({"converse_stream", "invoke_model_with_response_stream"}),
        model_keywords=("modelId", "model_id"),
    ),
    "bedrock": Kind("bedrock", frozenset(), batch=frozenset({"create_model_invocation_job"})),
    "litellm": Kind(
        "litellm",
        frozenset({"completion", "acompletion", "embedding", "aembedding"}),
        batch=frozenset({"create_batch", "acreate_batch"}),
    ),
    "langchain": Kind(
        "langchain",
        frozenset({"invoke", "ainvoke", "batch", "abatch", "stream", "astream"}),
        streaming=frozenset({"stream", "astream"}),
        model_keywords=("model", "model_name", "model_id"),
    ),
}

#: Python constructors (by qualified name) and the kind of object each makes.
PY_CONSTRUCTORS: dict[str, str] = {
    **{
        f"openai.{name}": "openai"
        for name in ("OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI")
    },
    **{
        f"anthropic.{name}": "anthropic"
        for name in (
            "Anthropic",
            "AsyncAnthropic",
            "AnthropicBedrock",
            "AsyncAnthropicBedrock",
            "AnthropicVertex",
            "AsyncAnthropicVertex",
        )
    },
    "google.genai.Client": "google-genai",
    "google.genai.client.Client": "google-genai",
    "vertexai.generative_models.GenerativeModel": "vertex-model",
    "vertexai.preview.generative_models.GenerativeModel": "vertex-model",
    "google.generativeai.GenerativeModel": "vertex-model",
    "langchain.chat_models.init_chat_model": "langchain",
}
#: Modules whose own functions are the calls (``litellm.completion``, ``openai.chat…``).
PY_MODULES: dict[str, str] = {"openai": "openai", "litellm": "litellm"}
#: LangChain chat model classes, by the class name, from any ``langchain*`` package.
LANGCHAIN_MODELS = frozenset(
    {
        "ChatOpenAI",
        "AzureChatOpenAI",
        "ChatAnthropic",
        "ChatGoogleGenerativeAI",
        "ChatVertexAI",
        "ChatBedrock",
        "ChatBedrockConverse",
        "ChatLiteLLM",
        "ChatMistralAI",
        "ChatGroq",
        "ChatOllama",
        "ChatCohere",
    }
)
#: Methods on a LangChain model that return a model (``llm.with_structured_output(…)``).
LANGCHAIN_WRAPPERS = frozenset(
    {"with_structured_output", "bind_tools", "bind", "with_retry", "with_config", "with_fallbacks"}
)
#: Methods of an OpenAI or Anthropic client that return the same client, reconfigured.
CLIENT_WRAPPERS = frozenset({"with_options", "copy"})
#: Attributes in a call's path that change only what it returns (``with_raw_response``).
RESPONSE_WRAPPERS = frozenset({"with_raw_response", "with_streaming_response"})
#: boto3 service names and the kind of client each makes.
BOTO3_SERVICES = {"bedrock-runtime": "bedrock-runtime", "bedrock": "bedrock"}
#: Names whose mere use means a provider batch API (Vertex AI batch prediction).
BATCH_NAMES = frozenset({"BatchPredictionJob"})
#: The last name of every call and batch entry point: a call ending otherwise is no SDK's.
METHOD_NAMES = frozenset(
    path.rsplit(".", 1)[-1] for kind in KINDS.values() for path in kind.calls | kind.batch
)
