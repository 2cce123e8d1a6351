"""The persona that rules can honestly write without a model: from the metrics, the benchmark
comparison and topics found in the contact's notes. Each claim cites its evidence ids; its
numbers come from the metrics, so nothing is invented. What rules cannot tell (no topic in
the notes, too little data) stays empty and is marked ``not_generated`` by the caller.
"""

from __future__ import annotations

from typing import Any

from tools.crm_persona.evidence import CHANNEL_PL, comment_id
from tools.crm_persona.records import Contact
from tools.mentor.polish_format import num, pct
from tools.polish_text import fold

ON_WEEKDAY = {
    "1": "w poniedziałki",
    "2": "we wtorki",
    "3": "w środy",
    "4": "w czwartki",
    "5": "w piątki",
    "6": "w soboty",
    "7": "w niedziele",
}
# (section, stems folded without diacritics, the claim) per topic of the notes.
TOPICS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("pain_points", ("cen", "budzet", "drog", "koszt", "rabat", "znizk"), "Zwraca uwagę na koszty i budżet."),
    ("likely_objections", ("cen", "drog", "rabat", "znizk"), "Może zgłaszać zastrzeżenia co do ceny i oczekiwać rabatu."),
    ("pain_points", ("integracj", "api", "wdrozen", "migracj"), "Obawia się wdrożenia i integracji z obecnymi systemami."),
    ("likely_objections", ("bezpieczen", "rodo", "audyt", "zgodnosc"), "Będzie pytać o bezpieczeństwo danych i zgodność z RODO."),
    ("likely_objections", ("zarzad", "zatwierdz", "akceptacj", "prezes"), "Decyzja wymaga akceptacji przełożonych lub zarządu."),
    ("likely_objections", ("konkurencj", "porown"), "Porównuje oferty konkurencji."),
    ("buying_motivations", ("termin", "pilne", "pilny", "szybk"), "Zależy mu na szybkim terminie realizacji."),
    ("buying_motivations", ("oszczedn", "efektywn", "automatyz", "skalow", "wydajn"), "Szuka oszczędności i większej efektywności."),
    ("pain_points", ("brak czasu", "obciazen", "zasob"), "Ma ograniczone zasoby i mało czasu."),
)  # fmt: skip


def _topic_claims(contact: Contact, known: set[str] | None) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    newest = sorted(contact.comments, key=lambda c: c.at, reverse=True)
    for section, stems, text in TOPICS:
        ids = [
            comment_id(c)
            for c in newest
            if any(s in fold(c.text) for s in stems) and (known is None or comment_id(c) in known)
        ]
        if ids:
            found.setdefault(section, []).append({"text": text, "evidence": ids[:3]})
    return found


def _ok(item: dict[str, Any]) -> bool:
    return item.get("status") == "ok"


def _style(metrics: dict[str, Any], comparison: dict[str, Any]) -> list[dict[str, Any]]:
    claims, patterns = [], metrics["patterns"]
    if "channel" in patterns:
        channel = CHANNEL_PL.get(patterns["channel"], patterns["channel"])
        claims.append(
            {"text": f"Najczęstszy kanał kontaktu to {channel}.", "evidence": ["m-pattern_channel"]}
        )
    when = []
    if "weekday" in patterns:
        when.append(("m-pattern_weekday", f"najczęściej {ON_WEEKDAY[patterns['weekday']]}"))
    if "hour_band" in patterns:
        when.append(("m-pattern_hour", f"zwykle {patterns['hour_band']}"))
    if when:
        text = "Kontakt odbywa się " + ", ".join(w for _, w in when) + "."
        claims.append({"text": text, "evidence": [k for k, _ in when]})
    answer = metrics["response_time"]["contact"]
    if _ok(answer):
        verdict = comparison["response_hours"]["verdict"]
        pace = {"faster": "szybciej niż", "slower": "wolniej niż"}.get(verdict, "tak jak")
        text = (
            f"Na e-maile odpowiada w medianie po {num(answer['median_h'])} h, {pace} typowo w "
            f"branży ({num(comparison['response_hours']['benchmark'], 0)} h)."
        )
        claims.append({"text": text, "evidence": ["m-response_contact", "b-response_hours"]})
    email = metrics["email"]
    if email["tracked_emails"] and email["machine_only_opens"] * 2 >= email["tracked_emails"]:
        text = (
            f"{email['machine_only_opens']} z {email['tracked_emails']} śledzonych e-maili "
            "otworzył tylko automat (ochrona prywatności), więc otwarcia nie świadczą o uwadze."
        )
        claims.append({"text": text, "evidence": ["m-machine_opens", "m-email_engagement"]})
    return claims


