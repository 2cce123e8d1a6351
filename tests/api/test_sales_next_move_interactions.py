"""POST /interactions and what follows it, through the app's run manager and the registered
``sales_next_move`` graph on SQLite and PostgreSQL: the analysis of one observation, sessions
turn by turn, refusals that store nothing, the SSE variant, the run seen by the Agent Server
routes, further suggestions and feedback on them.

The graph runs without a model (``sales_model`` off) except where a test scripts the fake one,
and reads the archetype from its rules only: building the embedding profiles takes 15-50 s in
a cold process, which only the ``slow`` test pays (through the graph's own warm-up).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from langchain_core.messages import AIMessage, BaseMessage

from api.app import create_app
from runtime.registry import GraphSpec, graph_specs
from sight.settings import Settings
from tests.api.conftest import headers_for
from tests.api.live import live_server
from tests.api.personas_support import BOTH_DBS, GLOBEX, db_overrides, get, keys_with_other_tenant
from tools.models import ModelRouter, ScriptedChatModel

EDITOR = headers_for("editor")
DATA = Path(__file__).resolve().parents[2] / "tools" / "data" / "sales_next_move"
FAMILY = "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się dwa foteliki"
COMPANY = "Chce kupić auto na firmę w leasingu i pyta, ile zapłaci miesięcznie rat"
INDICATORS = {"purchase_readiness", "churn_risk", "test_drive_value"}
MOVE_KINDS = {"question", "argument", "objection_response", "action"}
# The analysis' rules_version ("signals 2026.12.1; indicators 2026.12.1; moves 2026.12.1", 56
# characters) goes into a String(32) column: PostgreSQL refuses the insert (SQLite does not
# check lengths), so every observation fails there. Drop the mark once the column is wider.
RUN_DBS = ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres])]
# For the tests whose requests are refused before any run starts.
REFUSED_DBS = pytest.mark.parametrize("settings_overrides", BOTH_DBS, indirect=True)
RUN_NODES = [
    "read_observation",
    "detect_signals",
    "score_archetype",
    "retrieve_knowledge",
    "score_indicators",
    "compose_moves",
    "save_interaction",
]


def rules_only_graphs(**swap: Any) -> dict[str, GraphSpec]:
    """The registered graphs, the co-pilot's run context without the embedding profiles (and
    with the ``swap`` fields, each made by a function of the real context's value)."""
    specs = graph_specs()
    sales = specs["sales_next_move"]

    def make_context(resources: Any, run: Any) -> Any:
        ctx = sales.make_context(resources, run)
        swapped = {name: make(getattr(ctx, name)) for name, make in swap.items()}
        return replace(ctx, profiles=None, embed_query=None, **swapped)

    return {**specs, "sales_next_move": replace(sales, make_context=make_context)}


@pytest.fixture(params=RUN_DBS)
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"sales_model": "off", "sales_slow_path": False, **db_overrides(request)}


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


@pytest.fixture
def app(request: pytest.FixtureRequest, api_settings: Settings) -> FastAPI:
    """The app on rules-only archetypes; a test may pass (indirect) another function giving
    the graphs to serve (None: the registered ones as they are)."""
    graphs = getattr(request, "param", rules_only_graphs)()
    return create_app(api_settings, graphs=graphs)


async def observe(
    client: httpx.AsyncClient, text: str = FAMILY, headers: dict[str, str] = EDITOR, **body: Any
) -> httpx.Response:
    return await client.post("/interactions", json={"text": text, **body}, headers=headers)


async def observed(client: httpx.AsyncClient, text: str = FAMILY, **body: Any) -> dict[str, Any]:
    response = await observe(client, text, **body)
    assert response.status_code == 201, response.text
    return response.json()


async def sessions_total(client: httpx.AsyncClient, headers: dict[str, str] = EDITOR) -> int:
    listed = await client.get("/sessions", headers=headers)
    return int(listed.headers["X-Pagination-Total"])


