"""Ticket rules as Zendesk applies them: validation, tagger/tag sync, audit events, JSON rendering. Pure."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from commops.sandbox.apierror import invalid
from commops.sandbox.search import STATUS_ORDER

__all__ = ["Account", "Change", "apply_changes", "comment_html", "macro_changes", "render_ticket"]

PRIORITIES = (None, "low", "normal", "high", "urgent")
TYPES = (None, "problem", "incident", "question", "task")
CUSTOM_TYPES = ("text", "textarea", "tagger", "checkbox", "integer", "decimal", "date", "regexp", "multiselect")
_SIMPLE = ("subject", "status", "priority", "type", "group_id", "assignee_id", "requester_id", "submitter_id",
           "ticket_form_id", "external_id", "due_at", "brand_id")
# Keys a client may send on update; read-only ones are accepted and ignored, anything else is a 422.
KNOWN_KEYS = frozenset({
    *_SIMPLE, "raw_subject", "description", "tags", "additional_tags", "remove_tags", "custom_fields", "fields",
    "comment", "safe_update", "updated_stamp", "id", "url", "created_at", "updated_at", "via", "brand_id",
    "organization_id", "custom_status_id", "collaborator_ids", "email_cc_ids", "follower_ids", "followup_ids",
    "sharing_agreement_ids", "is_public", "allow_attachments", "allow_channelback", "has_incidents",
    "forum_topic_id", "from_messaging_channel", "problem_id", "recipient", "satisfaction_rating",
    "generated_timestamp", "requester", "metadata", "email_ccs", "followers", "collaborators", "macro_ids",
})
BRAND_ID = 1000001


@dataclass
class Account:
    """What ticket validation needs to know about the account."""

    fields: dict[int, dict[str, Any]] = field(default_factory=dict)  # custom fields by id, in order
    forms: dict[int, dict[str, Any]] = field(default_factory=dict)
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    user: Callable[[int], dict[str, Any] | None] = lambda _id: None
    statuses: dict[int, dict[str, Any]] = field(default_factory=dict)  # custom ticket statuses by id
    brands: dict[int, dict[str, Any]] = field(default_factory=dict)

    def default_status(self, category: str) -> int | None:
        """The default custom status of a category (closed tickets sit in ``solved``)."""
        category = "solved" if category == "closed" else category
        for sid, status in self.statuses.items():
            if status.get("status_category") == category and status.get("default"):
                return sid
        return None

    def default_brand(self) -> int:
        return next((bid for bid, b in self.brands.items() if b.get("default")), next(iter(self.brands), BRAND_ID))


@dataclass
class Change:
    """The outcome of applying an update: the new document, its events, and the comment (if any)."""

    ticket: dict[str, Any]
    events: list[dict[str, Any]]
    comment: dict[str, Any] | None = None


def comment_html(body: str) -> str:
    paragraphs = "".join(f'<p dir="auto">{html.escape(p).replace(chr(10), "<br>")}</p>'
                         for p in body.split("\n\n"))
    return f'<div class="zd-comment" dir="auto">{paragraphs}</div>'


def render_ticket(doc: Mapping[str, Any], base_url: str, account: Account) -> dict[str, Any]:
    """The ticket as the API answers it: every key real Zendesk sends, links to the sandbox itself.

    Every custom field of the account is listed; an unset checkbox reads ``false``, anything else unset
    reads ``null``, as Zendesk answers."""
    fields = account.fields
    values = {entry["id"]: entry.get("value") for entry in doc.get("custom_fields") or []}
    custom = [{"id": fid, "value": values.get(fid, False if f.get("type") == "checkbox" else None)}
              for fid, f in fields.items()]
    custom += [{"id": fid, "value": v} for fid, v in values.items() if fid not in fields]
    ticket = {
        "allow_attachments": True,
        "allow_channelback": False,
        "assignee_id": doc.get("assignee_id"),
        "brand_id": doc.get("brand_id") or account.default_brand(),
        "collaborator_ids": [],
        "created_at": doc["created_at"],
        "custom_fields": custom,
        "custom_status_id": doc.get("custom_status_id") or account.default_status(str(doc.get("status"))),
        "description": doc.get("description"),
        "due_at": doc.get("due_at"),
        "email_cc_ids": [],
        "external_id": doc.get("external_id"),
        "fields": [dict(entry) for entry in custom],
        "follower_ids": list(doc.get("follower_ids") or []),
        "followup_ids": [],
        "forum_topic_id": None,
        "from_messaging_channel": False,
        "group_id": doc.get("group_id"),
        "has_incidents": False,
        "id": doc["id"],
        "is_public": True,
        "organization_id": doc.get("organization_id"),
        "priority": doc.get("priority"),
        "problem_id": None,
        "raw_subject": doc.get("subject"),
        "recipient": None,
        "requester_id": doc.get("requester_id"),
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "status": doc.get("status"),
        "subject": doc.get("subject"),
        "submitter_id": doc.get("submitter_id"),
        "tags": list(doc.get("tags") or []),
        "ticket_form_id": doc.get("ticket_form_id"),
        "type": doc.get("type"),
        "updated_at": doc["updated_at"],
        "url": f"{base_url}/api/v2/tickets/{doc['id']}.json",
        "via": doc.get("via") or {"channel": "api", "source": {"from": {}, "rel": None, "to": {}}},
    }
    return ticket


def _tags(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        items = value.split()
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [part for v in value for part in v.split()]
    else:
        raise invalid(name, f"{name} must be a list of strings or a space-separated string")
    out: list[str] = []
    for item in items:
        tag = item.strip().lower()
        if tag and tag not in out:
            out.append(tag)
    return out


def _custom_entries(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list) and all(isinstance(e, dict) and "id" in e for e in value):
        return [(e["id"], e.get("value")) for e in value]
    raise invalid("custom_fields", "custom_fields must be a list of {id, value} objects")


def _coerce(definition: dict[str, Any], value: Any) -> Any:
    """A custom field value as Zendesk stores it, or a 422."""
    kind = definition.get("type")
    fid = str(definition["id"])
    if value is None or value == "":
        return False if kind == "checkbox" else None
    if kind == "tagger":
        options = [o["value"] for o in definition.get("custom_field_options") or []]
        if value not in options:
            raise invalid(fid, f"{value!r} is not an option of {definition.get('title')}")
        return value
    if kind == "checkbox":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes"):
            return True
        if str(value).lower() in ("false", "0", "no"):
            return False
        raise invalid(fid, f"{value!r} is not a checkbox value")
    if kind in ("integer", "decimal"):
        if isinstance(value, bool):
            raise invalid(fid, f"{value!r} is not a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise invalid(fid, f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise invalid(fid, f"{value!r} is not a finite number")
        if kind == "integer":
            if number != int(number):
                raise invalid(fid, f"{value!r} is not an integer")
            return int(number) if not isinstance(value, str) else value
        return value
    if isinstance(value, (dict, list)):
        raise invalid(fid, "text fields take a string")
    return value if isinstance(value, str) else str(value)


def _check_reference(account: Account, key: str, value: Any) -> Any:
    if value is None:
        if key in ("requester_id",):
            raise invalid(key, "Requester can't be blank")
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(key, f"{key} must be an id")
    if key == "group_id" and value not in account.groups:
        raise invalid(key, f"group {value} does not exist")
    if key == "ticket_form_id" and value not in account.forms:
        raise invalid(key, f"ticket form {value} does not exist")
    if key == "brand_id" and account.brands and value not in account.brands:
        raise invalid(key, f"brand {value} does not exist")
    if key in ("assignee_id", "requester_id", "submitter_id"):
        user = account.user(value)
        if user is None:
            raise invalid(key, f"user {value} does not exist")
        if key == "assignee_id" and user.get("role") not in ("agent", "admin"):
            raise invalid(key, "Assignee is not an agent")
    return value


def _simple_value(account: Account, key: str, value: Any, current: str) -> Any:
    if key == "status":
        if value not in STATUS_ORDER:
            raise invalid("status", f"{value!r} is not a ticket status")
        if value == "new" and current != "new":
            raise invalid("status", "Status: new is not valid once a ticket has been opened")
        return value
    if key == "priority" and value not in PRIORITIES:
        raise invalid("priority", f"{value!r} is not a priority")
    if key == "type" and value not in TYPES:
        raise invalid("type", f"{value!r} is not a ticket type")
    if key == "subject":
        if not isinstance(value, str):
            raise invalid("subject", "subject must be a string")
        return value
    if key in ("group_id", "assignee_id", "requester_id", "submitter_id", "ticket_form_id", "brand_id"):
        return _check_reference(account, key, value)
    return value


def _sync_from_tags(account: Account, values: dict[int, Any], tags: list[str], explicit: set[int]) -> None:
    """Tags added or removed select or clear the tagger/checkbox field whose option they are."""
    for fid, definition in account.fields.items():
        if fid in explicit:
            continue
        if definition.get("type") == "tagger":
            options = [o["value"] for o in definition.get("custom_field_options") or []]
            current = values.get(fid)
            if current is not None and current in tags:
                continue
            chosen = next((t for t in tags if t in options), None)
            if chosen is not None or current is not None:
                values[fid] = chosen
        elif definition.get("type") == "checkbox" and definition.get("tag"):
            values[fid] = definition["tag"] in tags


def apply_changes(doc: Mapping[str, Any], changes: Mapping[str, Any], account: Account, author_id: int) -> Change:
    """Validate ``changes`` (a ticket update body) against the account and apply them to a copy of ``doc``."""
    unknown = sorted(set(changes) - KNOWN_KEYS)
    if unknown:
        raise invalid(unknown[0], f"{unknown[0]} is not a ticket attribute")
    new = dict(doc)  # tags and custom_fields are rebuilt below; nothing nested is modified in place
    events: list[dict[str, Any]] = []
    if doc.get("status") == "closed":
        raise invalid("status", "closed prevents ticket update")
    explicit_status = "status" in changes or "custom_status_id" in changes
    for key in _SIMPLE:
        if key in changes:
            new[key] = _simple_value(account, key, changes[key], str(doc.get("status")))
    _apply_custom_status(account, doc, new, changes)
    if "followers" in changes or "follower_ids" in changes:
        new["follower_ids"] = _followers(account, doc, changes)
    old_tags = list(doc.get("tags") or [])
    tags = list(old_tags)
    if "tags" in changes:
        tags = _tags(changes["tags"], "tags")
    if "additional_tags" in changes:
        tags += [t for t in _tags(changes["additional_tags"], "additional_tags") if t not in tags]
    if "remove_tags" in changes:
        removed = set(_tags(changes["remove_tags"], "remove_tags"))
        tags = [t for t in tags if t not in removed]
    values = {e["id"]: e.get("value") for e in doc.get("custom_fields") or []}
    old_values = dict(values)
    explicit: dict[int, Any] = {}
    for key in ("custom_fields", "fields"):
        if key in changes:
            for raw_id, value in _custom_entries(changes[key]):
                try:
                    fid = int(raw_id)
                except (TypeError, ValueError):
                    raise invalid("custom_fields", f"{raw_id!r} is not a field id") from None
                if fid not in account.fields:
                    raise invalid(str(fid), f"ticket field {fid} does not exist")
                explicit[fid] = _coerce(account.fields[fid], value)
    if tags != old_tags:
        _sync_from_tags(account, values, tags, set(explicit))
    for fid, value in explicit.items():
        definition = account.fields[fid]
        if definition.get("type") == "tagger":
            previous = values.get(fid)
            if previous and previous != value and previous in tags:
                tags.remove(previous)
            if value and value not in tags:
                tags.append(value)
        elif definition.get("type") == "checkbox" and definition.get("tag"):
            tag = definition["tag"]
            if value and tag not in tags:
                tags.append(tag)
            if not value and tag in tags:
                tags.remove(tag)
        values[fid] = value
    new["tags"] = tags
    new["custom_fields"] = [{"id": fid, "value": v} for fid, v in values.items()]
    comment = _comment(changes.get("comment"), account, author_id) if "comment" in changes else None
    if comment is not None:
        events.append(comment)
        author = account.user(comment["author_id"]) or {}
        if (comment["public"] and author.get("role") == "end-user" and not explicit_status
                and new.get("status") in ("pending", "hold", "solved")):
            new["status"] = "open"
            new["custom_status_id"] = account.default_status("open")
    for key in (*_SIMPLE, "custom_status_id", "follower_ids"):
        if new.get(key) != doc.get(key):
            events.append(_change(key, new.get(key), doc.get(key)))
    if tags != old_tags:
        events.append(_change("tags", tags, old_tags))
    for fid, value in values.items():
        if value != old_values.get(fid) and not (value in (None, False) and old_values.get(fid) in (None, False)):
            events.append(_change(str(fid), value, old_values.get(fid)))
    return Change(new, events, comment)


def _apply_custom_status(account: Account, doc: Mapping[str, Any], new: dict[str, Any],
                         changes: Mapping[str, Any]) -> None:
    """``custom_status_id`` sets the status and its category; ``status`` alone moves the ticket to the
    category's *default* custom status (even within the same category), as Zendesk documents."""
    if "custom_status_id" in changes and changes["custom_status_id"] is not None:
        raw = changes["custom_status_id"]
        sid = int(raw) if isinstance(raw, str) and raw.isdigit() else raw
        status = account.statuses.get(sid) if isinstance(sid, int) and not isinstance(sid, bool) else None
        if status is None:
            raise invalid("custom_status_id", f"custom status {raw!r} does not exist")
        if not status.get("active", True):
            raise invalid("custom_status_id", f"custom status {status.get('agent_label')!r} is not active")
        category = str(status.get("status_category"))
        if "status" in changes and changes["status"] != category:
            raise invalid("status", f"status {changes['status']!r} does not match the custom status's "
                                    f"category {category!r}")
        if category == "new" and doc.get("status") not in ("new", None):
            raise invalid("custom_status_id", "Status: new is not valid once a ticket has been opened")
        new["status"] = category
        new["custom_status_id"] = sid
    elif "status" in changes:
        new["custom_status_id"] = account.default_status(str(new.get("status")))


