"""Other: what the Dojo can do, with examples (greetings, thanks, questions about Sight)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from nodes.ai_dojo.state import DojoState
from prompts.ai_dojo import REPLY_OTHER


def reply_help(state: DojoState) -> dict[str, Any]:
    """Say in Polish what the mentor can do here."""
    return {"messages": [AIMessage(REPLY_OTHER)]}
