"""The Dojo's meta-rule counters (ExpeL-style), for the Dojo's nodes and tools.

Each op of the Dojo on a meta-rule moves its importance count: ``add`` +2 (a new rule),
``agree`` +1, ``edit`` +1 (the rule is reworded and kept), ``remove`` -1. A rule at 0 or below
is dropped; so is one that falls off the tenant's list, capped at ``DEFAULT_CAP`` rules ordered
by count (older first among equal counts). New rules wait in ``pending_review`` until the
co-pilot eval shows they do not make it worse.

The functions live in ``store.dojo_rules`` (the repository applies them in the transaction that
stores a count, and the store imports nothing above it); this module is where the layers above
import them from.
"""

from __future__ import annotations

from store.dojo_rules import DEFAULT_CAP, LIVE, OPS, STATUSES, apply_op, capped, is_dropped

__all__ = ["DEFAULT_CAP", "LIVE", "OPS", "STATUSES", "apply_op", "capped", "is_dropped"]
