"""A CRM contact and its history in the import's JSON form (issue 17), validated record by record.

``{"contacts": [{"id", "name", "role", "company", "company_size", "industry", "email", "phone",
"activities": [{"type", "at", "direction", "duration_min", "outcome"}], "emails": [{"id",
"sent_at", "direction", "opens": [{"at", "machine"}], "clicks": [{"at", "url"}],
"replied_at"}], "deals": [{"id", "stage", "amount", "created_at", "closed_at", "won"}],
"comments": [{"at", "text"}], "files": [{"name", "type", "shared_at"}]}]}``. Times without a
zone are UTC. Unknown fields are refused (a typo would otherwise vanish silently).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


def _utc(value: datetime) -> datetime:
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 falls before year 1 in UTC
        raise ValueError("this time is outside the calendar in UTC; check the year") from None


def _not_a_number(value: Any) -> Any:
    # pydantic reads a number ("2026", 1733500000) as seconds since 1970: a year typed into a
    # time field would silently become January 1970.
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        or (isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit())
    ):
        raise ValueError("a date and time is needed, like 2026-03-05T14:30:00Z (not a number)")
    return value


When = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_utc)]
Direction = Literal["inbound", "outbound"]
MAX_EMPLOYEES = 10_000_000  # the largest employers have ~2.3 million; fits a 32-bit column


class _Record(BaseModel):
    # No Infinity/NaN: the database would keep inf and the API show it as null.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Activity(_Record):
    type: Literal["call", "meeting", "task", "note"]
    at: When
    direction: Direction | None = None
    duration_min: float | None = Field(default=None, ge=0, le=24 * 60)
    outcome: str | None = Field(default=None, max_length=200)


class Open(_Record):
    at: When
    machine: bool | None = None  # a privacy proxy or scanner opened it (Apple MPP since 2021)
    user_agent: str | None = Field(default=None, max_length=500)


class Click(_Record):
    at: When
    url: str | None = Field(default=None, max_length=2000)


class Email(_Record):
    id: str = Field(min_length=1, max_length=100)
    sent_at: When
    direction: Direction  # outbound: to the contact; inbound: from the contact
    # None: the e-mail was not tracked; a list (even empty): it was.
    opens: list[Open] | None = None
    clicks: list[Click] | None = None
    replied_at: When | None = None

    @property
    def tracked(self) -> bool:
        return self.opens is not None or self.clicks is not None or self.replied_at is not None


class Deal(_Record):
    id: str = Field(min_length=1, max_length=100)
    stage: str = Field(min_length=1, max_length=100)
    amount: float | None = Field(default=None, ge=0)
    created_at: When
    closed_at: When | None = None
    won: bool | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


class Comment(_Record):
    at: When
    text: str = Field(min_length=1, max_length=5000)


class SharedFile(_Record):
    name: str = Field(min_length=1, max_length=300)
    type: str | None = Field(default=None, max_length=100)
    shared_at: When


class Contact(_Record):
    # A '/', '?' or '#' would make the contact unreachable at /crm/contacts/{id}.
    id: str = Field(min_length=1, max_length=100, pattern=r"^[^/?#]+$")
    name: str = Field(min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    company_size: int | None = Field(default=None, ge=1, le=MAX_EMPLOYEES, description="employees")
    industry: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=50)
    activities: list[Activity] = Field(default_factory=list)
    emails: list[Email] = Field(default_factory=list)
    deals: list[Deal] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    files: list[SharedFile] = Field(default_factory=list)

    @property
    def interactions(self) -> int:
        """Activities, e-mails and comments (the issue's definition)."""
        return len(self.activities) + len(self.emails) + len(self.comments)


STORE_ONLY = ("source", "created_at", "updated_at")


def from_stored(stored: dict[str, Any]) -> Contact:
    """A contact as the store returns it, back as the import's record (the store's bookkeeping
    fields dropped)."""
    return Contact.model_validate({k: v for k, v in stored.items() if k not in STORE_ONLY})
