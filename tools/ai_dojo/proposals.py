"""What the Dojo asks the mentor to confirm, in the human-in-the-loop format of LangChain's
HumanInTheLoopMiddleware (and langgraph.prebuilt's HumanInterrupt beside it, the form
agent-chat-ui 0.1.6 renders with Accept/Edit/Ignore), and the mentor's decision.

The interrupt's value is ``{"action_requests": [{"name", "args", "description"}],
"review_configs": [{"action_name", "allowed_decisions"}]}``; the run resumes with
``{"decisions": [{"type": "approve"} | {"type": "edit", "edited_action": {"name", "args"}} |
{"type": "reject", "message": "..."}]}``. Args are flat entry fields so a UI can edit each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from sight.errors import InputValidationError
from tools.knowledge.entries import KnowledgeEntry

# add_knowledge: a new entry of the mentor's tenant; update_knowledge: a new version of one of
# the tenant's entries; confirm_knowledge: an entry that already says this (approve confirms it
# unchanged, edit stores the edited text as its new version); add_rule: a pattern the Dojo
# found, as a meta-rule.
ACTIONS = ("add_knowledge", "update_knowledge", "confirm_knowledge", "add_rule")
DECISIONS = ["approve", "edit", "reject"]
# What a mentor may change in an entry (the id, language and owner are the Dojo's).
EDITABLE = ("kind", "title", "text", "tags", "archetype", "module")


class Approve(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["approve"]


class EditedAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=60)
    args: dict[str, Any]


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["edit"]
    edited_action: EditedAction


class Reject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["reject"]
    message: str = Field(default="", max_length=2000)


Decision = Annotated[Approve | Edit | Reject, Field(discriminator="type")]


class ResumeValue(BaseModel):
    """The mentor's answer to one proposal: exactly one decision."""

    model_config = ConfigDict(extra="forbid")
    decisions: list[Decision] = Field(min_length=1, max_length=1)


_RESUME = TypeAdapter(ResumeValue)


def hitl_request(name: str, args: Mapping[str, Any], description: str) -> dict[str, Any]:
    """The interrupt value asking the mentor to approve, edit or reject one action.

    It carries the same request twice: as HumanInTheLoopMiddleware's ``action_requests`` and
    as langgraph.prebuilt's ``HumanInterrupt`` (``action_request``, ``config``,
    ``description``), the form agent-chat-ui as shipped in create-agent-chat-app 0.1.6
    renders with Accept/Edit/Ignore (it shows any other value as a read-only table). Its args
    leave out empty fields: that UI's edit form reads the length of every value."""
    inbox_args = {k: v for k, v in args.items() if v is not None}
    return {
        "action_requests": [{"name": name, "args": dict(args), "description": description}],
        "review_configs": [{"action_name": name, "allowed_decisions": list(DECISIONS)}],
        "action_request": {"action": name, "args": inbox_args},
        "config": {
            "allow_accept": True,
            "allow_edit": True,
            "allow_ignore": True,
            "allow_respond": False,
        },
        "description": description,
    }


_INBOX_TYPES = {"accept", "edit", "ignore", "response"}


def from_inbox_response(value: Any) -> Any:
    """A langgraph.prebuilt ``HumanResponse`` list (what agent-chat-ui 0.1.6 resumes with:
    ``[{"type": "accept" | "edit" | "ignore" | "response", "args": ...}]``) as decisions;
    any other value unchanged. Its edit form sends a list field as JSON text."""
    if not (
        isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], Mapping)
        and value[0].get("type") in _INBOX_TYPES
    ):
        return value
    kind, args = value[0]["type"], value[0].get("args")
    if kind == "accept":
        return {"decisions": [{"type": "approve"}]}
    if kind == "ignore":
        return {"decisions": [{"type": "reject"}]}
    if kind == "response":
        return {"decisions": [{"type": "reject", "message": str(args or "")}]}
    if not isinstance(args, Mapping):
        return value  # refused below, naming the field
    edited = dict(args.get("args") or {})
    if isinstance(edited.get("tags"), str) and edited["tags"].lstrip().startswith("["):
        try:
            edited["tags"] = json.loads(edited["tags"])
        except ValueError:
            pass  # left as text: the entry's validation names the field
    return {
        "decisions": [
            {"type": "edit", "edited_action": {"name": args.get("action"), "args": edited}}
        ]
    }


