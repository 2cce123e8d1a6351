"""The Dojo's ExpeL-style counters: op weights, dropping at 0, and the capped list."""

from __future__ import annotations

import pytest

from sight.errors import InputValidationError
from tools.ai_dojo.counters import DEFAULT_CAP, OPS, apply_op, capped, is_dropped


def test_ops_when_read_then_expel_weights_and_cap_30():
    assert OPS == {"add": 2, "agree": 1, "edit": 1, "remove": -1}
    assert DEFAULT_CAP == 30


def test_apply_op_when_each_op_then_count_moves_by_its_weight():
    assert apply_op(0, "add") == 2
    assert apply_op(2, "agree") == 3
    assert apply_op(3, "edit") == 4
    assert apply_op(1, "remove") == 0 and is_dropped(0)
    assert apply_op(0, "remove") == -1 and is_dropped(-1)
    assert not is_dropped(1)


def test_apply_op_when_op_unknown_then_input_error_naming_op():
    with pytest.raises(InputValidationError) as refused:
        apply_op(2, "upvote")

    assert refused.value.problems[0]["field"] == "op"


def test_capped_when_over_cap_then_highest_counts_kept_and_older_wins_ties():
    oldest_first = [("a", 2), ("b", 5), ("c", 2), ("d", 3), ("e", 2)]

    kept, dropped = capped(oldest_first, 3)

    assert kept == [("b", 5), ("d", 3), ("a", 2)]
    assert dropped == [("c", 2), ("e", 2)]


def test_capped_when_counts_spent_then_dropped_even_under_cap():
    kept, dropped = capped([("a", 0), ("b", 1), ("c", -1)], 10)

    assert kept == [("b", 1)]
    assert dropped == [("a", 0), ("c", -1)]


def test_capped_when_cap_zero_or_default_then_bounds_hold():
    many = [(f"r{i}", 1 + i % 4) for i in range(40)]

    kept, dropped = capped(many)
    none_kept, all_dropped = capped(many[:3], 0)

    assert len(kept) == DEFAULT_CAP and len(dropped) == 10
    assert min(c for _, c in kept) >= max(c for _, c in dropped)
    assert none_kept == [] and all_dropped == [("r2", 3), ("r1", 2), ("r0", 1)]
    with pytest.raises(ValueError, match="cap"):
        capped(many, -1)
