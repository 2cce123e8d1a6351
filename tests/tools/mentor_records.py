"""Records as Sight's workflows produce them, for the mentor's rendering and reading tests.

KPI snapshots come from the KPI workflow itself (milliseconds, no model). The focus group's
report and the sales analyses were copied from real runs (evals/focus_group's scripted
respondent on 12 personas; three notes of tests/graphs/test_sales_next_move_slow.py through
the sales graph without a model), trimmed of fields the mentor does not read.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from evals.persona_generation.factory import make_persona
from graphs.kpi_estimation import build_graph
from store.focus_groups import FocusGroupRecord
from store.persona_records import PersonaRecord
from store.sales_next_move.interactions import InteractionRecord
from store.sales_next_move.sessions import SessionRecord

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
RETAIL_WOMEN = {
    "age_min": 25,
    "age_max": 34,
    "gender": "kobieta",
    "education_levels": ["wyższe"],
    "location": "Kraków",
    "industry": "retail",
}
RURAL_SAAS = {
    "age_min": 18,
    "age_max": 24,
    "gender": "osoba niebinarna",
    "income_brackets": ["7000-10000 PLN"],
    "location": "wieś, podlaskie",
    "industry": "b2b_saas",
}


async def kpi_snapshot(segment: dict[str, Any] | None = None) -> dict[str, Any]:
    """The KPI workflow's snapshot for a segment, as a persona stores it."""
    output = await build_graph().compile().ainvoke(dict(segment or RETAIL_WOMEN))
    snapshot = dict(output["snapshot"])
    for transient in ("reused", "stored", "age_s", "snapshot_id"):
        snapshot.pop(transient, None)
    return snapshot


def persona_record(index: int = 0, **overrides: Any) -> PersonaRecord:
    """A stored persona (evals' factory record) as the repository returns it."""
    record = make_persona(index, **overrides)
    managed = {
        "embedding": None,
        "is_active": True,
        "deleted_at": None,
        "deleted_by": None,
        "delete_reason": None,
        "delete_detail": None,
        "created_at": T0,
        "updated_at": T0,
    }
    return PersonaRecord(**{**record, **managed})


QUESTIONS = [
    {
        "id": "bariery",
        "text": "Co najbardziej powstrzymuje Cię przed zakupem samochodu elektrycznego?",
        "type": "open",
    },
    {
        "id": "zakup",
        "text": "Jak bardzo prawdopodobne, że w ciągu dwóch lat kupisz samochód elektryczny?",
        "type": "likert",
        "scale": 5,
        "labels": ["zdecydowanie nie", "raczej nie", "ani tak, ani nie", "raczej tak", "zdecydowanie tak"],
    },
    {
        "id": "naped",
        "text": "Jaki napęd wybrałbyś przy następnym zakupie?",
        "type": "single_choice",
        "options": [
            {"id": "a", "text": "elektryczny"},
            {"id": "b", "text": "hybrydowy"},
            {"id": "c", "text": "benzynowy"},
            {"id": "d", "text": "diesel"},
        ],
    },
    {
        "id": "cena",
        "text": "Ile najwyżej zapłaciłbyś za nowy samochód (w tysiącach złotych)?",
        "type": "numeric",
        "min": 30,
        "max": 300,
        "unit": "tys. zł",
    },
]  # fmt: skip


def _theme(n: int, label: str, size: int, share: float, persona_id: str, text: str) -> dict:
    quote = {"answer_id": f"ans-{n}", "persona_id": persona_id, "text": text}
    return {"id": f"t{n}", "label": label, "size": size, "share": share, "quote": quote}