async def turns_of(client: httpx.AsyncClient, session_id: str) -> int:
    return (await get(client, f"/sessions/{session_id}")).json()["turns"]


def band_of(score: int) -> str:
    bands = json.loads((DATA / "indicators.json").read_text(encoding="utf-8"))["bands"]
    return next(name for low, high, name in bands if low <= score <= high)


def assert_analysis(analysis: dict[str, Any], text: str, turn: int) -> None:
    """The analysis keeps its contract: quoted signals, scored indicators, four traced moves."""
    assert analysis["turn"] == turn
    assert analysis["signals"], "the note names a family, winter range and child seats"
    for signal in analysis["signals"]:
        assert signal["evidence"] in text and signal["source"] in {"rules", "model", "both"}
    archetype = analysis["archetype"]
    assert len(archetype["scores"]) == 10 and archetype["primary"] in archetype["scores"]
    if turn == 1:  # no earlier primary for the hysteresis to keep
        assert archetype["primary"] == max(archetype["scores"], key=archetype["scores"].get)
    assert {m["module"] for m in analysis["modules"]} >= {"dzieci_bezpieczenstwo", "zima_zasieg"}
    assert set(analysis["indicators"]) == INDICATORS
    for indicator in analysis["indicators"].values():
        score = indicator["score"]
        assert isinstance(score, int) and 0 <= score <= 100
        assert indicator["band"] == band_of(score)
    moves = analysis["next_moves"]
    assert len(moves) == 4 and len({m["id"] for m in moves}) == 4
    for move in moves:
        assert move["kind"] in MOVE_KINDS and move["text"] and move["rationale"]
        assert move["id"] in move["provenance"]["rules"]
        for quoted in move["provenance"]["signals"]:
            assert quoted["evidence"] in text
    assert isinstance(analysis["degraded"], list)
    versions = {
        json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))["version"]
        for name in ("signals", "indicators", "moves")
    }
    assert all(version in analysis["rules_version"] for version in versions)


# --- POST /interactions ---------------------------------------------------------------------


async def test_post_when_new_session_with_alias_then_201_analysis_and_session_listed(client):
    first = await observed(client, client_alias="Pan Marek z Audi")

    assert set(first) == {"interaction_id", "session_id", "turn", "analysis"}
    assert first["turn"] == 1 and first["interaction_id"] and first["session_id"]
    assert_analysis(first["analysis"], FAMILY, turn=1)
    # An empty knowledge base is named, not hidden.
    assert "knowledge" in [d["part"] for d in first["analysis"]["degraded"]]
    [listed] = (await get(client, "/sessions")).json()
    readiness = first["analysis"]["indicators"]["purchase_readiness"]["score"]
    assert listed["id"] == first["session_id"] and listed["client_alias"] == "Pan Marek z Audi"
    assert listed["turns"] == 1 and listed["latest_readiness"] == readiness
    [made] = (await get(client, "/clients", alias="marek")).json()
    assert listed["client_id"] == made["id"]


async def test_post_when_second_observation_on_the_session_then_turn_2_remembering_turn_1(client):
    first = await observed(client)
    second = await observed(client, COMPANY, session_id=first["session_id"])

    assert second["session_id"] == first["session_id"] and second["turn"] == 2
    assert second["analysis"]["turn"] == 2 and second["interaction_id"] != first["interaction_id"]
    remembered = {(s["id"], s["turn"]) for s in second["analysis"]["session_signals"]}
    assert {(s["id"], 1) for s in first["analysis"]["signals"]} <= remembered
    session = (await get(client, f"/sessions/{first['session_id']}")).json()
    assert session["turns"] == 2 and session["client_id"] is None
    assert [(i["id"], i["turn"], i["text"]) for i in session["interactions"]] == [
        (first["interaction_id"], 1, FAMILY),
        (second["interaction_id"], 2, COMPANY),
    ]
    readiness = second["analysis"]["indicators"]["purchase_readiness"]["score"]
    assert session["latest_readiness"] == readiness


