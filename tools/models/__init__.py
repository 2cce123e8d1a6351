"""Chat models and embedders for Sight: one factory, one call policy.

Workflows ask for a role, never a provider::

    router = ModelRouter(settings)                 # once per process
    models = router.for_run(run_id)                # once per run
    answer = await models.ainvoke("fast", messages, schema=Verdict)
    models.usage.as_dict()                         # tokens, cost, calls per model

Embedders: ``get_embedder(settings).embed_query(text)``.
"""

from tools.models.classify import is_retryable, retry_reason
from tools.models.embedders import Embedder, get_embedder
from tools.models.factory import ModelRef, build_chat_model, parse_model_ref
from tools.models.fake import FakeScriptExhaustedError, ScriptedChatModel
from tools.models.local import ChatLlamaCpp
from tools.models.policy import RunModels
from tools.models.router import ModelRouter, build_router
from tools.models.usage import ModelUsage, RunUsage, TokenBudget

__all__ = [
    "ChatLlamaCpp",
    "Embedder",
    "FakeScriptExhaustedError",
    "ModelRef",
    "ModelRouter",
    "ModelUsage",
    "RunModels",
    "RunUsage",
    "ScriptedChatModel",
    "TokenBudget",
    "build_chat_model",
    "build_router",
    "get_embedder",
    "is_retryable",
    "parse_model_ref",
    "retry_reason",
]
