"""The mentor's nodes: prepare a turn (its results, the conversation), answer it (guarded)."""