async def test_post_when_alias_given_with_session_id_then_422_naming_it(client):
    first = await observed(client)

    response = await observe(client, session_id=first["session_id"], client_alias="Pani Ola")

    assert response.status_code == 422
    assert "body.client_alias" in [d["field"] for d in response.json()["details"]]
    assert await turns_of(client, first["session_id"]) == 1
    assert (await get(client, "/clients")).json() == []


async def test_post_when_session_unknown_or_another_tenants_then_404_and_nothing_added(client):
    theirs = await observed(client, headers=GLOBEX)

    unknown = await observe(client, session_id="5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90")
    foreign = await observe(client, session_id=theirs["session_id"])

    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert await sessions_total(client) == 0
    their_session = await client.get(f"/sessions/{theirs['session_id']}", headers=GLOBEX)
    assert their_session.json()["turns"] == 1


async def test_post_when_session_concluded_then_409_nothing_stored_until_reopened(client):
    first = await observed(client)
    sid = first["session_id"]
    concluded = await client.post(
        f"/sessions/{sid}/conclude", json={"outcome": "postponed"}, headers=EDITOR
    )
    assert concluded.status_code == 200, concluded.text

    refused = await observe(client, COMPANY, session_id=sid)
    # The graph refuses it too, when the run is started through the Agent Server routes.
    direct = await client.post(
        f"/threads/{sid}/runs/wait",
        json={"assistant_id": "sales_next_move", "input": {"text": COMPANY}},
        headers=EDITOR,
    )

    assert refused.status_code == 409 and refused.json()["details"] == {"status": "closed"}
    # The Agent Server protocol: /runs/wait answers 200 with the run's error as its output.
    assert direct.json()["__error__"]["code"] == "conflict", direct.text
    assert await turns_of(client, sid) == 1
    assert (await get(client, f"/threads/{sid}/state")).json()["values"]["turn"] == 1
    reopened = await client.post(f"/sessions/{sid}/reopen", headers=EDITOR)
    assert reopened.status_code == 200
    again = await observed(client, COMPANY, session_id=sid)
    assert again["turn"] == 2 and again["analysis"]["turn"] == 2
    assert await turns_of(client, sid) == 2


@REFUSED_DBS
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "body.text"),
        ({"text": "x" * 4001}, "body.text"),
        ({"text": FAMILY, "mood": "dobry"}, "body.mood"),
        ({}, "body.text"),
        ({"text": FAMILY, "client_alias": ""}, "body.client_alias"),
        ({"text": FAMILY, "session_id": "s" * 37}, "body.session_id"),
    ],
)
async def test_post_when_body_invalid_then_422_naming_it_and_no_session(client, body, field):
    threads_before = len((await client.post("/threads/search", json={}, headers=EDITOR)).json())

    response = await client.post("/interactions", json=body, headers=EDITOR)

    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["details"]]
    assert await sessions_total(client) == 0
    threads = (await client.post("/threads/search", json={}, headers=EDITOR)).json()
    assert len(threads) == threads_before


@REFUSED_DBS
async def test_post_when_text_only_spaces_then_422_and_no_session(client):
    response = await observe(client, " \n\t ")

    assert response.status_code == 422 and response.json()["code"] == "invalid_request"
    assert await sessions_total(client) == 0


@REFUSED_DBS
async def test_post_when_text_only_spaces_then_422_names_body_text(client):
    response = await observe(client, " \n\t ")

    assert [d["field"] for d in response.json()["details"]] == ["body.text"]


@REFUSED_DBS
async def test_post_when_viewer_then_403_and_no_session(client):
    response = await observe(client, headers=headers_for("viewer"))

    assert response.status_code == 403
    assert await sessions_total(client) == 0


