"""The mentor's grounding across dates, and its input cap on every message."""

from __future__ import annotations

import pytest

from sight.errors import InputValidationError
from tools.mentor.guard import check_answer
from tools.mentor.request import check_input

# Every focus group block keeps its title, and the title carries its date (render_focus_group.py:254).
RESULTS = (
    "## Grupa fokusowa z 7.12.2026: „Co sądzisz o cenie?” (8 person) [focus_group: 3f2a]\n"
    "- Temat „cena za wysoka”: 5 z 8 odpowiedzi."
)


@pytest.mark.parametrize("answer", ["Aż 12% uczestników uznało cenę za za wysoką.",
                                    "Cenę skrytykowało 7 osób z 8."])  # fmt: skip
def test_a_results_date_does_not_ground_other_numbers(answer: str) -> None:
    assert check_answer(answer, RESULTS).invented


def test_every_message_of_the_input_is_capped() -> None:
    payload = {
        "messages": [
            {"type": "human", "content": "x" * 200_000},
            {"type": "human", "content": "Dlaczego persona ma niski NPS?"},
        ]
    }
    with pytest.raises(InputValidationError):
        check_input(payload)
