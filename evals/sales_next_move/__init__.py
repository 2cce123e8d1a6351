"""Labelled showroom sessions for the sales co-pilot (`sales_next_move`), written by hand.

The labels in sessions.json were written without looking at the detector's phrases or rules, so
the suite measures the detector instead of echoing it; README.md says how they were decided.
"""