async def test_post_when_two_at_once_on_one_session_then_turns_differ_and_match_analyses(client):
    first = await observed(client)
    sid = first["session_id"]

    both = await asyncio.gather(
        observe(client, COMPANY, session_id=sid), observe(client, "Pyta o rabat", session_id=sid)
    )

    assert [r.status_code for r in both] == [201, 201], [r.text for r in both]
    turns = sorted(r.json()["turn"] for r in both)
    assert turns == [2, 3]
    assert all(r.json()["analysis"]["turn"] == r.json()["turn"] for r in both)
    assert await turns_of(client, sid) == 3


def save_fails_once() -> dict[str, GraphSpec]:
    """The graphs, the first interaction write failing as a dropped connection would."""
    failed: list[bool] = []

    def around(real: Any) -> Any:
        async def add(*args: Any, **kwargs: Any) -> Any:
            if not failed:
                failed.append(True)
                raise OSError("connection to the database lost")
            return await real.add(*args, **kwargs)

        return SimpleNamespace(add=add)  # all save_interaction calls

    return rules_only_graphs(interactions=around)


@pytest.mark.parametrize(
    "app",
    [save_fails_once],
    indirect=True,
)
async def test_post_when_a_turn_failed_to_save_then_the_next_is_numbered_as_stored(client):
    failed = await observe(client)
    [session] = (await get(client, "/sessions")).json()

    again = await observe(client, COMPANY, session_id=session["id"])

    assert failed.status_code == 500 and session["turns"] == 0
    assert again.status_code == 201, again.text
    assert again.json()["turn"] == 1
    assert again.json()["analysis"]["turn"] == 1


# --- the run behind it, GET /interactions/{id} ----------------------------------------------


async def test_run_when_observed_then_listed_by_agent_server_routes_for_the_tenant_only(client):
    first = await observed(client)
    sid = first["session_id"]
    second = await observed(client, COMPANY, session_id=sid)

    runs = await get(client, f"/threads/{sid}/runs")
    state = await get(client, f"/threads/{sid}/state")
    foreign = await client.get(f"/threads/{sid}/state", headers=GLOBEX)

    assert runs.status_code == 200, runs.text
    assert len(runs.json()) == 2
    for run in runs.json():
        assert run["status"] == "success" and run["assistant_id"]
        assert run["metadata"]["session_id"] == sid
        assert run["metadata"]["kind"] == "observation"
    values = state.json()["values"]
    assert values["turn"] == 2 and values["interaction_id"] == second["interaction_id"]
    assert [h["text"] for h in values["history"]] == [FAMILY, COMPANY]
    assert foreign.status_code == 404


async def test_get_interaction_when_own_then_stored_analysis_and_foreign_404(client):
    posted = await observed(client)
    path = f"/interactions/{posted['interaction_id']}"

    mine = await get(client, path)
    theirs = await client.get(path, headers=GLOBEX)
    unknown = await get(client, "/interactions/2c7d9e1f-4a5b-4c6d-8e7f-0a1b2c3d4e5f")

    assert mine.status_code == 200, mine.text
    assert mine.json() == posted
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    assert unknown.status_code == 404


# --- POST /interactions/{id}/moves and feedback ---------------------------------------------


