"""Labelled Polish mentor messages and duplicate pairs for the AI Dojo (`ai_dojo`).

``intents.json`` holds test messages the router never saw (its fitting examples live in
``tools/data/ai_dojo/intent_examples.json``); ``duplicate_pairs.json`` holds pairs split into a
``fit`` half (thresholds fitted by ``fit.py``) and a ``test`` half (gated by ``suite.py``).
"""
