"""Look-alikes of a contact among the tenant's, each with a Polish line for the persona prompt.

Behaviour, industry and size pick the candidates over the whole pool; when an embedder is
given, the notes of the target and of the best ``NOTE_CANDIDATES`` are embedded and the
candidates re-ranked with them (embedding every contact's notes per request would cost
seconds on a CPU).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tools.crm_persona.lookalikes import profile_of, similar
from tools.crm_persona.masking import mask
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact
from tools.mentor.polish_format import num, pct

NOTE_CANDIDATES = 20
LOOKALIKE_POOL = 2000  # the tenant's most recently updated contacts compared
NOTES_CHARS = 1500
FEATURE_PL = {
    "engagement": "zaangażowanie w e-maile",
    "reply_rate": "odsetek odpowiedzi",
    "human_open_rate": "otwarcia przez człowieka",
    "click_rate": "kliknięcia",
    "machine_only_share": "otwarcia tylko automatyczne",
    "response_median_h": "czas odpowiedzi (h)",
    "frequency_per_30_days": "kontakty na 30 dni",
    "deal_cycle_days": "cykl decyzji (dni)",
    "conversion": "konwersja",
    "meeting_share": "udział spotkań",
    "call_share": "udział rozmów",
    "calls_completed": "odbyte rozmowy",
    "files_shared": "udostępnione pliki",
}
Embed = Callable[[list[str]], list[list[float]]]


def notes_of(contact: Contact) -> str:
    """The contact's newest notes, masked, as one text to embed ("" when it has none)."""
    newest = sorted(contact.comments, key=lambda c: c.at, reverse=True)
    return mask(" ".join(c.text for c in newest))[:NOTES_CHARS]


def _value(name: str, value: float | None) -> str:
    if value is None:
        return "?"
    share = name.endswith(("rate", "share", "engagement", "conversion", "completed"))
    return pct(value) if share else num(value)


def describe(neighbour: dict[str, Any], metrics: dict[str, Any]) -> str:
    """What the neighbour shares with the target and how its own deals went (Polish);
    ``metrics`` is the neighbour's ``behaviour()``."""
    alike = []
    if neighbour["same_industry"]:
        alike.append("ta sama branża")
    if neighbour["same_size_band"]:
        alike.append("podobna wielkość firmy")
    close = ", ".join(
        f"{FEATURE_PL.get(f['name'], f['name'])} {_value(f['name'], f['neighbour'])}"
        for f in neighbour["features"]
    )
    deals = metrics["decisions"]
    outcome = []
    if deals["conversion"]["status"] == "ok":
        outcome.append(f"konwersja {pct(deals['conversion']['value'])}")
    if deals["cycle_days_median"] is not None:
        outcome.append(f"cykl {num(deals['cycle_days_median'], 0)} dni")
    text = f"podobny kontakt ({', '.join(alike) or 'inna branża'}); zbliżone: {close or 'brak'}"
    return text + (f"; jego szanse: {', '.join(outcome)}" if outcome else "")


def similar_contacts(
    target: Contact, pool: Sequence[Contact], *, k: int = 5, embed: Embed | None = None
) -> list[dict[str, Any]]:
    """The ``k`` contacts of ``pool`` most like ``target`` (``lookalikes.similar``'s dicts plus
    a Polish ``text``); the target need not be in the pool."""
    by_id = {c.id: c for c in pool if c.id != target.id}
    contacts = [target, *by_id.values()]
    # Each contact's metrics once: its profile and, for a neighbour, its description use them.
    metrics = {c.id: behaviour(c) for c in contacts}
    profiles = [profile_of(c, metrics[c.id]) for c in contacts]
    wanted = max(k, NOTE_CANDIDATES) if embed else k
    found = similar(target.id, profiles, k=wanted)
    if embed is not None and found:
        chosen = [target] + [by_id[n["contact_id"]] for n in found]
        texts = [notes_of(c) for c in chosen]
        with_notes = [(c.id, t) for c, t in zip(chosen, texts, strict=True) if t]
        if with_notes and with_notes[0][0] == target.id:
            vectors = dict(
                zip([i for i, _ in with_notes], embed([t for _, t in with_notes]), strict=True)
            )
            ranked = similar(target.id, profiles, k=len(profiles), note_vectors=vectors)
            keep = {n["contact_id"] for n in found}
            found = [n for n in ranked if n["contact_id"] in keep]
    return [n | {"text": describe(n, metrics[n["contact_id"]])} for n in found[:k]]
