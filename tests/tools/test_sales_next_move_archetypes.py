"""Archetypes: rule scores, the blend of rules and embeddings, hysteresis, profiles."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tools.sales_next_move.archetypes import (
    ARCHETYPES,
    LARGE_MARGIN,
    MARGIN,
    PROFILE_FACETS,
    RULES_HALF_AT,
    TURN_DECAY,
    ArchetypeProfiles,
    ArchetypeState,
    blend,
    decide,
    rule_scores,
)

FAMILY, SPEED, BARGAIN = "straznik_rodziny", "entuzjasta_osiagow", "lowca_okazji"


def _scores(**values: float) -> dict[str, float]:
    """A score for every archetype: the ones given, zero for the rest."""
    return {slug: values.get(slug, 0.0) for slug in ARCHETYPES}


def _feed(state: ArchetypeState, target: dict[str, float]):
    """Decide on the blend that makes the smoothed scores equal ``target`` exactly, so a test
    sets the leads it means while the state still goes through ``decide`` turn by turn."""
    if not state.smoothed:
        return decide(target, state)
    # smoothed = (prev + blended) / 2  <=>  blended = 2 * target - prev
    blended = {s: 2 * target[s] - state.smoothed.get(s, 0.0) for s in ARCHETYPES}
    return decide(blended, state)


# --- rule scores -------------------------------------------------------------------------


def test_rule_scores_when_signals_of_older_turns_then_they_weigh_less_by_the_decay():
    weights = {"a": {FAMILY: 1.0}, "b": {SPEED: 1.0}}
    signals = [{"id": "a", "turn": 1}, {"id": "b", "turn": 3}]

    scores = rule_scores(signals, weights, turn=3)

    # Same rule weight, two turns apart: the older one counts TURN_DECAY ** 2 of the newer.
    assert scores[FAMILY] < scores[SPEED]
    assert scores[FAMILY] / scores[SPEED] == pytest.approx(TURN_DECAY**2)
    assert sum(scores.values()) == pytest.approx(1.0)


def test_rule_scores_when_same_turn_then_no_decay():
    weights = {"a": {FAMILY: 1.0}, "b": {SPEED: 1.0}}
    scores = rule_scores([{"id": "a", "turn": 2}, {"id": "b", "turn": 2}], weights, turn=2)
    assert scores[FAMILY] == pytest.approx(scores[SPEED]) == pytest.approx(0.5)


def test_rule_scores_when_unknown_slugs_or_signals_then_ignored():
    weights = {"a": {"nie_ma_takiego": 5.0, FAMILY: 1.0}}
    signals = [{"id": "a", "turn": 1}, {"id": "nieznany_sygnal", "turn": 1}]

    scores = rule_scores(signals, weights, turn=1)

    assert set(scores) == set(ARCHETYPES)
    # The unknown slug's 5.0 must not dilute the known one: it gets all the weight.
    assert scores[FAMILY] == pytest.approx(1.0)
    assert sum(v for s, v in scores.items() if s != FAMILY) == 0.0


@pytest.mark.parametrize(
    "signals",
    [[], [{"id": "bez_wag", "turn": 1}], [{"id": "nieznany", "turn": 1}]],
    ids=["no_signals", "signal_without_weights", "unknown_signal"],
)
def test_rule_scores_when_no_evidence_then_all_zero(signals):
    scores = rule_scores(signals, {"bez_wag": {}}, turn=1)
    assert scores == dict.fromkeys(ARCHETYPES, 0.0)


def test_rule_scores_when_signal_repeated_in_a_turn_then_counts_once():
    weights = {"a": {FAMILY: 1.0}, "b": {SPEED: 1.0}}
    once = rule_scores([{"id": "a", "turn": 1}, {"id": "b", "turn": 1}], weights, turn=1)
    twice = rule_scores(
        [{"id": "a", "turn": 1}, {"id": "a", "turn": 1}, {"id": "b", "turn": 1}], weights, turn=1
    )
    assert twice == once


# --- blend -------------------------------------------------------------------------------


def test_blend_when_no_signals_then_embeddings_only():
    embeddings = _scores(**{FAMILY: 0.7, SPEED: 0.3})
    assert blend(_scores(), embeddings, 0) == pytest.approx(embeddings)


def test_blend_when_more_signals_then_rules_weigh_more():
    rules, embeddings = _scores(**{SPEED: 1.0}), _scores(**{FAMILY: 1.0})

    shares = [blend(rules, embeddings, n)[SPEED] for n in (1, 2, 4, 8)]

    assert shares == sorted(shares) and shares[0] < shares[-1]
    # RULES_HALF_AT signals give both sources the same say.
    half = blend(rules, embeddings, int(RULES_HALF_AT))
    assert half[SPEED] == pytest.approx(half[FAMILY]) == pytest.approx(0.5)
    assert all(sum(blend(rules, embeddings, n).values()) == pytest.approx(1.0) for n in (1, 5))


def test_blend_when_no_embeddings_then_rules_or_uniform_without_evidence():
    rules = _scores(**{FAMILY: 0.25, SPEED: 0.75})
    assert blend(rules, None, 3) == pytest.approx(rules)
    uniform = blend(_scores(), None, 0)
    assert uniform == pytest.approx(dict.fromkeys(ARCHETYPES, 1 / len(ARCHETYPES)))


# --- decide: hysteresis ------------------------------------------------------------------


def test_decide_when_first_turn_then_leader_becomes_primary():
    decision = decide(_scores(**{FAMILY: 0.6, SPEED: 0.4}), ArchetypeState())

    assert decision.primary == FAMILY
    assert decision.changed is True and decision.previous is None
    assert decision.state.primary == FAMILY and decision.state.smoothed[FAMILY] == 0.6


def test_decide_when_challenger_leads_by_less_than_margin_then_never_switches():
    state = decide(_scores(**{FAMILY: 0.5, SPEED: 0.5 - MARGIN}), ArchetypeState()).state
    close = _scores(**{FAMILY: 0.30, SPEED: 0.30 + MARGIN * 0.75})

    for _ in range(5):
        decision = _feed(state, close)
        assert decision.primary == FAMILY and decision.changed is False
        state = decision.state

    assert state.streak == 0


def test_decide_when_challenger_leads_by_margin_then_switches_on_second_turn_only():
    state = decide(_scores(**{FAMILY: 0.5}), ArchetypeState()).state
    ahead = _scores(**{FAMILY: 0.30, SPEED: 0.30 + MARGIN * 1.5})
    assert MARGIN * 1.5 < LARGE_MARGIN

    first = _feed(state, ahead)
    second = _feed(first.state, ahead)

    assert first.primary == FAMILY and first.changed is False
    assert (first.state.challenger, first.state.streak) == (SPEED, 1)
    assert second.primary == SPEED and second.changed is True and second.previous == FAMILY
    assert second.why  # the panel can say why it switched
    assert (second.state.challenger, second.state.streak) == (None, 0)


def test_decide_when_another_challenger_leads_then_the_streak_restarts():
    state = decide(_scores(**{FAMILY: 0.5}), ArchetypeState()).state
    lead = MARGIN * 1.5

    speed = _feed(state, _scores(**{FAMILY: 0.30, SPEED: 0.30 + lead, BARGAIN: 0.2}))
    bargain = _feed(speed.state, _scores(**{FAMILY: 0.30, SPEED: 0.2, BARGAIN: 0.30 + lead}))
    speed_again = _feed(bargain.state, _scores(**{FAMILY: 0.30, SPEED: 0.30 + lead}))

    assert [d.primary for d in (speed, bargain, speed_again)] == [FAMILY] * 3
    assert (bargain.state.challenger, bargain.state.streak) == (BARGAIN, 1)
    assert (speed_again.state.challenger, speed_again.state.streak) == (SPEED, 1)
    # One more turn of the same lead: now it leads for the second turn in a row.
    assert _feed(speed_again.state, _scores(**{FAMILY: 0.30, SPEED: 0.30 + lead})).primary == SPEED


def test_decide_when_primary_leads_again_then_a_pending_challenger_is_forgotten():
    state = decide(_scores(**{FAMILY: 0.5}), ArchetypeState()).state
    ahead = _scores(**{FAMILY: 0.30, SPEED: 0.30 + MARGIN * 1.5})

    pending = _feed(state, ahead)
    back = _feed(pending.state, _scores(**{FAMILY: 0.5, SPEED: 0.3}))
    again = _feed(back.state, ahead)

    assert back.state.streak == 0 and again.primary == FAMILY and again.state.streak == 1


def test_decide_when_lead_is_large_then_switches_at_once():
    state = decide(_scores(**{FAMILY: 0.5}), ArchetypeState()).state

    decision = _feed(state, _scores(**{FAMILY: 0.2, SPEED: 0.2 + LARGE_MARGIN + 0.05}))

    assert decision.primary == SPEED and decision.changed is True
    assert decision.previous == FAMILY and decision.state.primary == SPEED


def test_decide_smooths_a_one_turn_jump_halfway():
    state = decide(_scores(**{FAMILY: 1.0}), ArchetypeState()).state

    decision = decide(_scores(**{SPEED: 1.0}), state)

    # Half of the old scores are kept: both end at 0.5, a tie the primary keeps.
    assert decision.scores[FAMILY] == pytest.approx(0.5)
    assert decision.scores[SPEED] == pytest.approx(0.5)
    assert decision.primary == FAMILY and decision.changed is False


def test_archetype_state_round_trips_through_a_dict_and_json():
    state = ArchetypeState(FAMILY, {FAMILY: 0.4, SPEED: 0.35}, SPEED, 1)

    again = ArchetypeState.from_dict(json.loads(json.dumps(state.as_dict())))

    assert again == state
    assert ArchetypeState.from_dict(None) == ArchetypeState()
    assert ArchetypeState.from_dict({}) == ArchetypeState()
    assert ArchetypeState().as_dict() == {
        "primary": None,
        "smoothed": {},
        "challenger": None,
        "streak": 0,
    }
    # An empty smoothed dict means "nothing to smooth with", as for a new session.
    assert ArchetypeState.from_dict(ArchetypeState().as_dict()).smoothed is None


# --- profiles ----------------------------------------------------------------------------


def _axis(i: int, dim: int = len(ARCHETYPES)) -> list[float]:
    return [1.0 if j == i else 0.0 for j in range(dim)]


def test_profiles_scores_sum_to_one_and_rank_the_closest_first():
    profiles = ArchetypeProfiles({slug: _axis(i) for i, slug in enumerate(ARCHETYPES)})
    near_speed = [0.2] * len(ARCHETYPES)
    near_speed[ARCHETYPES.index(SPEED)] = 1.0
    near_speed[ARCHETYPES.index(FAMILY)] = 0.8

    scores = profiles.scores(near_speed)

    assert set(scores) == set(ARCHETYPES)
    assert sum(scores.values()) == pytest.approx(1.0)
    ranked = sorted(scores, key=scores.get, reverse=True)
    assert ranked[:2] == [SPEED, FAMILY]
    # The query's scale must not matter (cosine similarity).
    assert profiles.scores([10 * x for x in near_speed]) == pytest.approx(scores)


def test_profiles_when_some_archetypes_missing_then_they_score_zero():
    profiles = ArchetypeProfiles({FAMILY: [1.0, 0.0], SPEED: [0.0, 1.0]})

    scores = profiles.scores([0.1, 1.0])

    assert scores[SPEED] > scores[FAMILY] > 0
    assert sum(scores.values()) == pytest.approx(1.0)
    assert all(scores[s] == 0.0 for s in ARCHETYPES if s not in (FAMILY, SPEED))


class _KeywordEmbedder:
    """Embeds a passage on two axes: does it mention children, does it mention speed."""

    def __init__(self) -> None:
        self.documents: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents.extend(texts)
        return [[float("dzieci" in t), float("szybko" in t), 0.1] for t in texts]


def _entry(slug: str, facet: str, text: str, kind: str = "archetype"):
    return SimpleNamespace(
        id=f"archetype.{slug}.{facet}", kind=kind, archetype=slug, title=facet, text=text
    )


def test_profiles_from_entries_embed_only_the_describing_facets():
    entries = [
        *(_entry(FAMILY, facet, "Myśli o dzieci") for facet in PROFILE_FACETS),
        *(_entry(SPEED, facet, "Lubi jechać szybko") for facet in PROFILE_FACETS),
        # What to do with a client says nothing about who they are: left out.
        _entry(FAMILY, "strategie", "Pokaż jak szybko się ładuje"),
        _entry(FAMILY, "opis", "Inny rodzaj wpisu", kind="module"),
    ]
    embedder = _KeywordEmbedder()

    profiles = ArchetypeProfiles.from_entries(entries, embedder)

    assert len(embedder.documents) == 2 * len(PROFILE_FACETS)
    assert profiles.slugs == (FAMILY, SPEED)
    assert max(profiles.scores([1.0, 0.0, 0.1]).items(), key=lambda kv: kv[1])[0] == FAMILY
    assert max(profiles.scores([0.0, 1.0, 0.1]).items(), key=lambda kv: kv[1])[0] == SPEED