async def test_more_moves_when_asked_until_exhausted_then_never_repeated_and_all_ratable(client):
    posted = await observed(client)
    path = f"/interactions/{posted['interaction_id']}"
    first_four = [m["id"] for m in posted["analysis"]["next_moves"]]

    shown, batches = list(first_four), []
    for _ in range(50):  # the library holds 140 moves: a bound, not an expectation
        response = await client.post(f"{path}/moves", headers=EDITOR)
        assert response.status_code == 200, response.text
        batch = response.json()
        ids = [m["id"] for m in batch["next_moves"]]
        assert len(ids) <= 4 and not set(ids) & set(shown), "a move was shown twice"
        shown += ids
        assert batch["shown"] == shown
        batches.append(batch["next_moves"])
        if not ids:
            break

    assert batches[-1] == [] and len(batches) >= 2, "the family note applies to more than 4 moves"
    for move in [m for batch in batches for m in batch]:
        assert move["kind"] in MOVE_KINDS and move["text"] and move["rationale"]
        assert move["id"] in move["provenance"]["rules"] and move["phrased"] is False
    stored = (await get(client, f"/sessions/{posted['session_id']}")).json()
    assert stored["interactions"][0]["shown_moves"] == shown
    later = batches[0][0]["id"]
    rated = await client.post(
        f"{path}/feedback", json={"suggestion_id": later, "rating": 1}, headers=EDITOR
    )
    never = await client.post(
        f"{path}/feedback",
        json={"suggestion_id": "M-nigdy-nie-pokazany", "rating": 1},
        headers=EDITOR,
    )
    assert rated.status_code == 201, rated.text
    assert rated.json()["suggestion_id"] == later
    assert never.status_code == 422 and never.json()["details"][0]["field"] == "suggestion_id"


async def test_more_moves_when_asked_twice_at_once_then_no_move_in_both_answers(client):
    posted = await observed(client)
    path = f"/interactions/{posted['interaction_id']}/moves"

    one, two = await asyncio.gather(*(client.post(path, headers=EDITOR) for _ in range(2)))

    first, second = ({m["id"] for m in r.json()["next_moves"]} for r in (one, two))
    assert first and second, "the family note applies to more moves than four"
    assert not first & second


async def test_more_moves_when_viewer_or_another_tenant_then_refused_and_nothing_shown(client):
    posted = await observed(client)
    path = f"/interactions/{posted['interaction_id']}/moves"

    as_viewer = await client.post(path, headers=headers_for("viewer"))
    as_globex = await client.post(path, headers=GLOBEX)
    unknown = await client.post("/interactions/none/moves", headers=EDITOR)

    assert as_viewer.status_code == 403
    assert as_globex.status_code == 404 and unknown.status_code == 404
    stored = (await get(client, f"/sessions/{posted['session_id']}")).json()
    assert stored["interactions"][0]["shown_moves"] == [
        m["id"] for m in posted["analysis"]["next_moves"]
    ]


# --- ?stream=true, on a real server (httpx's ASGITransport buffers responses) ----------------


@pytest.fixture
def live_url(api_settings: Settings) -> Iterator[str]:
    with live_server(create_app(api_settings, graphs=rules_only_graphs())) as url:
        yield url


def sse_events(body: str) -> list[tuple[str, Any]]:
    """(event, data) of every frame; heartbeat comments left out."""
    events = []
    for block in body.split("\r\n\r\n"):
        lines = [line for line in block.split("\r\n") if line and not line.startswith(":")]
        fields = dict(line.split(": ", 1) for line in lines)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events


async def test_post_when_streamed_then_updates_per_node_and_stored_equals_streamed(live_url):
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as http:
        async with http.stream(
            "POST",
            "/interactions",
            params={"stream": "true"},
            json={"text": FAMILY},
            headers=EDITOR,
        ) as response:
            body = (await response.aread()).decode()
        assert response.status_code == 200, body  # as SSE_RESPONSES documents a stream
        assert response.headers["content-type"].startswith("text/event-stream")
        sid = response.headers["X-Session-Id"]
        events = sse_events(body)
        updates = [data for event, data in events if event == "updates"]
        assert [node for update in updates for node in update] == RUN_NODES
        saved = updates[-1]["save_interaction"]
        assert saved["session_id"] == sid and saved["turn"] == 1
        assert "error" not in [event for event, _ in events]

        stored = await http.get(f"/interactions/{saved['interaction_id']}", headers=EDITOR)
        session = await http.get(f"/sessions/{sid}", headers=EDITOR)

    assert stored.json()["analysis"] == saved["analysis"]
    assert_analysis(saved["analysis"], FAMILY, turn=1)
    assert session.json()["turns"] == 1


