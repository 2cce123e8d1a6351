"""A scripted respondent for focus-group tests, evals and benchmarks.

``PlantedRespondent`` answers every focus-group call from a plan, so what the analysis should
find is known: each persona's open answer comes from one planted family of paraphrases, its
likert point from a planted tendency (with a reason graded to that point), its choice and
number from the plan. It reads the persona from the system message (its name line) and the
question from the human message, answers reactions, sentiment batches and theme labels too,
and records which family each persona got. Use it as a ``ScriptedChatModel(default=...)``
callable: ``ScriptedChatModel(script=[], default=None)`` does not take callables as default,
so wrap it with :func:`respondent_model`.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from tools.models.fake import ScriptedChatModel

FIRST_NAMES = [
    "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Michał", "Agnieszka", "Paweł",
    "Joanna", "Krzysztof", "Ewa", "Marcin", "Monika", "Łukasz", "Barbara", "Jakub",
    "Aleksandra", "Grzegorz", "Natalia", "Adam",
]  # fmt: skip
LAST_NAMES = [
    "Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Kaczmarek", "Zając",
    "Król", "Wieczorek", "Jabłoński", "Majewski", "Olszewski", "Stępień", "Malinowski",
    "Jaworski", "Adamczyk", "Dudek", "Pawlak", "Sikora", "Walczak", "Baran", "Rutkowski",
    "Michalak", "Szewczyk",
]  # fmt: skip

FAMILIES = {
    "price": [
        "Za drogie, przy mojej pensji nie stać mnie na taki samochód.",
        "Cena jest zdecydowanie za wysoka jak na moje zarobki.",
        "To kosztuje za dużo, musiałbym brać kredyt na wiele lat.",
        "Nie kupię, bo cena przekracza mój budżet domowy.",
        "Za te pieniądze wolę kupić używane auto i jeszcze odłożyć.",
        "Koszt zakupu jest dla mnie barierą nie do przejścia.",
    ],
    "range": [
        "Boję się, że zimą zasięg spadnie i nie dojadę do rodziny.",
        "Zasięg na jednym ładowaniu to dla mnie za mało na dłuższe trasy.",
        "Martwi mnie, ile kilometrów naprawdę przejadę przy mrozie.",
        "Na wakacje nad morze bym nie dojechał bez kilku postojów.",
        "Realny zasięg jest dużo mniejszy niż w katalogu, to mnie zniechęca.",
        "Przy długich trasach służbowych zasięg byłby ciągłym stresem.",
    ],
    "charging": [
        "W moim bloku nie ma gdzie podłączyć auta do prądu.",
        "Brakuje ładowarek w mojej okolicy, najbliższa jest daleko.",
        "Mieszkam w kamienicy bez garażu, więc nie mam jak ładować w nocy.",
        "Publiczne stacje ładowania często są zajęte albo zepsute.",
        "Na wsi u nas nie ma ani jednej szybkiej ładowarki.",
        "Ładowanie trwa za długo, nie chcę czekać godzinę na stacji.",
    ],
}
COLLAPSED = "Samochód elektryczny jest ciekawy, ale muszę się jeszcze zastanowić."
GRADED_REASONS = {
    1: "Na pewno tego nie kupię, to zupełnie nie dla mnie.",
    2: "Raczej nie kupię, mam za dużo wątpliwości.",
    3: "Trudno powiedzieć, może tak, może nie.",
    4: "Raczej kupię, bo to mi się podoba.",
    5: "Na pewno kupię, bardzo tego chcę.",
}
_NAME_LINE = re.compile(r"^- (\S+) (\S+), ", re.MULTILINE)
_QUESTION = re.compile(r"Pytanie: (.+)")


def persona_names(index: int) -> tuple[str, str]:
    """A distinct (first, last) name per persona index (500 distinct)."""
    return FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index // len(FIRST_NAMES) % 25]


@dataclass
class PlantedRespondent:
    """Answers from a plan; ``assigned`` records (persona name, question id) -> family."""

    persona_index: dict[str, int]  # "First Last" -> persona index
    questions: dict[str, dict[str, Any]]  # question text -> question
    collapsed: bool = False
    likert_tendency: Callable[[int], int] = field(default=lambda i: 1 + i % 5)
    assigned: dict[tuple[int, str], str] = field(default_factory=dict)
    calls: int = 0

    def family_of(self, index: int) -> str:
        return list(FAMILIES)[index % len(FAMILIES)]

    def _answer(self, index: int, question: dict[str, Any]) -> dict[str, Any]:
        kind = question["type"]
        if kind == "open":
            family = self.family_of(index)
            self.assigned[(index, question["id"])] = family
            if self.collapsed:
                return {"text": COLLAPSED}
            texts = FAMILIES[family]
            return {"text": texts[(index // len(FAMILIES)) % len(texts)]}
        if kind == "likert":
            point = 3 if self.collapsed else self.likert_tendency(index)
            point = min(point, question["scale"])
            return {"point": point, "reason": GRADED_REASONS[min(point, 5)]}
        if kind == "single_choice":
            options = question["options"]
            return {"option": options[0 if self.collapsed else index % len(options)]["id"]}
        if kind == "multi_choice":
            options = question["options"]
            return {"options": [options[index % len(options)]["id"]]}
        span = question["max"] - question["min"]
        return {"value": question["min"] + (0 if self.collapsed else span * (index % 4) / 4)}

    def __call__(self, messages: list[BaseMessage]) -> AIMessage:
        self.calls += 1
        system = messages[0].text
        # The question's message (a retry or a schema instruction may come after it).
        asked = [m.text for m in messages if m.type == "human"]
        human = next((t for t in reversed(asked) if "Pytanie:" in t), asked[0] if asked else "")
        if "Oceń wydźwięk" in human:
            count = len(re.findall(r"^\d+\. ", human, re.MULTILINE))
            items = [{"id": i, "label": "negative"} for i in range(1, count + 1)]
            return AIMessage(content=json.dumps({"items": items}))
        if "Nadaj każdemu tematowi" in human:
            ids = re.findall(r"^- (t\d+):", human, re.MULTILINE)
            themes = [{"id": i, "label": f"Temat {i}"} for i in ids]
            return AIMessage(content=json.dumps({"themes": themes}, ensure_ascii=False))
        name = _NAME_LINE.search(system)
        who = f"{name.group(1)} {name.group(2)}" if name else ""
        # A persona generated during the run is not in the plan: a stable index of its name.
        index = self.persona_index.get(who, zlib.crc32(who.encode()) % 997)
        question = self.questions[_QUESTION.search(human).group(1).strip()]
        answer = self._answer(index, question)
        if "Inni uczestnicy odpowiedzieli" in human:
            reaction = {
                "text": "Zgadzam się z częścią opinii, ale zostaję przy swoim.",
                "changed": False,
            }
            return AIMessage(content=json.dumps(reaction, ensure_ascii=False))
        return AIMessage(content=json.dumps(answer, ensure_ascii=False))


def respondent_model(respondent: PlantedRespondent, **options: Any) -> ScriptedChatModel:
    """A fake chat model answering every call with ``respondent`` (``delay_s`` etc. pass on)."""

    takes_cap = getattr(respondent, "takes_cap", False)

    class _Respondent(ScriptedChatModel):
        def _take(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Any:
            with self._lock:
                self.calls.append(list(messages))
                self.call_kwargs.append(dict(kwargs))
            if takes_cap:  # the respondent sizes its answer to the call's token cap
                return lambda m: respondent(m, kwargs.get("max_tokens"))
            return respondent

    return _Respondent(model_name="fake/scripted", **options)


@dataclass
class NoisyUsage:
    """Planted answers with random lengths and usage, and some refused calls (the budget eval).

    Prose fields get 20-100% of what the call's cap allows (words of typical Polish), so what
    the persona remembers grows as it would; the reported input tokens differ from the word
    count by -5% to +12% (a provider's tokenizer is not Sight's); ``refuse_share`` of calls
    fail with a 429 and are retried by the policy.
    """

    respondent: PlantedRespondent
    seed: int
    long_bias: float = 0.2  # the shortest share of the cap an answer takes
    refuse_share: float = 0.05
    takes_cap: bool = True

    def __post_init__(self) -> None:
        import random

        self.rng = random.Random(self.seed)

    def _prose(self, words: int, chars: int) -> str:
        """About ``words`` words of distinct planted sentences (no sentence twice: a repeated
        one would fail the text checks and be asked again)."""
        pool = [t for family in FAMILIES.values() for t in family] + list(GRADED_REASONS.values())
        self.rng.shuffle(pool)
        picked: list[str] = []
        while pool and sum(len(p.split()) for p in picked) < words:
            picked.append(pool.pop())
        return " ".join(picked)[:chars].rsplit(" ", 1)[0].rstrip(",.") + "."

    def __call__(self, messages: list[BaseMessage], cap: int | None) -> AIMessage:
        import httpx

        from tools.models.fake import count_words

        if self.rng.random() < self.refuse_share:
            request = httpx.Request("POST", "http://fake.invalid")
            response = httpx.Response(429, request=request)
            raise httpx.HTTPStatusError("429 Too Many Requests", request=request, response=response)
        answer = self.respondent(messages)
        data = json.loads(answer.text)
        for key in ("text", "reason"):
            if key in data and cap:
                n = int(self.rng.uniform(self.long_bias, 1.0) * max(1, cap - 12))
                data[key] = self._prose(n, 590 if key == "text" else 295)
        text = json.dumps(data, ensure_ascii=False)
        words_in = sum(count_words(m.text) for m in messages)
        usage = {
            "input_tokens": round(words_in * self.rng.uniform(0.95, 1.12)),
            "output_tokens": count_words(text),
        }
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        return AIMessage(content=text, usage_metadata=usage)
