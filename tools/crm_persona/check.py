"""Check a model's persona draft against the evidence it was given.

A claim stays when it cites at least one id from the evidence list (unknown ids are dropped
from it), states no number that its cited evidence does not, and is in Polish with the rest of
its section. What was dropped is kept with the reason, so the stored persona can say so.
E-mail addresses and phone numbers are masked in whatever stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.crm_persona.draft import SECTIONS, CrmPersonaDraft
from tools.crm_persona.masking import mask
from tools.mentor.language import polish_score
from tools.mentor.numbers import grounded


@dataclass
class Checked:
    """The claims kept per section, and the ones dropped with why."""

    sections: dict[str, list[dict[str, Any]]]
    dropped: list[dict[str, Any]] = field(default_factory=list)
    polish: bool = True


def check_draft(draft: CrmPersonaDraft, evidence: dict[str, str], *, facts: str = "") -> Checked:
    """Keep the draft's claims that rest on known evidence; ``evidence`` maps id -> text,
    ``facts`` is what else the prompt stated (the contact's fields) as a source of numbers."""
    result = Checked(sections={})
    for name in SECTIONS:
        kept = []
        for claim in getattr(draft, name):
            ids = [i for i in dict.fromkeys(claim.evidence) if i in evidence]
            if not ids:
                result.dropped.append(
                    _dropped(name, claim.text, "unknown_evidence", claim.evidence)
                )
                continue
            source = "\n".join(evidence[i] for i in ids) + "\n" + facts
            invented = grounded(claim.text, source).violations
            if invented:
                result.dropped.append(
                    _dropped(name, claim.text, "invented_number", [n.raw for n in invented])
                )
                continue
            kept.append({"text": mask(claim.text), "evidence": ids})
        result.sections[name] = kept
    # The whole draft, dropped claims too: a name in English over claims that were all
    # dropped is still not a Polish persona.
    prose = " ".join(claim.text for name in SECTIONS for claim in getattr(draft, name))
    result.polish = polish_score(f"{draft.persona_name}. {prose}").is_polish
    return result


def _dropped(section: str, text: str, reason: str, detail: list[str]) -> dict[str, Any]:
    return {
        "section": section,
        "text": mask(text)[:300],
        "reason": reason,
        "detail": [mask(d)[:120] for d in detail[:5]],
    }