def focus_group_report(persona_ids: list[str]) -> dict[str, Any]:
    """The report the focus group graph stored (its questions' analyses, trimmed)."""
    open_q, likert, choice, numeric = (copy.deepcopy(q) for q in QUESTIONS)
    no_test = {"chi_square": None, "note_code": "expected_counts_low"}
    open_q |= {
        "n": 12,
        "themes": [
            _theme(
                1,
                "ładować, auto, blok",
                5,
                5 / 12,
                persona_ids[0],
                "Brakuje ładowarek w mojej okolicy, najbliższa jest daleko.",
            ),
            _theme(
                2,
                "cena, brać, budżet",
                4,
                4 / 12,
                persona_ids[1],
                "Nie kupię, bo cena przekracza mój budżet domowy.",
            ),
            _theme(
                3,
                "dojechać, bać, kilometr",
                3,
                0.25,
                persona_ids[2],
                "Na wakacje nad morze bym nie dojechał bez kilku postojów.",
            ),
        ],
        "sentiment": {
            "counts": {"positive": 0, "neutral": 7, "negative": 5},
            "mean": -0.195,
            "methods": {"model": 0, "lexicon": 12},
            "n": 12,
        },
        "homogeneity": {
            "modal_share": 5 / 12,
            "mean_pairwise_cosine": 0.889,
            "collapsed": False,
            "reasons": [],
            "n": 12,
        },
        "cuts": [{"by": "segment_id", "groups": [], **no_test}],
    }
    likert |= {
        "n": 12,
        "distribution": {
            "counts": {"1": 3, "2": 3, "3": 2, "4": 2, "5": 2},
            "shares": {"1": 0.25, "2": 0.25, "3": 2 / 12, "4": 2 / 12, "5": 2 / 12},
            "mean": 2.75,
            "median": 2.5,
            "n": 12,
        },
        "ssr": {"mean": 2.9089868158790235, "status": "ok", "n": 12},
        "sentiment": {
            "counts": {"positive": 2, "neutral": 5, "negative": 5},
            "mean": -0.034,
            "methods": {"model": 0, "lexicon": 12},
            "n": 12,
        },
        "homogeneity": {
            "modal_share": 0.25,
            "mean_pairwise_cosine": 0.926,
            "collapsed": True,
            "reasons": [
                {
                    "code": "mean_pairwise_cosine",
                    "value": 0.9263,
                    "threshold": 0.92,
                    "message": "średnie podobieństwo tekstów odpowiedzi "
                    "(cosinus) 0,926 (próg alarmu: 0,92)",
                }
            ],
            "n": 12,
        },
        "cuts": [
            {
                "by": "gender",
                "groups": [
                    {"value": "kobieta", "n": 7, "counts": {}, "mean": 3.2857142857142856},
                    {"value": "mężczyzna", "n": 5, "counts": {}, "mean": 2.0},
                ],
                "chi_square": {"statistic": 9.49, "dof": 4, "p_value": 0.0312},
                "note_code": "tested",
            }
        ],
    }
    choice |= {
        "n": 12,
        "distribution": {
            "counts": {"a": 3, "b": 5, "c": 3, "d": 1},
            "shares": {"a": 0.25, "b": 5 / 12, "c": 0.25, "d": 1 / 12},
            "n": 12,
        },
        "homogeneity": {
            "modal_share": 5 / 12,
            "mean_pairwise_cosine": None,
            "collapsed": False,
            "reasons": [],
            "n": 12,
        },
    }
    numeric |= {
        "n": 12,
        "distribution": {
            "n": 12,
            "mean": 131.25,
            "median": 131.25,
            "p25": 80.625,
            "p75": 181.875,
            "min": 30.0,
            "max": 232.5,
        },
    }
    return {
        "mode": "survey",
        "memory": "full",
        "rounds": 0,
        "personas": 12,
        "cells": {"total": 48, "answered": 47, "failed": 1, "skipped_budget": 0},
        "budget": {"max_tokens": 60000},
        "spend": {"tokens": 10667, "usd": 0.0481},
        "quality": {"structured_valid_share": 1.0, "polish_share": 1.0,
                    "near_duplicate_share": 0.5},
        "warnings": ["Pytanie zakup: odpowiedzi zlały się w jedno (alarm jednorodności)."],
        "questions": [open_q, likert, choice, numeric],
    }  # fmt: skip


def focus_group_record(
    fg_id: str = "2ef572ee-c08d-53d6-9eef-15832809f987",
    persona_ids: list[str] | None = None,
    **overrides: Any,
) -> FocusGroupRecord:
    """A finished focus group as the repository returns it."""
    ids = persona_ids or [f"p-{i:02d}" for i in range(12)]
    values: dict[str, Any] = {
        "id": fg_id,
        "tenant": "acme",
        "run_id": "16dcaa30-f921-49a3-a538-8dfe9cb9d7b6",
        "thread_id": None,
        "status": "partial",
        "mode": "survey",
        "request": {"personas": ids, "questions": QUESTIONS, "mode": "survey"},
        "persona_ids": ids,
        "questions": copy.deepcopy(QUESTIONS),
        "budget": {"max_tokens": 60000},
        "estimate": {"tokens": 13896, "usd": 0.0, "cells": 48},
        "spend": {"tokens": 10667, "usd": 0.0481},
        "report": focus_group_report(ids),
        "error": None,
        "created_at": T0,
        "updated_at": T0 + timedelta(seconds=5),
        "finished_at": T0 + timedelta(seconds=5),
    }
    return FocusGroupRecord(**(values | overrides))


def likert_answer(fg_id: str, persona_id: str, point: int, reason: str, n: int = 0) -> dict:
    """An answered likert cell (the persona's point and one sentence why)."""
    return {
        "id": f"{fg_id[:8]}-zakup-{n}",
        "focus_group_id": fg_id,
        "persona_id": persona_id,
        "question_id": "zakup",
        "round": 0,
        "status": "answered",
        "answer": {"point": point, "reason": reason},
        "text": reason,
        "sentiment": {"label": "neutral", "score": 0.0, "method": "lexicon"},
        "checks": [],
        "model": "fake/scripted",
        "tokens_in": 181,
        "tokens_out": 12,
        "cost_usd": 0.0,
        "created_at": T0,
    }


def _indicator(score: int, band: str, label: str, rules: list[tuple[str, int, str]]) -> dict:
    fired = [{"id": i, "points": p, "because": b, "evidence": []} for i, p, b in rules]
    return {"score": score, "band": band, "label": label, "rules": fired}


