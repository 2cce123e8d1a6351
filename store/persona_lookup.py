"""Persona lookups for focus groups: which ids a tenant owns, and the profiles prompts need.

Reads only the columns asked for (never the embedding, the KPI snapshot or quality details).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import Persona

PROFILE_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "age",
    "gender",
    "education",
    "income_bracket",
    "location",
    "occupation",
    "segment_id",
    "segment_name",
    "background_story",
    "values",
    "interests",
    "big_five",
    "schwartz",
)
LOOKUP_CHUNK = 500  # ids per IN (...): a focus group's personas in one query


class PersonaLookup:
    """Look personas of a tenant up by id, for the focus-group workflow."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def persona_profiles(
        self, tenant: str, ids: list[str], *, include_deleted: bool = False
    ) -> dict[str, dict[str, Any]]:
        """Return the tenant's personas among `ids` as profiles, by id.

        A profile holds PROFILE_FIELDS plus ``persona_id`` (the same id, under the name the
        analysis' cuts read). Ids not found (another tenant's, deleted) are left out.
        """
        columns = [getattr(Persona, name) for name in PROFILE_FIELDS]
        profiles: dict[str, dict[str, Any]] = {}
        async with self._sessions() as session:
            for chunk in _chunks(ids):
                query = select(*columns).where(Persona.id.in_(chunk), Persona.tenant == tenant)
                if not include_deleted:
                    query = query.where(Persona.is_active.is_(True))
                for row in await session.execute(query):
                    profile = dict(zip(PROFILE_FIELDS, row, strict=True))
                    profiles[profile["id"]] = profile | {"persona_id": profile["id"]}
        return profiles


def _chunks(ids: list[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + LOOKUP_CHUNK] for i in range(0, len(unique), LOOKUP_CHUNK)]
