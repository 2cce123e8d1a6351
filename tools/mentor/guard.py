"""The mentor's answer guards: Polish, and every number found in what the model was given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prompts.mentor import RETRY_LANGUAGE, RETRY_NUMBERS
from tools.mentor.language import LanguageVerdict, polish_score
from tools.mentor.numbers import Grounding, grounded


@dataclass(frozen=True)
class Check:
    """One answer's verdicts."""

    language: LanguageVerdict
    grounding: Grounding

    @property
    def ok(self) -> bool:
        return self.language.is_polish and not self.grounding.violations

    @property
    def invented(self) -> list[str]:
        """The answer's numbers not found in the context, as written, each once."""
        return list(dict.fromkeys(n.raw.strip() for n in self.grounding.violations))

    def retry_instruction(self) -> str | None:
        """What the model is told before its second try (language first: a non-Polish answer's
        numbers do not matter), or None when the answer passed."""
        if not self.language.is_polish:
            return RETRY_LANGUAGE
        if self.grounding.violations:
            return RETRY_NUMBERS.format(numbers=", ".join(self.invented))
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "polish": self.language.is_polish,
            "polish_score": round(self.language.score, 3),
            "numbers": len(self.grounding.found) + len(self.grounding.violations),
            "invented": self.invented,
        }


def check_answer(answer: str, context: str) -> Check:
    """Check ``answer`` against the text the model was given (results, summary, questions)."""
    return Check(language=polish_score(answer), grounding=grounded(answer, context))
