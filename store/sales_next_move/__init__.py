"""Storage of the sales co-pilot (workflow ``sales_next_move``): clients, sessions, their
interactions (one per turn) and users' feedback on suggested moves.

Every read and write takes the tenant: another tenant's row is never found.
"""

from store.sales_next_move.clients import ClientRecord, ClientRepository
from store.sales_next_move.feedback import FeedbackRecord, FeedbackRepository
from store.sales_next_move.interactions import InteractionRecord, InteractionRepository
from store.sales_next_move.sessions import SessionRecord, SessionRepository, SessionSummary

__all__ = [
    "ClientRecord",
    "ClientRepository",
    "FeedbackRecord",
    "FeedbackRepository",
    "InteractionRecord",
    "InteractionRepository",
    "SessionRecord",
    "SessionRepository",
    "SessionSummary",
]