# --- with the fast model --------------------------------------------------------------------

INVENTED = "zamówił już dwa auta w innym salonie"
MOVE_LINE = re.compile(r"^- (\S+) \(", re.MULTILINE)


def showroom_reader(messages: list[BaseMessage]) -> AIMessage:
    """The fast model: reads one signal the rules miss, one they found, one it invents and one
    not in the vocabulary; rephrases the first two moves it is given."""
    human = messages[-1].text
    if "Propozycje do przeredagowania" in human:
        ids = MOVE_LINE.findall(human)[:2]
        moves = [
            {"id": i, "text": f"Powiedz to po swojemu ({n}): klient ceni konkret."}
            for n, i in enumerate(ids, start=1)
        ]
        return AIMessage(content=json.dumps({"moves": moves}, ensure_ascii=False))
    signals = [
        {"id": "pyta_o_bezpieczenstwo", "quote": "czy zmieszczą się dwa foteliki"},
        {"id": "pyta_o_zasieg_zima", "quote": "pyta o zasięg zimą"},
        {"id": "chce_zamowic", "quote": INVENTED},
        {"id": "lubi_kawe", "quote": "Przyszedł z żoną"},
    ]
    return AIMessage(content=json.dumps({"signals": signals}, ensure_ascii=False))


@pytest.mark.parametrize(
    "settings_overrides",
    # A deadline far from a loaded test machine's pauses: the fake answers at once.
    [{"sales_model": "on", "sales_slow_path": False, "sales_deadline_s": 30}],
)
async def test_post_when_fast_model_answers_then_quoted_signals_kept_and_moves_phrased(client, app):
    fake = ScriptedChatModel(script=[showroom_reader, showroom_reader])
    app.state.resources._router = ModelRouter(
        app.state.resources.settings, models={"fake/scripted": fake}
    )

    posted = await observed(client)

    analysis = posted["analysis"]
    # Both model parts answered in time: only the empty knowledge base is named.
    assert len(fake.calls) == 2 and [d["part"] for d in analysis["degraded"]] == ["knowledge"]
    sources = {s["id"]: s["source"] for s in analysis["signals"]}
    assert sources["pyta_o_bezpieczenstwo"] == "model" and sources["pyta_o_zasieg_zima"] == "both"
    assert all(s["evidence"] in FAMILY for s in analysis["signals"])
    dropped = {(d["id"], d["reason"]) for d in analysis["signals_dropped"]}
    assert dropped == {("chce_zamowic", "quote_not_in_text"), ("lubi_kawe", "unknown_signal")}
    assert [m["phrased"] for m in analysis["next_moves"]] == [True, True, False, False]
    first = analysis["next_moves"][0]
    assert first["text"].startswith("Powiedz to po swojemu (1)")
    assert first["composed"] and first["composed"] != first["text"]
    assert_analysis(analysis, FAMILY, turn=1)
    # Further suggestions are composed by the rules alone: no third model call.
    more = await client.post(f"/interactions/{posted['interaction_id']}/moves", headers=EDITOR)
    assert more.status_code == 200 and len(fake.calls) == 2
    assert all(m["phrased"] is False for m in more.json()["next_moves"])


# --- the registered graph as served, embeddings included -------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("settings_overrides", [{"sales_model": "off", "sales_slow_path": False}])
@pytest.mark.parametrize("app", [pytest.param(lambda: None, id="registered")], indirect=True)
async def test_post_when_served_as_registered_then_archetype_reads_embeddings_too(client, app):
    await graph_specs()["sales_next_move"].warm_up(app.state.resources)

    posted = await observed(client)

    sources = posted["analysis"]["archetype"]["sources"]
    assert set(sources["embeddings"]) == set(posted["analysis"]["archetype"]["scores"])
    assert 0 < sources["rules_weight"] < 1
