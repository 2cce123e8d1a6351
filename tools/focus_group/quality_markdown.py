"""Answer quality in the Markdown report: the run's section and a flag on weak questions.

The numbers are `tools.focus_group.quality.answer_quality`'s, stored in the report for the
whole run (`report["quality"]`) and per question (`question["quality"]`).
"""

from __future__ import annotations

from typing import Any

from tools.focus_group.markdown_text import md, table
from tools.focus_group.report_format import number, percent

# Below this share of Polish prose, or above this share of near-copies, a question's answers
# say more about the model than about the personas.
MIN_POLISH_SHARE = 0.8
MAX_NEAR_DUPLICATE_SHARE = 0.2
CHECKS = {
    "text_not_polish": "nie po polsku",
    "text_mixed_language": "wtrącenia w innym języku",
    "text_repetitive": "powtórzenia",
    "text_echoes_prompt": "powtarza polecenie",
    "text_placeholder": "tekst zastępczy lub zniekształcony",
    "text_truncated": "urwany tekst",
    "items_repeat": "powtarzające się pozycje",
}


def quality_problems(quality: dict[str, Any] | None) -> list[str]:
    """Say in Polish which quality thresholds the answers miss; [] when none (or no data)."""
    quality = quality or {}
    prose = number(quality.get("prose_answers") or 0)
    polish, copies = quality.get("polish_share"), quality.get("near_duplicate_share")
    problems = []
    if polish is not None and polish < MIN_POLISH_SHARE:
        problems.append(
            f"po polsku tylko {percent(polish)} z {prose} odpowiedzi z tekstem "
            f"(próg {percent(MIN_POLISH_SHARE, 0)})"
        )
    if copies is not None and copies > MAX_NEAR_DUPLICATE_SHARE:
        problems.append(
            f"{percent(copies)} z {prose} odpowiedzi z tekstem niemal powtarza inną odpowiedź "
            f"(próg {percent(MAX_NEAR_DUPLICATE_SHARE, 0)})"
        )
    return problems


def question_quality(question: dict[str, Any]) -> list[str]:
    """A warning line for a question whose answers miss a quality threshold, else nothing."""
    problems = quality_problems(question.get("quality"))
    if not problems:
        return []
    return [f"**Uwaga – jakość odpowiedzi:** {'; '.join(problems)}.", ""]


def quality_section(report: dict[str, Any]) -> list[str]:
    """Render the run's answer quality: valid format, Polish, near-copies, flagged checks."""
    quality = report.get("quality")
    if not quality:
        return []
    prose = f"{number(quality.get('prose_answers') or 0)} odpowiedzi z tekstem"
    rows = [
        [
            "poprawny format odpowiedzi",
            percent(quality.get("structured_valid_share")),
            "odpowiedzi przyjęte i odrzucone za niepoprawny format",
        ],
        ["po polsku", percent(quality.get("polish_share")), prose],
        [
            "niemal kopia innej odpowiedzi na to samo pytanie",
            percent(quality.get("near_duplicate_share")),
            prose,
        ],
    ]
    lines = [
        "## Jakość odpowiedzi",
        "",
        *table(["wskaźnik", "wartość", "liczone z"], rows),
        "Odpowiedzi z tekstem to odpowiedzi otwarte i uzasadnienia ocen na skali.",
        "",
    ]
    flagged = quality.get("flagged") or {}
    if any(flagged.values()):
        found = ", ".join(
            f"{CHECKS.get(code, md(code))} {number(count)}"
            for code, count in flagged.items()
            if count
        )
        lines += [f"Kontrole tekstu oznaczyły (liczba odpowiedzi z tekstem): {found}.", ""]
    if quality.get("asked_again"):
        lines += [
            f"Zapytano ponownie (pierwsza odpowiedź nie przeszła kontroli tekstu): "
            f"{number(quality['asked_again'])}; zachowano lepszą z dwóch.",
            "",
        ]
    weak = [
        f"- {md(q.get('id', ''))}: {'; '.join(problems)}"
        for q in report.get("questions") or []
        if (problems := quality_problems(q.get("quality")))
    ]
    return lines + (["Pytania do sprawdzenia:", "", *weak, ""] if weak else [])
