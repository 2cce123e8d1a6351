"""Scripted answers for the mentor's guard checks, built from the prompt the mentor sent.

A correct answer copies facts of the results section (verbatim, or with a percent rounded as
people write it: "około 65%" for "65,3%"); a wrong one changes one of their numbers to a value
the results do not hold. The fake model calls these with the prompt, so they answer from what
the mentor actually gave it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from langchain_core.messages import BaseMessage

from tools.mentor.numbers import grounded, numbers_in

ENGLISH = (
    "Based on your results, the main reason is the price: most respondents think the "
    "subscription is too expensive compared with leasing."
)
_PERCENT = re.compile(r"(\d+),(\d)%")


def result_facts(prompt: Sequence[BaseMessage]) -> list[str]:
    """The fact lines of the system prompt's results section, numbers first."""
    results = prompt[0].text.split("WYNIKI:", 1)[1]
    lines = [line[2:].strip() for line in results.splitlines() if line.startswith("- ")]
    with_numbers = [line for line in lines if numbers_in(line)]
    return with_numbers + [line for line in lines if line not in with_numbers]


def correct(prompt: Sequence[BaseMessage]) -> str:
    """Two facts, verbatim, in a Polish sentence."""
    facts = result_facts(prompt)[:2]
    return "Z Twoich wyników wynika, że: " + " Ponadto: ".join(facts)


def rounded(prompt: Sequence[BaseMessage]) -> str:
    """The correct answer with each one-decimal percent rounded and said "około"."""
    return _PERCENT.sub(lambda m: f"około {round(float(f'{m[1]}.{m[2]}'))}%", correct(prompt))


def _changed(value: Decimal) -> Decimal:
    return value + max(Decimal(7), (value * Decimal("0.37")).quantize(Decimal(1)))


def invented(prompt: Sequence[BaseMessage]) -> tuple[str, str]:
    """The correct answer with its first changeable number changed; (answer, the new number)."""
    answer = correct(prompt)
    context = prompt[0].text
    for number in numbers_in(answer):
        plain = re.fullmatch(r"(\d+)(%?)", answer[number.start : number.end].strip())
        if number.kind == "ratio" or plain is None:
            continue
        new = str(_changed(Decimal(plain[1])))
        changed = answer[: number.start] + new + plain[2] + answer[number.end :]
        if grounded(changed, context).violations:
            return changed, new
    raise ValueError("no number to change in the answer")


def script_of(*steps: Callable[[Sequence[BaseMessage]], str]) -> list[Any]:
    """The fake model's script: each step answers from the prompt it gets."""
    return [lambda messages, step=step: step(messages) for step in steps]
