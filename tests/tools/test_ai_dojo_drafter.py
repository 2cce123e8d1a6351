"""Drafting a knowledge entry from a mentor's message: by rules (offline) and by a scripted model."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from prompts import ai_dojo as prompts
from sight.errors import InputValidationError, StructuredOutputError
from sight.settings import Settings
from tools.ai_dojo.drafter import (
    DraftRejectedError,
    clean_message,
    correction_text,
    draft_by_model,
    draft_by_rules,
    invented_numbers,
    title_of,
)
from tools.ai_dojo.schemas import DRAFT_KINDS, DraftEntry, IntentChoice, entry_id
from tools.knowledge.entries import KINDS, SLUG, KnowledgeEntry
from tools.models import ModelRouter, ScriptedChatModel

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
TCO = "U Pragmatycznego Analityka zacznij od TCO, nie od osiągów."

# message -> (kind, archetype, module): archetypes in several cases, each kind, each cue.
CASES = [
    (TCO, "rule", "pragmatyczny_analityk", "tco"),
    (
        "Zapamiętaj: z Łowcami Okazji zawsze rozmawiaj najpierw o dopłacie NaszEauto",
        "rule",
        "lowca_okazji",
        "doplaty",
    ),
    (
        "Naucz się, że techniczni sceptycy nie wierzą w trwałość baterii – pokaż im dane.",
        "objection",
        "techniczny_sceptyk",
        "serwis",
    ),
    (
        "Słuchaj, kiedy klient mówi, że zimą zasięg spada o połowę, odpowiedz, że o 20-30%.",
        "objection",
        None,
        "zima_zasieg",
    ),
    (
        "Chcę cię nauczyć: Strażnikowi Rodziny pokaż mocowania isofix i wyniki Euro NCAP.",
        "rule",
        "straznik_rodziny",
        "dzieci_bezpieczenstwo",
    ),
    (
        "Pamiętaj, że warto zapytać klienta, ile kilometrów przejeżdża dziennie.",
        "question",
        None,
        None,
    ),
    ("Zdobywcy Statusu kupują oczami: liczy się wygląd i marka.", "note", "zdobywca_statusu", None),
    (
        "Eko-Entuzjaści chętnie słuchają o fotowoltaice na dachu i autokonsumpcji.",
        "note",
        "eko_entuzjasta",
        "fotowoltaika_ladowanie",
    ),
    (
        "Nigdy nie mów Lojaliście Premium, że jego obecna marka jest gorsza.",
        "rule",
        "lojalista_premium",
        None,
    ),
    ("Obiekcja: ładowanie trwa za długo na trasie.", "objection", None, "siec_ladowania"),
    (
        "Niezdecydowanemu Odkrywcy daj czas i nie naciskaj na decyzję przy pierwszej wizycie.",
        "rule",
        "niezdecydowany_odkrywca",
        None,
    ),
    ("Sceptyk zwykle pyta o wymianę baterii.", "objection", "techniczny_sceptyk", "serwis"),
    (
        "Entuzjaście Osiągów zaproponuj jazdę próbną z pełnym przyspieszeniem.",
        "rule",
        "entuzjasta_osiagow",
        None,
    ),
    ("Pionierzy technologii uwielbiają aktualizacje OTA.", "note", "pionier_technologii", "serwis"),
    ("Nie pytaj o budżet na pierwszym spotkaniu.", "rule", None, None),
    (
        "Zapytaj, czy klient ma możliwość ładowania w domu lub w pracy.",
        "question",
        None,
        None,
    ),
    ("Klienci z firmą często pytają o odliczenie VAT.", "objection", None, "firma_podatki"),
]


@pytest.mark.parametrize(("message", "kind", "archetype", "module"), CASES)
def test_rules_when_message_taught_then_kind_archetype_and_module_are_read(
    message: str, kind: str, archetype: str | None, module: str | None
) -> None:
    draft = draft_by_rules(message)

    assert draft.method == "rules"
    # A rule for an archetype keeps its topic as a tag: it applies to every such client.
    moved = kind == "rule" and archetype is not None and module is not None
    assert (draft.entry.kind, draft.entry.archetype, draft.entry.module) == (
        kind,
        archetype,
        None if moved else module,
    )
    entry = draft.entry
    if moved:
        assert entry.tags[0] == module
    assert len(entry.title) <= 80 and entry.title[0].isupper()
    assert entry.title[-1] not in ".,;:!?"
    assert entry.text[0].isupper() and entry.text.endswith((".", "!", "?", "”"))
    assert all(re.fullmatch(SLUG, t) for t in entry.tags) and len(entry.tags) <= 6


def test_rules_when_lead_in_given_then_stripped_and_content_kept_verbatim() -> None:
    draft = draft_by_rules("Słuchaj, zapamiętaj: u Pragmatycznego Analityka zacznij od TCO")

    assert draft.entry.text == "U Pragmatycznego Analityka zacznij od TCO."
    assert draft.entry.title == "U Pragmatycznego Analityka zacznij od TCO"
    assert clean_message("Pamiętaj, że Łowcy Okazji liczą każdą złotówkę") == (
        "Łowcy Okazji liczą każdą złotówkę."
    )
    assert clean_message("Chcę cię nauczyć jednej rzeczy: licz koszty") == "Licz koszty."
    # "Pamiętaj o" is the advice itself, and a preamble naming someone is content.
    assert clean_message("Pamiętaj o fotelikach") == "Pamiętaj o fotelikach."
    kept = draft_by_rules("Ważne dla Łowców Okazji: pokaż rabaty")
    assert kept.entry.text == "Ważne dla Łowców Okazji: pokaż rabaty."
    assert kept.entry.archetype == "lowca_okazji"


def test_rules_when_first_clause_given_then_title_is_it_without_punctuation() -> None:
    assert draft_by_rules(TCO).entry.title == "U Pragmatycznego Analityka zacznij od TCO"
    assert draft_by_rules(TCO).entry.text == TCO


def test_rules_when_first_clause_very_short_then_title_takes_the_next_clause() -> None:
    title = title_of("Gdy klient mówi, że ładowanie trwa za długo, pokaż mu mapę stacji.")

    assert title == "Gdy klient mówi, że ładowanie trwa za długo"


def test_rules_when_sentence_long_then_title_cut_at_a_word_not_on_a_preposition() -> None:
    message = (
        "Przy pierwszej rozmowie z klientem, który przyjeżdża do salonu z całą rodziną "
        "i dwójką małych dzieci w wózkach oraz z psem, zacznij od bezpieczeństwa."
    )
    title = draft_by_rules(message).entry.title

    assert len(title) <= 80
    assert message.startswith(title.rstrip("”"))
    assert title.split()[-1].lower() not in {"z", "i", "w", "oraz", "od", "do"}


def test_rules_when_archetype_named_then_its_words_are_not_tags() -> None:
    tags = draft_by_rules(TCO).entry.tags

    assert "tco" in tags
    assert not {"pragmatyczny", "analityk", "analityka", "zaczac", "od", "nie"} & set(tags)


def test_rules_when_two_archetypes_named_then_none_chosen_and_noted() -> None:
    draft = draft_by_rules("Łowca Okazji i Lojalista Premium inaczej reagują na rabat.")

    assert draft.entry.archetype is None
    assert any("Łowca Okazji" in n and "Lojalista Premium" in n for n in draft.notes)


def test_rules_when_nothing_recognised_then_notes_say_what_is_missing() -> None:
    draft = draft_by_rules("W salonie w Poznaniu jazdy próbne umawia się na weekend.")

    assert draft.entry.kind == "note"
    assert (draft.entry.archetype, draft.entry.module) == (None, None)
    assert len(draft.notes) == 3  # no archetype, no module, kind defaulted to note


def test_rules_when_message_only_a_lead_in_then_input_error() -> None:
    with pytest.raises(InputValidationError):
        draft_by_rules("Zapamiętaj:   ")


def test_rules_when_message_too_long_then_text_cut_at_a_sentence_and_noted() -> None:
    sentence = "U Pragmatycznego Analityka zacznij od kosztów eksploatacji i serwisu. "
    draft = draft_by_rules(sentence * 30)

    assert len(draft.entry.text) <= 1200 and draft.entry.text.endswith(".")
    assert any("1200" in n for n in draft.notes)


def test_rules_draft_when_stored_with_id_then_is_a_valid_knowledge_entry() -> None:
    draft = draft_by_rules(CASES[1][0]).entry
    entry = KnowledgeEntry(id=entry_id(draft, "acme", NOW), **draft.model_dump())

    assert entry.archetype == "lowca_okazji"


# --- schemas -----------------------------------------------------------------------------


def test_entry_id_when_title_polish_then_ascii_slug_stable_and_tenant_specific() -> None:
    draft = DraftEntry(kind="rule", title="Łowca Okazji: żółć, źdźbło, ćma", text="Treść.")
    first = entry_id(draft, "acme", NOW)

    assert re.fullmatch(r"dojo\.rule\.lowca_okazji_zolc_zdzblo_cma\.[0-9a-f]{6}", first)
    assert entry_id(draft, "acme", NOW) == first
    assert entry_id(draft, "other", NOW) != first


def test_entry_id_when_title_long_then_within_120_chars_and_a_valid_slug() -> None:
    draft = DraftEntry(kind="objection", title="Bardzo długi tytuł " * 6, text="Treść.")
    found = entry_id(draft, None, NOW)

    assert len(found) <= 120 and re.fullmatch(SLUG, found)
    assert not found.split(".")[2].endswith("_")


def test_draft_entry_when_names_given_then_normalised_to_slugs() -> None:
    draft = DraftEntry(
        kind="rule",
        title="T",
        text="X.",
        archetype="Łowca Okazji",
        module="TCO",
        tags=["Zasięg zimą", "zasieg_zima", "TCO"],
    )

    assert (draft.archetype, draft.module) == ("lowca_okazji", "tco")
    assert draft.tags == ["zasieg_zima", "tco"]
    assert DraftEntry(kind="note", title="T", text="X.", archetype="null").archetype is None


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "segment"},
        {"archetype": "klient_z_ulicy"},
        {"module": "pogoda"},
        {"tags": [f"t{i}" for i in range(9)]},
        {"title": "x" * 121},
        {"text": "x" * 1201},
    ],
)
def test_draft_entry_when_field_invalid_then_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DraftEntry.model_validate({"kind": "rule", "title": "T", "text": "X."} | bad)


def test_draft_kinds_are_knowledge_kinds_without_segment() -> None:
    assert set(DRAFT_KINDS) == set(KINDS) - {"segment"}


def test_intent_choice_when_unknown_intent_then_rejected() -> None:
    assert IntentChoice(intent="review_sessions").reason == ""
    with pytest.raises(ValidationError):
        IntentChoice(intent="chat")


# --- corrections and numbers ---------------------------------------------------------------


def test_correction_text_when_appended_then_dated_and_cleaned() -> None:
    text = correction_text(
        "Zimą zasięg spada o połowę.",
        "To nieprawda — raczej o 20-30%, popraw to.",
        "2026-12-07T09:30:00+00:00",
    )

    assert text == (
        "Zimą zasięg spada o połowę.\n\nKorekta mentora (2026-12-07): To nieprawda — raczej o 20-30%."
    )


def test_correction_text_when_too_long_then_existing_text_gives_way_within_4000() -> None:
    existing = "Zdanie o zasięgu zimą w mroźne dni. " * 120  # ~4300 chars
    text = correction_text(existing, "Raczej o 20-30%.", "2026-12-07")

    assert len(text) <= 4000
    assert text.endswith("Korekta mentora (2026-12-07): Raczej o 20-30%.")
    assert "[…]" in text


def test_invented_numbers_when_written_differently_then_same_value_is_not_invented() -> None:
    source = "Dopłata to 18750 zł, a zasięg spada o 2,5 procent lub 20-30%."

    assert invented_numbers("Dopłata 18 750 zł, spadek 2.5% albo 20–30%.", source) == []
    assert invented_numbers("Spadek o 40% przy 15 stopniach.", source) == ["40", "15"]


# --- the model path ----------------------------------------------------------------------


def _models(settings: Settings, *script: object) -> tuple[object, ScriptedChatModel]:
    fake = ScriptedChatModel(model_name="fake/scripted", script=list(script))
    router = ModelRouter(settings, models={"fake/scripted": fake})
    return router.for_run("run-dojo"), fake


def _answer(**fields: object) -> str:
    base = {
        "kind": "rule",
        "title": "U Pragmatycznego Analityka zacznij od TCO",
        "text": "U Pragmatycznego Analityka rozmowę zacznij od TCO, a nie od osiągów.",
        "archetype": "pragmatyczny_analityk",
        "module": "tco",
        "tags": ["tco", "osiagi"],
    }
    return json.dumps(base | fields, ensure_ascii=False)


async def test_model_when_answer_valid_then_model_draft_and_prompt_lists_the_choices(
    settings: Settings,
) -> None:
    models, fake = _models(settings, _answer())

    draft = await draft_by_model(models, TCO, context="Rozmawiamy o klientach flotowych.")

    assert draft.method == "model" and draft.notes == ()
    assert draft.entry.archetype == "pragmatyczny_analityk" and draft.entry.module is None
    assert "tco" in draft.entry.tags  # an archetype's rule: its topic is a tag
    system, user = fake.calls[0][0].text, fake.calls[0][1].text
    assert "pragmatyczny_analityk: Pragmatyczny Analityk" in system and "- tco:" in system
    assert TCO in user and "Rozmawiamy o klientach flotowych." in user


async def test_model_when_it_invents_a_number_then_draft_refused(settings: Settings) -> None:
    invented = "U Pragmatycznego Analityka zacznij od TCO: po 5 latach oszczędza 30 000 zł."
    models, _ = _models(settings, _answer(text=invented))

    with pytest.raises(DraftRejectedError) as caught:
        await draft_by_model(models, TCO)

    assert caught.value.code == "draft_rejected"
    assert caught.value.details["numbers"] == ["5", "30 000"]


async def test_model_when_number_kept_verbatim_then_draft_accepted(settings: Settings) -> None:
    message = "Zimą zasięg spada raczej o 20-30%, nie o połowę."
    text = "Zimą zasięg auta elektrycznego spada zwykle o 20-30%, a nie o połowę."
    models, _ = _models(settings, _answer(kind="note", text=text, archetype=None, module=None))

    assert (await draft_by_model(models, message)).entry.text == text


async def test_model_when_output_malformed_twice_then_structured_output_error(
    settings: Settings,
) -> None:
    models, fake = _models(settings, "To jest dobra rada!", _answer(kind="segment"))

    with pytest.raises(StructuredOutputError):
        await draft_by_model(models, TCO)

    assert len(fake.calls) == 2  # the answer and its one repair round


# --- prompts -----------------------------------------------------------------------------


def test_prompts_when_filled_with_their_named_fields_then_no_placeholder_left() -> None:
    filled = [
        prompts.DRAFT_SYSTEM.format(kinds="k", archetypes="a", modules="m"),
        prompts.DRAFT_USER.format(context="", message="m"),
        prompts.ROUTER_USER.format(context=prompts.ROUTER_CONTEXT.format(context="c"), message="m"),
        prompts.CORRECT_USER.format(title="t", text="x", message="m"),
        prompts.REPLY_STORED.format(title="t", id="dojo.rule.t.abcdef", version=2),
        prompts.REPLY_REJECTED.format(title="t"),
        prompts.REPLY_DUPLICATE_CONFIRMED.format(title="t", id="i", version=1),
        prompts.REPLY_ASK_NONE.format(topic="ładowanie"),
        prompts.REPLY_NOT_STORED_EDIT_INVALID.format(problems="p"),
        prompts.ROUTER_SYSTEM,
        prompts.CORRECT_SYSTEM,
        prompts.REPLY_OTHER,
    ]

    assert not [p for p in filled if re.search(r"\{\w+\}", p)]
    assert all(
        f"- {i}:" in prompts.ROUTER_SYSTEM
        for i in ("teach", "correct", "ask", "review_feedback", "review_sessions", "other")
    )
    assert prompts.REPLY_OTHER.count("„") == 3
