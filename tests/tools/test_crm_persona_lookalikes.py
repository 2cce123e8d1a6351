"""Look-alike contacts: planted archetypes come back as neighbours, missing metrics are not
zeros, and each neighbour is explained by features that are actually close."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.crm_persona.lookalikes import (
    FEATURES,
    INDUSTRY_WEIGHT,
    SIZE_WEIGHT,
    Profile,
    features_of,
    profile_of,
    profiles_of,
    similar,
)
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact
from tools.crm_persona.synthetic import generate, thin_contact

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RATES = ("engagement", "reply_rate", "human_open_rate", "click_rate", "machine_only_share")


@pytest.fixture(scope="module")
def crm():
    rows = generate(200, seed=11, now=NOW)
    return {r.contact.id: r.archetype for r in rows}, profiles_of(r.contact for r in rows)


def profile(cid: str, industry: str | None = "finance", band: str | None = "1-50", **values):
    return Profile(cid, dict.fromkeys(FEATURES) | values, industry, band)


def filler() -> list[Profile]:
    """Contacts that give every feature a spread in the pool."""
    return [
        profile(f"f{i}", "retail", "200+", **{name: float(i * (j + 1)) for j, name in enumerate(FEATURES)})
        for i in range(1, 6)
    ]  # fmt: skip


def test_similar_when_archetypes_planted_then_top_five_mostly_share_the_archetype(crm):
    archetype, profiles = crm
    purity = []
    for p in profiles:
        neighbours = similar(p.contact_id, profiles, k=5)
        assert len(neighbours) == 5
        same = [archetype[n["contact_id"]] == archetype[p.contact_id] for n in neighbours]
        purity.append(sum(same) / 5)
    assert sum(purity) / len(purity) >= 0.8  # measured 0.99 at seed 11


def test_similar_is_ordered_bounded_and_excludes_the_target(crm):
    _, profiles = crm
    neighbours = similar(profiles[0].contact_id, profiles, k=7)
    assert len(neighbours) == 7
    assert profiles[0].contact_id not in {n["contact_id"] for n in neighbours}
    scores = [n["similarity"] for n in neighbours]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)


def test_features_when_contact_has_no_emails_then_email_metrics_are_missing_not_zero():
    contact = thin_contact(0, seed=1, now=NOW)
    found = features_of(behaviour(contact))
    assert all(found[name] is None for name in RATES)
    assert found["response_median_h"] is None and found["deal_cycle_days"] is None
    assert found["files_shared"] == 0.0  # a count is known even when it is zero


def test_similar_when_target_lacks_a_metric_then_candidates_are_not_judged_on_it():
    alike = {"meeting_share": 0.5, "call_share": 0.2, "frequency_per_30_days": 6.0}
    pool = [
        profile("target", **alike),
        profile("silent", **alike, **dict.fromkeys(RATES, 0.0)),
        profile("engaged", **alike, **dict.fromkeys(RATES, 1.0)),
        *filler(),
    ]
    found = {n["contact_id"]: n for n in similar("target", pool, k=10)}
    assert found["silent"]["similarity"] == found["engaged"]["similarity"]
    named = {f["name"] for n in found.values() for f in n["features"]}
    assert named.isdisjoint(RATES)


def test_similar_when_candidate_lacks_a_metric_then_zero_does_not_stand_in_for_it():
    alike = {"meeting_share": 0.5, "call_share": 0.2, "frequency_per_30_days": 6.0}
    pool = [
        profile("target", **alike, engagement=0.0),
        profile("unknown", **alike),  # no tracked e-mails: not the same as never engaging
        profile("zero", **alike, engagement=0.0),
        profile("high", **alike, engagement=1.0),
        *filler(),
    ]
    found = {n["contact_id"]: n for n in similar("target", pool, k=10)}
    assert found["unknown"]["similarity"] == found["zero"]["similarity"] == 1.0
    assert found["high"]["similarity"] < found["zero"]["similarity"]
    assert "engagement" not in {f["name"] for f in found["unknown"]["features"]}


def test_explanations_name_the_closest_shared_features_with_their_values():
    pool = [
        profile("target", meeting_share=0.5, call_share=0.2, click_rate=0.1, reply_rate=0.9),
        profile("n", meeting_share=0.5, call_share=0.21, click_rate=3.0, reply_rate=0.0),
        *filler(),
    ]
    found = next(n for n in similar("target", pool) if n["contact_id"] == "n")
    names = [f["name"] for f in found["features"]]
    assert names[:2] == ["meeting_share", "call_share"]
    assert set(names[2:]) == {"click_rate", "reply_rate"}
    assert found["features"][0] == {
        "name": "meeting_share",
        "target": 0.5,
        "neighbour": 0.5,
        "z_gap": 0.0,
    }
    gaps = [abs(f["z_gap"]) for f in found["features"]]
    assert gaps == sorted(gaps) and gaps[0] < 0.1 < gaps[-1]


def test_explanations_on_the_synthetic_crm_are_close_features(crm):
    _, profiles = crm
    for p in profiles[:40]:
        for n in similar(p.contact_id, profiles, k=5):
            assert len(n["features"]) == 4
            gaps = [abs(f["z_gap"]) for f in n["features"]]
            assert gaps == sorted(gaps)
            # the named features are the closest, so their gaps are below the overall one
            mismatch = INDUSTRY_WEIGHT * (not n["same_industry"]) + SIZE_WEIGHT * (
                not n["same_size_band"]
            )
            overall = 1 / n["similarity"] - 1 - mismatch  # root mean square of every z-gap
            assert sum(g * g for g in gaps) / 4 <= overall**2 + 0.01
            other = next(q for q in profiles if q.contact_id == n["contact_id"])
            for f in n["features"]:
                assert f["target"] == pytest.approx(p.features[f["name"]], abs=1e-4)
                assert f["neighbour"] == pytest.approx(other.features[f["name"]], abs=1e-4)


def test_similar_when_behaviour_equal_then_same_industry_and_size_rank_first():
    alike = {"meeting_share": 0.5, "call_share": 0.2, "frequency_per_30_days": 6.0}
    pool = [
        profile("target", "finance", "1-50", **alike),
        profile("both", "finance", "1-50", **alike),
        profile("industry", "finance", "200+", **alike),
        profile("unknown", None, None, **alike),
        profile("neither", "retail", "200+", **alike),
        *filler(),
    ]
    ranked = [n["contact_id"] for n in similar("target", pool, k=4)]
    assert ranked == ["both", "industry", "unknown", "neither"]
    unknown = next(n for n in similar("target", pool) if n["contact_id"] == "unknown")
    assert unknown["same_industry"] is None and unknown["same_size_band"] is None


def test_similar_when_notes_vectors_given_then_closer_notes_rank_higher():
    alike = {"meeting_share": 0.5, "call_share": 0.2, "frequency_per_30_days": 6.0}
    pool = [profile(cid, **alike) for cid in ("target", "near", "far", "none")] + filler()
    vectors = {"target": [1.0, 0.0], "near": [0.9, 0.1], "far": [0.0, 1.0]}
    found = [n for n in similar("target", pool, k=10, note_vectors=vectors) if n["contact_id"] in
             ("none", "near", "far")]  # fmt: skip
    assert [n["contact_id"] for n in found] == ["none", "near", "far"]  # none: not judged on notes
    assert found[1]["notes_similarity"] == pytest.approx(0.9 / (0.81 + 0.01) ** 0.5, abs=1e-4)
    assert found[0]["notes_similarity"] is None and found[2]["notes_similarity"] == 0.0


def test_similar_when_a_candidate_shares_too_few_features_then_it_is_left_out():
    alike = {"meeting_share": 0.5, "call_share": 0.2, "frequency_per_30_days": 6.0}
    pool = [profile("target", **alike), profile("one", meeting_share=0.5), *filler()]
    assert "one" not in {n["contact_id"] for n in similar("target", pool, k=10)}


def test_similar_when_target_has_no_features_or_is_absent():
    bare = profile_of(Contact(id="bare", name="Jan Nowak"))
    pool = [bare, *filler()]
    assert bare.features["files_shared"] == 0.0
    assert similar("bare", pool) != []  # the files count is known, however thin the history
    empty = profile("empty")
    assert similar("empty", [empty, *filler()]) == []
    with pytest.raises(KeyError):
        similar("nobody", pool)
