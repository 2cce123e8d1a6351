"""Bodies of the interaction routes (an observation in, its analysis out)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

ANALYSIS_EXAMPLE = {
    "turn": 1,
    "signals": [
        {"id": "pyta_o_zasieg_zima", "evidence": "pyta o zasięg zimą", "source": "rules"},
    ],
    "archetype": {"primary": "straznik_rodziny", "scores": {"straznik_rodziny": 0.41}},
    "modules": [{"module": "zima_zasieg", "triggers": ["zasięg", "zima"], "chunks": []}],
    "indicators": {
        "purchase_readiness": {"score": 45, "band": "średni", "rules": []},
    },
    "next_moves": [
        {
            "id": "M-Q-zima-01",
            "kind": "question",
            "text": "Zapytaj: „Jaka jest najdłuższa trasa, którą Państwo pokonują zimą?”",
            "rationale": "Obawa o zasięg zimą: konkretna trasa pozwala policzyć zapas.",
            "provenance": {"signals": [], "rules": ["M-Q-zima-01"], "knowledge": []},
            "phrased": False,
        }
    ],
    "degraded": [],
}


class InteractionCreate(BaseModel):
    """One observation of the salesperson."""

    model_config = ConfigDict(extra="forbid")

    session_id: str | None = Field(
        default=None,
        max_length=36,
        description="The session to continue; null starts a new session.",
        examples=[None],
    )
    client_alias: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="For a new session: the client it is about (found or created by alias).",
        examples=["Pan Marek z Audi"],
    )
    text: str = Field(
        min_length=1,
        max_length=4000,
        description="What the salesperson observed, in Polish.",
        examples=[
            "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się dwa foteliki"
        ],
    )

    @field_validator("text", "client_alias")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("only white space: write it, or leave the field out")
        return value


class InteractionOut(BaseModel):
    """An observation's analysis."""

    interaction_id: str | None = Field(
        description="The stored interaction.", examples=["0b6c2f4e-1d7a-4c3e-9f21-5a8e7d3c2b10"]
    )
    session_id: str | None = Field(
        description="Its session (the thread the runs use).",
        examples=["5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"],
    )
    turn: int = Field(description="Its turn in the session, from 1.", examples=[1])
    analysis: dict[str, Any] = Field(
        description="signals, archetype, modules, objections, meta_rules, indicators, "
        "next_moves (4), degraded (what was skipped and why), rules_version.",
        examples=[ANALYSIS_EXAMPLE],
    )


class MoreMovesOut(BaseModel):
    """Four other suggestions for an observation."""

    next_moves: list[dict[str, Any]] = Field(
        description="Moves not shown before for this interaction (up to 4).",
        examples=[ANALYSIS_EXAMPLE["next_moves"]],
    )
    shown: list[str] = Field(
        description="Every move id shown for this interaction so far.", examples=[["M-Q-zima-01"]]
    )