def _followers(account: Account, doc: Mapping[str, Any], changes: Mapping[str, Any]) -> list[int]:
    """``followers: [{user_id, action: put|delete}]`` or ``follower_ids``; followers must be agents."""
    current = list(doc.get("follower_ids") or [])
    if "follower_ids" in changes:
        entries = [{"user_id": u, "action": "put"} for u in changes["follower_ids"] or []]
        current = []
    elif isinstance(changes["followers"], list):
        entries = list(changes["followers"])
    else:
        raise invalid("followers", "followers must be a list of {user_id, action}")
    for entry in entries:
        uid = entry.get("user_id") if isinstance(entry, dict) else None
        if isinstance(uid, str) and uid.isdigit():
            uid = int(uid)
        user = account.user(uid) if isinstance(uid, int) and not isinstance(uid, bool) else None
        if user is None or user.get("role") not in ("agent", "admin"):
            raise invalid("followers", f"follower {uid!r} is not an agent")
        if entry.get("action", "put") == "delete":
            current = [u for u in current if u != uid]
        elif uid not in current:
            current.append(uid)
    return current


def _change(name: str, value: Any, previous: Any) -> dict[str, Any]:
    return {"type": "Change", "field_name": name, "value": value, "previous_value": previous}


def _comment(raw: Any, account: Account, author_id: int) -> dict[str, Any] | None:
    if isinstance(raw, str):
        raw = {"body": raw}
    if not isinstance(raw, dict):
        raise invalid("comment", "comment must be an object with a body")
    body = raw.get("body")
    html_body = raw.get("html_body")
    if body is None and html_body is None:
        raise invalid("comment", "Comment: body can't be blank")
    if not isinstance(body, str | None) or not isinstance(html_body, str | None):
        raise invalid("comment", "comment body must be a string")
    author = raw.get("author_id")
    if author is None:  # absent or null: the authenticated user, as Zendesk does
        author = author_id
    if isinstance(author, bool) or not isinstance(author, int) or account.user(author) is None:
        raise invalid("comment", f"comment author {author!r} does not exist")
    public = raw.get("public", True)
    if isinstance(public, str):
        public = public.lower() != "false"
    if body is None:
        body = html.unescape(re.sub(r"<[^>]+>", "", str(html_body)))
    return {
        "type": "Comment",
        "attachments": [],
        "author_id": author,
        "body": body,
        "html_body": html_body if html_body is not None else comment_html(body),
        "plain_body": body,
        "public": bool(public),
    }