def entry_args(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as an action's flat args (id first, then what the mentor may edit)."""
    args = {"id": entry["id"]}
    args.update({k: entry.get(k) for k in EDITABLE})
    args["tags"] = list(args.get("tags") or [])
    return args


def _problems(exc: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join([prefix, *(str(p) for p in err["loc"])]).strip("."),
            "message": err["msg"],
        }
        for err in exc.errors()
    ]


def parse_resume(value: Any) -> ResumeValue:
    """Parse a resume value's shape (not the edited entry's fields), or raise
    InputValidationError naming each bad field."""
    if isinstance(value, Mapping) and "decisions" not in value and len(value) == 1:
        (value,) = value.values()
    value = from_inbox_response(value)
    try:
        return _RESUME.validate_python(value)
    except ValidationError as exc:
        raise InputValidationError(_problems(exc, "command.resume")) from exc


def check_resume(value: Any) -> ResumeValue:
    """Parse a resume value, or raise InputValidationError naming each bad field."""
    if isinstance(value, Mapping) and "decisions" not in value and len(value) == 1:
        # {interrupt_id: resume}: LangGraph's form for answering one interrupt by its id
        (value,) = value.values()
    value = from_inbox_response(value)
    try:
        resume = _RESUME.validate_python(value)
    except ValidationError as exc:
        problems = _problems(exc, "command.resume")
        problems.append(
            {
                "field": "command.resume",
                "message": 'send {"decisions": [{"type": "approve"}]}, {"decisions": [{"type": '
                '"edit", "edited_action": {"name": ..., "args": {...}}}]} or {"decisions": '
                '[{"type": "reject", "message": "..."}]}',
            }
        )
        raise InputValidationError(problems) from exc
    decision = resume.decisions[0]
    if isinstance(decision, Edit):
        edited_entry(decision.edited_action.args, None)  # raises on a bad field
    return resume


def edited_entry(
    args: Mapping[str, Any],
    proposed: Mapping[str, Any] | None,
    alternatives: tuple[str, ...] = (),
) -> KnowledgeEntry:
    """The entry an edit decision stores: the proposal's args with the mentor's edits. The id
    is the proposal's, or one of ``alternatives`` (a duplicate's proposal offers the draft's
    own id: edited to it, the teaching is stored as a new entry after all). Raises
    InputValidationError naming each bad field."""
    base = dict(proposed or {})
    unknown = sorted(set(args) - {"id", *EDITABLE})
    problems = [
        {
            "field": f"command.resume.decisions.0.edited_action.args.{name}",
            "message": f"not an editable field; edit {', '.join(EDITABLE)}",
        }
        for name in unknown
    ]
    allowed_ids = {proposed.get("id"), *(alternatives or ())} if proposed is not None else set()
    if proposed is not None and "id" in args and args["id"] not in allowed_ids:
        problems.append(
            {
                "field": "command.resume.decisions.0.edited_action.args.id",
                "message": f"the id cannot be changed (it is {proposed.get('id')!r})",
            }
        )
    if problems:
        raise InputValidationError(problems)
    merged = base | {k: v for k, v in args.items() if k in ("id", *EDITABLE)}
    merged.setdefault("id", "dojo.check")  # schema check only, before the proposal is known
    fields = {k: merged[k] for k in ("id", *EDITABLE) if k in merged and merged[k] is not None}
    try:
        return KnowledgeEntry.model_validate(fields | {"source": base.get("source", "")})
    except ValidationError as exc:
        raise InputValidationError(
            _problems(exc, "command.resume.decisions.0.edited_action.args")
        ) from exc
