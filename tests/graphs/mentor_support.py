"""What the mentor graph tests share: a reader over results held in memory (the database
reader has its own tests), scripted models, and a graph compiled with an in-memory saver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from graphs.mentor import build_graph
from nodes.mentor.state import MentorContext
from sight.settings import Settings
from tests.graphs.dojo_support import fake_settings  # noqa: F401 - the same scripted roles
from tools.mentor.refs import Fact, ResultBlock, ResultRef
from tools.models import ModelRouter, ScriptedChatModel

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def fact(text: str, *topics: str, weight: float = 1.0) -> Fact:
    return Fact(text=text, topics=frozenset(topics), weight=weight)


PERSONA = ResultBlock(
    ref=ResultRef("persona", "11111111-1111-4111-8111-111111111111"),
    title="Persona „Anna Nowak” (34 lata, Kraków)",
    facts=[
        fact("NPS persony: 32 (średnia branży: 45).", "nps", "polec", "lojaln"),
        fact("Wskaźnik konwersji: 12,5% (średnia branży: 9,8%).", "konwersj"),
        fact("Pewność oszacowania: 0,62; tabela dochodów jest przybliżona.", "pewnoś", "nps"),
        fact("Zawód: księgowa; wykształcenie wyższe.", "zawód", weight=0.3),
    ],
    created_at=NOW,
)
FOCUS_GROUP = ResultBlock(
    ref=ResultRef("focus_group", "22222222-2222-4222-8222-222222222222"),
    title="Grupa fokusowa „Cena abonamentu” (8 person, 3 pytania)",
    facts=[
        fact("Temat „cena za wysoka”: 5 z 8 odpowiedzi.", "cen", "koszt", "drog"),
        fact("Sentyment: 38% negatywny, 50% neutralny, 12% pozytywny.", "sentyment", "cen"),
        fact("Cytat: „Za 79 zł miesięcznie wolę zostać przy starym pakiecie.”", "cen", "cytat"),
    ],
    created_at=NOW,
)
SESSION = ResultBlock(
    ref=ResultRef("sales_session", "33333333-3333-4333-8333-333333333333"),
    title="Sesja sprzedażowa z klientem „Pan Tomasz” (zakończona: sprzedaż)",
    facts=[
        fact("Wynik: sprzedaż; notatka: podpisał umowę leasingu.", "sprzeda", "wynik"),
        fact("Gotowość do zakupu na końcu: 82 na 100.", "gotowoś", "sprzeda"),
    ],
    created_at=NOW,
)


@dataclass
class MemoryReader:
    """ResultsReader over blocks held in memory (one tenant's results)."""

    blocks: list[ResultBlock] = field(default_factory=lambda: [PERSONA, FOCUS_GROUP, SESSION])
    recent_calls: list[tuple[str, int]] = field(default_factory=list)

    async def load(self, refs: list[ResultRef]) -> tuple[list[ResultBlock], list[ResultRef]]:
        by_ref = {block.ref: block for block in self.blocks}
        return [by_ref[r] for r in refs if r in by_ref], [r for r in refs if r not in by_ref]

    async def recent(self, kind: str, limit: int) -> list[ResultRef]:
        self.recent_calls.append((kind, limit))
        return [block.ref for block in self.blocks if block.ref.kind == kind][:limit]

    async def names(self) -> list[tuple[ResultRef, str]]:
        names = {"persona": "Anna Nowak", "sales_session": "Pan Tomasz"}
        return [(b.ref, names[b.ref.kind]) for b in self.blocks if b.ref.kind in names]

    async def missing(self, refs: list[ResultRef]) -> list[ResultRef]:
        known = {block.ref for block in self.blocks}
        return [ref for ref in refs if ref not in known]


def scripted(settings: Settings, *, deep: list[Any] = (), fast: list[Any] = ()):
    """Run models whose roles answer from scripts; returns (models, {ref: fake})."""
    fakes = {
        "fake/fast": ScriptedChatModel(model_name="fake/fast", script=list(fast)),
        "fake/deep": ScriptedChatModel(model_name="fake/deep", script=list(deep)),
    }
    return ModelRouter(settings, models=fakes).for_run("run-mentor"), fakes


def compiled():
    return build_graph().compile(checkpointer=InMemorySaver())


def context(models: Any = None, reader: Any = None, **overrides: Any) -> MentorContext:
    values: dict[str, Any] = {
        "models": models,
        "reader": reader if reader is not None else MemoryReader(),
        "use_model": models is not None,
        "count": lambda text: len(text.split()),
        "clock": lambda: NOW,
    }
    values.update(overrides)
    return MentorContext(**values)


def ask(text: str) -> dict[str, Any]:
    return {"messages": [{"type": "human", "content": text}]}


def config(thread: str = "t1") -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}