def _motivations(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    claims = []
    clicks = metrics["email"]["click_rate"]
    if _ok(clicks) and clicks["value"] >= 0.3:
        text = f"Klika w materiały z e-maili ({pct(clicks['value'])}): interesuje go treść oferty."
        claims.append({"text": text, "evidence": ["m-click_rate"]})
    conversion = metrics["decisions"]["conversion"]
    if _ok(conversion) and conversion["value"] >= 0.5:
        text = f"Wcześniejsze szanse zwykle kończył zakupem (konwersja {pct(conversion['value'])})."
        claims.append({"text": text, "evidence": ["m-conversion"]})
    if metrics["content"]["meetings"] >= 3:
        text = f"Chętnie się spotyka ({metrics['content']['meetings']} spotkań): ceni rozmowę."
        claims.append({"text": text, "evidence": ["m-meetings"]})
    return claims


def _objections(metrics: dict[str, Any], comparison: dict[str, Any]) -> list[dict[str, Any]]:
    cycle = comparison["deal_cycle_days"]
    if cycle["verdict"] != "slower":
        return []
    text = (
        f"Decyduje wolniej niż branża (mediana {num(cycle['value'], 0)} dni wobec "
        f"{num(cycle['benchmark'], 0)}): spodziewaj się dodatkowych etapów akceptacji."
    )
    return [{"text": text, "evidence": ["m-deal_cycle", "b-deal_cycle_days"]}]


def _approach(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    claims, patterns, email = [], metrics["patterns"], metrics["email"]
    if "channel" in patterns:
        channel = CHANNEL_PL.get(patterns["channel"], patterns["channel"])
        claims.append(
            {"text": f"Zaczynaj od kanału, którego używa najczęściej: {channel}.", "evidence": ["m-pattern_channel"]}
        )  # fmt: skip
    replies = email["reply_rate"]
    if _ok(replies) and replies["value"] >= 0.3:
        text = f"E-mail działa: odpowiada na {pct(replies['value'])} wiadomości."
        claims.append({"text": text, "evidence": ["m-reply_rate"]})
    elif email["tracked_emails"] and email["machine_only_opens"] * 2 >= email["tracked_emails"]:
        text = (
            "Nie oceniaj zainteresowania po otwarciach e-maili: zadzwoń albo zaproponuj spotkanie."
        )
        claims.append({"text": text, "evidence": ["m-machine_opens"]})
    answer = metrics["response_time"]["contact"]
    if _ok(answer):
        text = f"Przypomnij się, gdy nie odpowie w ciągu około {num(answer['p75_h'], 0)} h."
        claims.append({"text": text, "evidence": ["m-response_contact"]})
    return claims


def rules_persona(
    contact: Contact,
    metrics: dict[str, Any],
    comparison: dict[str, Any],
    known: set[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The claims rules can support, per section (sections with none are left out). With
    ``known``, notes are cited only when their id is among the evidence the persona keeps."""
    sections: dict[str, list[dict[str, Any]]] = {
        "communication_style": _style(metrics, comparison),
        "buying_motivations": _motivations(metrics),
        "likely_objections": _objections(metrics, comparison),
        "recommended_approach": _approach(metrics),
        "pain_points": [],
    }
    for section, claims in _topic_claims(contact, known).items():
        sections[section] += claims
    return {name: claims[:4] for name, claims in sections.items() if claims}


def rules_name(contact: Contact) -> str:
    """A plain persona name: the contact's first name and role (nothing inferred)."""
    first = contact.name.split()[0]
    return (
        f"{first} – {contact.role}" if contact.role else f"{first} z {contact.company or 'firmy'}"
    )
