"""Nodes of the sales co-pilot's fast path (graphs/sales_next_move.py)."""

from nodes.sales_next_move.advise import advise
from nodes.sales_next_move.archetype import score_archetype
from nodes.sales_next_move.deep import analyse_deep, save_deep, update_memory
from nodes.sales_next_move.indicators import score_indicators
from nodes.sales_next_move.knowledge import retrieve_knowledge
from nodes.sales_next_move.moves import compose_moves
from nodes.sales_next_move.observe import read_observation
from nodes.sales_next_move.save import save_interaction
from nodes.sales_next_move.signals import detect_signals

__all__ = [
    "advise",
    "analyse_deep",
    "compose_moves",
    "detect_signals",
    "read_observation",
    "retrieve_knowledge",
    "save_deep",
    "save_interaction",
    "score_archetype",
    "score_indicators",
    "update_memory",
]