def sales_analysis(turn: int) -> dict[str, Any]:
    """The fast path's analysis of turns 1-3 of the family session (trimmed)."""
    readiness, churn, drive = {1: (30, 25, 50), 2: (45, 25, 58), 3: (70, 11, 58)}[turn]
    rules = []
    if turn == 3:
        rules = [
            (
                "R-PR-02",
                15,
                "Pyta o termin dostawy lub auto od ręki: planuje konkretny zakup w czasie.",
            ),
            ("R-PR-03", 10, "Pyta o leasing, ratę lub kredyt: sprawdza, jak sfinansować zakup."),
            ("R-PR-08", 5, "Planuje ładowanie w domu: wyobraża sobie codzienność z tym autem."),
        ]
    signals = ["Przyszedł z żoną i dwójką dzieci", "zasięg zimą", "foteliki", "nad morze"]
    return {
        "turn": turn,
        "signals": [],
        "session_signals": [{"id": f"s{i}", "evidence": e, "turn": 1} for i, e in enumerate(signals)],
        "archetype": {"primary": "straznik_rodziny",
                      "top2": ["straznik_rodziny", "pragmatyczny_analityk"]},
        "objections": [{"id": "objection.czas_dostawy", "matched_by": "signal"},
                       {"id": "objection.leasing_czy_gotowka", "matched_by": "signal"}],
        "indicators": {
            "purchase_readiness": _indicator(readiness, "wysoki" if readiness >= 65 else "średni",
                                             "Gotowość do zakupu", rules),
            "churn_risk": _indicator(churn, "niski", "Ryzyko utraty klienta", []),
            "test_drive_value": _indicator(drive, "średni", "Wartość jazdy próbnej", []),
        },
        "next_moves": [
            {"id": "M-Q-leasing-01", "kind": "question",
             "text": "Zapytaj: „Rozważa Pan gotówkę, kredyt, leasing czy najem długoterminowy?”"},
            {"id": "M-O-dostawa-01", "kind": "objection_response",
             "text": "Zapytaj o datę graniczną i sprawdź auta od ręki."},
        ],
        "degraded": [],
    }  # fmt: skip


NOTES = [
    "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się dwa foteliki.",
    "Wrócił po tygodniu sam. Co miesiąc jeżdżą do teściów nad morze, około 400 km w jedną stronę.",
    "Zadzwonił w poniedziałek i pyta o termin dostawy wersji z pompą ciepła.",
]
DEEP = {
    "turn": 3,
    "psychometrics": {
        "frameworks": {
            "schwartz": {
                "security": {"score": 90, "confidence": 0.386},
                "benevolence": {"score": 68, "confidence": 0.302},
                "self_direction": {"score": 62, "confidence": 0.302},
                "power": {"score": 38, "confidence": 0.207},
            }
        }
    },
    "strategy": {
        "tabs": [
            {
                "id": "podsumowanie",
                "items": [
                    {
                        "text": "Strażnik Rodziny to rodzic lub opiekun, dla którego samochód "
                        "jest przede wszystkim bezpieczną przestrzenią dla bliskich.",
                        "source": "archetype.straznik_rodziny.opis",
                    }
                ],
            }
        ]
    },
    "degraded": [],
}


def session_record(session_id: str = "5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90", **overrides):
    """A concluded sales session (client "Pan Tomasz" bought) as the repository returns it."""
    values: dict[str, Any] = {
        "id": session_id,
        "client_id": "c-1",
        "client_alias": "Pan Tomasz",
        "status": "closed",
        "started_at": T0,
        "last_activity_at": T0 + timedelta(days=6),
        "turns": 3,
        "latest_readiness": 70,
        "outcome_data": {
            "outcome": "purchased",
            "note": "Podpisał leasing na 36 miesięcy, wpłata 12 500 zł.",
            "concluded_at": (T0 + timedelta(days=8)).isoformat(),
            "concluded_by": "editor-key",
        },
        "summary": "Rodzina z dwójką dzieci, jeździ zimą nad morze, ma fotowoltaikę.",
        "key_facts": ["2 dzieci", "leasing na firmę", "trasa 400 km nad morze"],
        "memory_turn": 3,
        "deep_analysis": copy.deepcopy(DEEP),
        "deep_turn": 3,
    }
    return SessionRecord(**(values | overrides))


def interaction_records(session_id: str = "5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"):
    """The session's three turns, in turn order."""
    return [
        InteractionRecord(
            id=f"i-{turn}",
            session_id=session_id,
            turn=turn,
            text=NOTES[turn - 1],
            analysis=sales_analysis(turn),
            rules_version="signals 2026.12.1; indicators 2026.12.1; moves 2026.12.1",
            shown_moves=["M-Q-leasing-01", "M-O-dostawa-01"],
            created_at=T0 + timedelta(days=3 * (turn - 1)),
        )
        for turn in (1, 2, 3)
    ]