def macro_changes(macro: Mapping[str, Any], current_user: int | None = None
                  ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A macro's actions as a ticket update body, and its comment (``body``/``html_body``/``public``).

    ``current_user`` stands for the agent applying it (``assignee_id``/``follower`` = ``current_user``).
    An action Zendesk's macros do not have is a 422, as Zendesk refuses to save such a macro."""
    changes: dict[str, Any] = {}
    comment: dict[str, Any] = {}
    for action in macro.get("actions") or []:
        name, value = action.get("field"), action.get("value")
        if isinstance(value, list) and name and name.startswith("comment_value"):
            value = value[-1]
        if name in ("status", "priority", "type", "subject"):
            changes[name] = value
        elif name in ("group_id", "assignee_id", "ticket_form_id", "brand_id", "custom_status_id"):
            if name == "assignee_id" and value == "current_user":
                changes[name] = current_user
            else:
                changes[name] = int(value) if value not in (None, "") and str(value).isdigit() else None
        elif name == "follower":
            uid = current_user if value == "current_user" else int(value) if str(value).isdigit() else value
            changes.setdefault("followers", []).append({"user_id": uid, "action": "put"})
        elif name == "set_tags":
            changes["tags"] = value
        elif name == "current_tags":
            changes["additional_tags"] = value
        elif name == "remove_tags":
            changes["remove_tags"] = value
        elif name and name.startswith("custom_fields_"):
            changes.setdefault("custom_fields", []).append({"id": int(name.removeprefix("custom_fields_")),
                                                            "value": value})
        elif name == "comment_value":
            comment["body"] = str(value)
        elif name == "comment_value_html":
            comment["html_body"] = str(value)
        elif name == "comment_mode_is_public":
            comment["public"] = str(value).lower() != "false"
        else:
            raise invalid("actions", f"{name!r} is not a macro action")
    return changes, (comment or None)
