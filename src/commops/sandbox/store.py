"""The sandbox's state in SQLite: account resources, users, tickets, comments, audits and jobs.

One connection guarded by a lock (the server is threaded; the CLI may open the same file from another
process: WAL and a busy timeout cover that). Every public method is one transaction, so a client killed
mid-request never leaves half a write. Documents are stored as JSON; tickets also carry ``seq``, a global
change counter that orders the incremental export without ever skipping a change.

``updated_at`` has Zendesk's second resolution but is kept strictly increasing per ticket: a change in
the same second as the previous one stamps ``previous + 1s``. Safe update compares stamps as instants at
second resolution, so two changes within one second can never share a stamp and a stale stamp always
conflicts (real Zendesk could accept it; the sandbox is the stricter of the two).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from commops.sandbox.apierror import conflict, invalid, not_found
from commops.sandbox.forgedata import ForgeIndex, NamespaceDoc, normalise_forges, seeded_forges, subgroup_paths
from commops.sandbox.search import SearchCatalog
from commops.sandbox.tickets import Account, Change, apply_changes, render_ticket

__all__ = ["ACCOUNTS", "DEFAULT_ACCOUNT", "SandboxStore", "account_document", "iso", "parse_iso"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS provisions (key TEXT PRIMARY KEY, deliveries INTEGER NOT NULL DEFAULT 0,
    effects INTEGER NOT NULL DEFAULT 0, subscription_id TEXT, payload TEXT);
CREATE TABLE IF NOT EXISTS resources (kind TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS satisfaction_ratings (id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS users_email ON users (email);
CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
                                    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_seq ON tickets (seq);
CREATE TABLE IF NOT EXISTS comments (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS comments_ticket ON comments (ticket_id);
CREATE TABLE IF NOT EXISTS audits (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audits_ticket ON audits (ticket_id);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, created REAL NOT NULL, doc TEXT NOT NULL, status TEXT);
CREATE TABLE IF NOT EXISTS forge_namespaces (forge TEXT NOT NULL, key TEXT NOT NULL, id INTEGER NOT NULL,
                                             doc TEXT NOT NULL, PRIMARY KEY (forge, key));
"""
_RESOURCE_FILES = {"ticket_fields": "ticket_fields.json", "ticket_forms": "ticket_forms.json",
                   "groups": "groups.json", "macros": "macros.json", "views": "views.json",
                   "brands": "brands.json", "locales": "locales.json", "custom_statuses": "custom_statuses.json",
                   "dynamic_content": "dynamic_content.json"}
_DOCUMENT_KEYS = {"dynamic_content": "items"}  # the list's key in the file, where it differs from the kind
FIRST_USER_ID = 900_000_000_001
FIRST_EVENT_ID = 500_000_000_001
FIRST_FORGE_ID = 1_001


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ts)))


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


# The accounts shipped as package data, one directory each in Zendesk's own JSON (plus account.json:
# the name, whether API tokens work, how `sandbox seed` fills the forms).
ACCOUNTS = ("reference", "northwind")
DEFAULT_ACCOUNT = "reference"


def account_document(account: str, name: str) -> dict[str, Any]:
    """One JSON file of a packaged sandbox account (``commops/sandbox/<account>/<name>``)."""
    if account not in ACCOUNTS:
        raise invalid("account", f"{account!r} is not a sandbox account; one of: {', '.join(ACCOUNTS)}")
    text = resources.files("commops.sandbox").joinpath(account, name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def reference_document(name: str) -> dict[str, Any]:
    """One JSON file of the reference account shipped in ``commops/sandbox/reference``."""
    return account_document(DEFAULT_ACCOUNT, name)


class SandboxStore:
    """The account behind the sandbox. ``base_url`` is where rendered links point (the server sets it)."""

    def __init__(self, path: Path, *, clock: Callable[[], float] | None = None,
                 base_url: str = "http://127.0.0.1", account: str = DEFAULT_ACCOUNT) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock or time.time
        self.base_url = base_url
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._account: Account | None = None
        self._writes = 0  # own commits; PRAGMA data_version covers other connections'
        self._cache: dict[str, tuple[tuple[int, int], Any]] = {}
        with self._tx() as db:
            present = {row[0] for row in db.execute("SELECT kind FROM resources")}
            if not present:
                self._load_reference(db, account)
            elif set(_RESOURCE_FILES) - present:  # a file from an older sandbox: add what it lacks
                self._load_resources(db, set(_RESOURCE_FILES) - present, self._account_name(db))

    @property
    def _conn(self) -> sqlite3.Connection:
        """The connection, opened on first use (and again after :meth:`close`)."""
        with self._lock:
            if self._connection is None:
                connection = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10.0,
                                             isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.executescript(_SCHEMA)
                _add_job_status(connection)
                self._connection = connection
            return self._connection

    def close(self) -> None:
        """Close the file; a later call reopens it."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
                self._cache.clear()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            self._writes += 1

    def _cached(self, name: str, build: Callable[[], Any]) -> Any:
        """``build()``, reused until this or another connection commits a change."""
        with self._lock:
            version = (self._writes, int(self._conn.execute("PRAGMA data_version").fetchone()[0]))
            hit = self._cache.get(name)
            if hit is not None and hit[0] == version:
                return hit[1]
            value = build()
            self._cache[name] = (version, value)
            return value

    # ----- account resources -------------------------------------------------------------------------

    @staticmethod
    def _account_name(db: sqlite3.Connection) -> str:
        row = db.execute("SELECT value FROM meta WHERE key = 'account'").fetchone()
        return str(row[0]) if row else DEFAULT_ACCOUNT  # a sandbox saved before there were two

    def _load_reference(self, db: sqlite3.Connection, account: str = DEFAULT_ACCOUNT) -> None:
        profile = account_document(account, "account.json")  # an unknown account fails before any change
        self._load_resources(db, set(_RESOURCE_FILES), account)
        for agent in account_document(account, "agents.json")["users"]:
            self._put_user(db, _user_doc(agent, self.clock()))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('account', ?)", (profile["name"],))
        self._account = None

    @property
    def account_name(self) -> str:
        """Which packaged account this sandbox holds (``reference`` or ``northwind``)."""
        with self._lock:
            return self._account_name(self._conn)

    def profile(self) -> dict[str, Any]:
        """The loaded account's ``account.json``: name, subdomain, ``api_tokens``, ``seeding``."""
        name = self.account_name
        return dict(self._cached("profile", lambda: account_document(name, "account.json")))

    def _load_resources(self, db: sqlite3.Connection, kinds: set[str], account: str) -> None:
        for kind, name in _RESOURCE_FILES.items():
            if kind not in kinds:
                continue
            items = account_document(account, name)[_DOCUMENT_KEYS.get(kind, kind)]
            for item in items:
                if kind == "views":
                    _view_doc(item, self.clock())
                path = "dynamic_content/items" if kind == "dynamic_content" else kind
                item["url"] = f"/api/v2/{path}/{item['id']}.json"
            db.execute("INSERT OR REPLACE INTO resources VALUES (?, ?)", (kind, json.dumps(items)))

    def put_resource(self, kind: str, items: list[dict[str, Any]]) -> None:
        """Replace an account resource (``macros``, ``dynamic_content``, ``custom_statuses``, ...), as an
        admin editing the account in Zendesk would."""
        if kind not in _RESOURCE_FILES:
            raise invalid("kind", f"{kind!r} is not an account resource")
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO resources VALUES (?, ?)", (kind, json.dumps(items)))
        self._account = None

    def create_ticket_field(self, data: dict[str, Any]) -> dict[str, Any]:
        """``POST /ticket_fields``: validate a custom field as Zendesk does and add it (a new id)."""
        from commops.sandbox.tickets import CUSTOM_TYPES

        kind, title, key = data.get("type"), data.get("title"), data.get("key")
        if kind not in CUSTOM_TYPES:
            raise invalid("type", f"{kind!r} is not a custom field type; one of: {', '.join(CUSTOM_TYPES)}")
        if not isinstance(title, str) or not title.strip():
            raise invalid("title", "Title: cannot be blank")
        with self._tx() as db:
            row = db.execute("SELECT doc FROM resources WHERE kind = 'ticket_fields'").fetchone()
            fields: list[dict[str, Any]] = json.loads(row[0]) if row else []
            if key is not None and (not isinstance(key, str) or any(f.get("key") == key for f in fields)):
                raise invalid("key", f"Key: {key!r} is already taken or not a string")
            options = data.get("custom_field_options") or []
            if kind in ("tagger", "multiselect"):
                values = [o.get("value") for o in options if isinstance(o, dict)]
                if not values or len(values) != len(options) or len(set(values)) != len(values) or not all(
                        isinstance(v, str) and v and " " not in v for v in values):
                    raise invalid("custom_field_options", "a drop-down needs options with unique tag values")
            new_id = max([int(f["id"]) for f in fields] or [0]) + 1
            stamp = iso(self.clock())
            doc = {"id": new_id, "url": f"/api/v2/ticket_fields/{new_id}.json", "type": kind, "title": title,
                   "raw_title": title, "description": str(data.get("description") or ""),
                   "raw_description": str(data.get("description") or ""), "position": len(fields) + 1,
                   "active": bool(data.get("active", True)), "required": bool(data.get("required", False)),
                   "collapsed_for_agents": False, "regexp_for_validation": None,
                   "title_in_portal": data.get("title_in_portal") or title,
                   "visible_in_portal": bool(data.get("visible_in_portal", False)),
                   "editable_in_portal": bool(data.get("editable_in_portal", False)),
                   "required_in_portal": bool(data.get("required_in_portal", False)), "tag": data.get("tag"),
                   "created_at": stamp, "updated_at": stamp, "removable": True, "key": key,
                   "agent_description": data.get("agent_description")}
            if kind in ("tagger", "multiselect"):
                doc["custom_field_options"] = [
                    {"id": new_id * 100 + n, "name": str(o.get("name") or o["value"]),
                     "raw_name": str(o.get("name") or o["value"]), "value": o["value"], "default": False}
                    for n, o in enumerate(options, 1)]
            fields.append(doc)
            db.execute("INSERT OR REPLACE INTO resources VALUES ('ticket_fields', ?)", (json.dumps(fields),))
        self._account = None
        return next(f for f in self.resource("ticket_fields") if f["id"] == new_id)

    def resource(self, kind: str) -> list[dict[str, Any]]:
        """``ticket_fields``, ``ticket_forms``, ``groups`` or ``macros`` (links relative to the API root)."""
        with self._lock:
            row = self._conn.execute("SELECT doc FROM resources WHERE kind = ?", (kind,)).fetchone()
        items: list[dict[str, Any]] = json.loads(row[0]) if row else []
        for item in items:
            if isinstance(item.get("url"), str) and item["url"].startswith("/"):
                item["url"] = self.base_url + item["url"]
        return items

    def account(self) -> Account:
        if self._account is None:
            fields = {f["id"]: f for f in self.resource("ticket_fields") if f.get("key")}
            self._account = Account(
                fields=fields,
                forms={f["id"]: f for f in self.resource("ticket_forms")},
                groups={g["id"]: g for g in self.resource("groups")},
                user=self.user,
                statuses={s["id"]: s for s in self.resource("custom_statuses")},
                brands={b["id"]: b for b in self.resource("brands")},
            )
        return self._account

    def catalog(self) -> SearchCatalog:
        account = self.account()
        users: dict[str, int] = self._cached("emails", lambda: {
            row[0].lower(): row[1] for row in self._conn.execute("SELECT email, id FROM users WHERE email IS NOT NULL")
        })
        return SearchCatalog(
            forms={str(f["name"]).lower(): fid for fid, f in account.forms.items()},
            groups={str(g["name"]).lower(): gid for gid, g in account.groups.items()},
            users=users,
            tagger_fields={fid for fid, f in account.fields.items() if f.get("type") == "tagger"},
        )

    # ----- users ---------------------------------------------------------------------------------------

    def _put_user(self, db: sqlite3.Connection, doc: dict[str, Any]) -> None:
        email = str(doc["email"]).lower() if doc.get("email") else None
        db.execute("INSERT OR REPLACE INTO users VALUES (?, ?, ?)", (doc["id"], email, json.dumps(doc)))

    def user(self, user_id: int) -> dict[str, Any] | None:
        if not _fits(user_id):
            return None
        with self._lock:
            row = self._conn.execute("SELECT doc FROM users WHERE id = ?", (user_id,)).fetchone()
        return self._render_user(json.loads(row[0])) if row else None

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM users WHERE email = ? ORDER BY id LIMIT 1",
                                     (email.strip().lower(),)).fetchone()
        return self._render_user(json.loads(row[0])) if row else None

    def agent_ids(self) -> list[int]:
        with self._lock:
            rows = self._conn.execute("SELECT id, doc FROM users ORDER BY id").fetchall()
        return [int(i) for i, doc in rows if json.loads(doc).get("role") in ("agent", "admin")]

    def ticket_doc(self, ticket_id: int) -> dict[str, Any]:
        """The stored document (not the API JSON); ApiError(404) when missing."""
        with self._lock:
            return self._doc(self._conn, ticket_id)

    def users(self, ids: list[int]) -> list[dict[str, Any]]:
        found = [self.user(i) for i in ids]
        return [u for u in found if u is not None]

    def ensure_user(self, name: str | None, email: str, role: str = "end-user",
                    user_id: int | None = None) -> dict[str, Any]:
        """The user with ``email``, created when missing (``user_id`` picks a stable id for it)."""
        existing = self.user_by_email(email)
        if existing is not None:
            return existing
        with self._tx() as db:
            new_id = user_id or self._next_user_id(db)
            self._put_user(db, _user_doc({"id": new_id, "name": name or email.split("@")[0], "email": email,
                                          "role": role}, self.clock()))
        found = self.user(new_id)
        assert found is not None
        return found

    def _next_user_id(self, db: sqlite3.Connection) -> int:
        top = db.execute("SELECT MAX(id) FROM users WHERE id >= ?", (FIRST_USER_ID,)).fetchone()[0]
        return int(top) + 1 if top else FIRST_USER_ID

    def _render_user(self, doc: dict[str, Any]) -> dict[str, Any]:
        doc["url"] = f"{self.base_url}/api/v2/users/{doc['id']}.json"
        return doc

    # ----- tickets -------------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        with self._lock:
            return bool(self._conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0)

    def _doc(self, db: sqlite3.Connection, ticket_id: int) -> dict[str, Any]:
        if not _fits(ticket_id):
            raise not_found()
        row = db.execute("SELECT doc FROM tickets WHERE id = ? AND deleted = 0", (ticket_id,)).fetchone()
        if row is None:
            raise not_found()
        doc: dict[str, Any] = json.loads(row[0])
        return doc

    def render(self, doc: dict[str, Any]) -> dict[str, Any]:
        return render_ticket(doc, self.base_url, self.account())

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """The ticket JSON as the API returns it; ApiError(404) when missing or deleted."""
        with self._lock:
            return self.render(self._doc(self._conn, ticket_id))

    def ticket_docs(self, *, include_deleted: bool = False) -> list[tuple[int, dict[str, Any]]]:
        """``(seq, stored document)`` of every ticket, by id. Shared and cached: do not modify them."""
        rows: list[tuple[int, int, dict[str, Any]]] = self._cached("tickets", self._load_docs)
        return [(seq, doc) for seq, deleted, doc in rows if include_deleted or not deleted]

    def _load_docs(self) -> list[tuple[int, int, dict[str, Any]]]:
        rows = self._conn.execute("SELECT seq, deleted, doc FROM tickets ORDER BY id").fetchall()
        return [(int(seq), int(deleted), json.loads(doc)) for seq, deleted, doc in rows]

    def tickets_by_ids(self, ids: list[int]) -> list[dict[str, Any]]:
        out = []
        with self._lock:
            for ticket_id in ids:
                try:
                    out.append(self.render(self._doc(self._conn, ticket_id)))
                except Exception:  # missing ids are left out, as show_many does
                    continue
        return out

    def _next_ids(self, db: sqlite3.Connection, count: int) -> list[int]:
        row = db.execute("SELECT value FROM meta WHERE key = 'next_event_id'").fetchone()
        first = int(row[0]) if row else FIRST_EVENT_ID
        db.execute("INSERT OR REPLACE INTO meta VALUES ('next_event_id', ?)", (str(first + count),))
        return list(range(first, first + count))

    def _next_seq(self, db: sqlite3.Connection) -> int:
        return int(db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets").fetchone()[0])

    def _record(self, db: sqlite3.Connection, doc: dict[str, Any], events: list[dict[str, Any]],
                author_id: int, when: str, client: str = "commops-sandbox") -> dict[str, Any]:
        """Write the ticket, its comment(s) and one audit carrying ``events``; return the audit."""
        ids = self._next_ids(db, len(events) + 1)
        audit_id = ids[0]
        for event, event_id in zip(events, ids[1:], strict=True):
            event["id"] = event_id
            if event["type"] == "Comment":
                event["audit_id"] = audit_id
                comment = {k: v for k, v in event.items() if k != "type"}
                comment.update({"type": "Comment", "created_at": when, "via": _via()})
                db.execute("INSERT INTO comments VALUES (?, ?, ?)", (event_id, doc["id"], json.dumps(comment)))
        audit = {"id": audit_id, "ticket_id": doc["id"], "created_at": when, "author_id": author_id,
                 "metadata": {"system": {"client": client, "ip_address": "127.0.0.1", "latitude": None,
                                         "location": "Sandbox", "longitude": None}, "custom": {}},
                 "via": _via(), "events": events}
        db.execute("INSERT INTO audits VALUES (?, ?, ?)", (audit_id, doc["id"], json.dumps(audit)))
        db.execute("INSERT OR REPLACE INTO tickets (id, seq, deleted, doc) VALUES (?, ?, 0, ?)",
                   (doc["id"], self._next_seq(db), json.dumps(doc)))
        return audit

    def create_ticket(self, data: dict[str, Any], author_id: int, *, created_at: float | None = None,
                      ticket_id: int | None = None) -> dict[str, Any]:
        """Create a ticket from a POST body (requester by id or ``{name, email}``); returns its JSON."""
        data = dict(data)
        requester = data.pop("requester", None)
        if isinstance(requester, dict) and requester.get("email"):
            data["requester_id"] = self.ensure_user(requester.get("name"), str(requester["email"]))["id"]
        elif requester is not None:
            raise invalid("requester", "requester must be an object with an email")
        data.setdefault("requester_id", author_id)
        comment = data.pop("comment", None)
        description = data.pop("description", None)
        if comment is None and description is None:
            raise invalid("comment", "Description: cannot be blank")
        if comment is None or isinstance(comment, str):
            comment = {"body": comment if isinstance(comment, str) else description}
        if not isinstance(comment, dict):
            raise invalid("comment", "comment must be an object with a body")
        comment.setdefault("author_id", author_id)
        with self._tx() as db:
            return self.render(self._insert(db, data, comment, description, author_id, created_at, ticket_id))

    def _insert(self, db: sqlite3.Connection, data: dict[str, Any], comment: dict[str, Any],
                description: Any, author_id: int, created_at: float | None, ticket_id: int | None
                ) -> dict[str, Any]:
        status = data.pop("status", "new")
        for key in ("created_at", "updated_at", "id", "url"):
            data.pop(key, None)
        stamp = iso(self.clock() if created_at is None else created_at)
        new_id = ticket_id or int(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()[0])
        if db.execute("SELECT 1 FROM tickets WHERE id = ?", (new_id,)).fetchone():
            raise invalid("id", f"ticket {new_id} already exists")
        blank: dict[str, Any] = {"id": new_id, "subject": None, "status": "new", "tags": [], "custom_fields": [],
                                 "created_at": stamp, "updated_at": stamp, "via": _via(), "priority": None,
                                 "type": None}
        change = apply_changes(blank, {**data, "comment": comment}, self.account(), author_id)
        doc = change.ticket
        doc["status"] = _check_status(status)
        doc["submitter_id"] = doc.get("submitter_id") or comment.get("author_id") or author_id
        doc["description"] = change.comment["body"] if change.comment else description
        events = [e for e in change.events if e["type"] == "Comment"]
        events += [{"type": "Create", "field_name": key, "value": doc.get(key)}
                   for key in ("subject", "status", "requester_id", "ticket_form_id", "group_id", "tags")]
        events += [{"type": "Create", "field_name": str(e["id"]), "value": e["value"]}
                   for e in doc["custom_fields"] if e["value"] not in (None, False)]
        self._record(db, doc, events, author_id, stamp)
        return doc

    def update_ticket(self, ticket_id: int, changes: dict[str, Any], author_id: int,
                      client: str = "commops-sandbox") -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply a PUT body (with safe update); return ``(ticket JSON, audit)``. Raises ApiError."""
        with self._tx() as db:
            doc = self._doc(db, ticket_id)
            if changes.get("safe_update"):
                stamp = changes.get("updated_stamp")
                if not isinstance(stamp, str) or not stamp:
                    raise invalid("updated_stamp", "updated_stamp is required with safe_update")
                try:
                    stale = int(parse_iso(stamp)) != int(parse_iso(doc["updated_at"]))
                except ValueError:
                    raise invalid("updated_stamp", f"{stamp!r} is not a timestamp") from None
                if stale:
                    raise conflict()
            change: Change = apply_changes(doc, changes, self.account(), author_id)
            now = self.clock()
            if not change.events:
                return self.render(doc), {"id": None, "ticket_id": ticket_id, "created_at": iso(now),
                                          "author_id": author_id, "metadata": {"system": {}, "custom": {}},
                                          "via": _via(), "events": []}
            new = change.ticket
            new["updated_at"] = iso(max(int(now), int(parse_iso(doc["updated_at"])) + 1))
            audit = self._record(db, new, change.events, author_id, new["updated_at"], client)
            return self.render(new), audit

    def record_update(self, ticket_id: int, changes: dict[str, Any], author_id: int, *, at: float,
                      via: dict[str, Any] | None = None, extra_events: list[dict[str, Any]] | None = None,
                      client: str = "commops-sandbox") -> dict[str, Any]:
        """An update made at ``at`` (seeding a past history): the audit it leaves, with ``via`` (e.g. a macro
        applied in the agent interface) and ``extra_events`` (e.g. ``AgentMacroReference``) added to it."""
        with self._tx() as db:
            doc = self._doc(db, ticket_id)
            change: Change = apply_changes(doc, changes, self.account(), author_id)
            new = change.ticket
            new["updated_at"] = iso(max(int(at), int(parse_iso(doc["updated_at"])) + 1))
            events = [*change.events, *[dict(e) for e in extra_events or []]]
            audit = self._record(db, new, events, author_id, new["updated_at"], client)
            if via is not None:
                audit["via"] = via
                db.execute("UPDATE audits SET doc = ? WHERE id = ?", (json.dumps(audit), audit["id"]))
            return audit

    def audits_since(self, start: float) -> list[dict[str, Any]]:
        """Every audit created at or after ``start`` (unix seconds), oldest first (the event export)."""
        with self._lock:
            rows = self._conn.execute("SELECT a.doc FROM audits a JOIN tickets t ON t.id = a.ticket_id "
                                      "WHERE t.deleted = 0 ORDER BY a.id").fetchall()
        audits = [json.loads(r[0]) for r in rows]
        chosen = [a for a in audits if parse_iso(a["created_at"]) >= start]
        return sorted(chosen, key=lambda a: (parse_iso(a["created_at"]), a["id"]))

    def delete_ticket(self, ticket_id: int) -> None:
        with self._tx() as db:
            self._doc(db, ticket_id)
            db.execute("UPDATE tickets SET deleted = 1 WHERE id = ?", (ticket_id,))

    def comments(self, ticket_id: int) -> list[dict[str, Any]]:
        with self._lock:
            self._doc(self._conn, ticket_id)
            rows = self._conn.execute("SELECT doc FROM comments WHERE ticket_id = ? ORDER BY id",
                                      (ticket_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def audits(self, ticket_id: int) -> list[dict[str, Any]]:
        with self._lock:
            self._doc(self._conn, ticket_id)
            rows = self._conn.execute("SELECT doc FROM audits WHERE ticket_id = ? ORDER BY id",
                                      (ticket_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def recent_audits(self, before_id: int | None, limit: int) -> list[dict[str, Any]]:
        """The account's audits newest first (``List All Ticket Audits``), older than ``before_id``; deleted
        tickets' audits left out, as Zendesk leaves out archived ones."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT a.doc FROM audits a JOIN tickets t ON t.id = a.ticket_id WHERE t.deleted = 0"
                " AND a.id < ? ORDER BY a.id DESC LIMIT ?", (before_id if before_id is not None else 2**62, limit)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def reply(self, ticket_id: int, text: str) -> None:
        """The requester answers: a public comment by them, and the ticket is ``open`` (a closed one
        refuses, as in Zendesk, where a reply to a closed ticket starts a follow-up)."""
        ticket = self.ticket(ticket_id)
        requester = ticket["requester_id"]
        changes: dict[str, Any] = {"comment": {"body": text, "public": True, "author_id": requester}}
        if ticket["status"] != "open":
            changes["status"] = "open"
        self.update_ticket(ticket_id, changes, requester, client="requester-email")

    # ----- whole-account operations --------------------------------------------------------------------

    def reset(self, account: str = DEFAULT_ACCOUNT) -> None:
        """Forget everything and load a packaged account (agents, groups, fields, forms, macros, statuses,
        brands, locales, dynamic content): ``reference`` or ``northwind``."""
        account_document(account, "account.json")  # an unknown name is refused before anything is forgotten
        with self._tx() as db:
            for table in ("meta", "resources", "users", "tickets", "comments", "audits", "jobs", "forge_namespaces",
                          "provisions", "satisfaction_ratings"):
                db.execute(f"DELETE FROM {table}")
            self._load_reference(db, account)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('forges', 'yes')")

    def load(self, document: dict[str, Any]) -> None:
        """Load ``{"users": [...], "tickets": [...], "forges": {...}}``: users and tickets in Zendesk's
        shape, keeping the given ids; forge namespaces as :mod:`commops.sandbox.forgedata` describes
        (a namespace already there is replaced)."""
        if not isinstance(document, dict):
            raise invalid("document", "expected an object with users and tickets")
        forges = normalise_forges(document["forges"]) if document.get("forges") is not None else []
        with self._tx() as db:
            self._put_forges(db, forges, replace=True)
            for user in document.get("users") or []:
                if (not isinstance(user, dict) or not isinstance(user.get("id"), int) or not _fits(user["id"])
                        or not user.get("email")):
                    raise invalid("users", f"a user needs an integer id and an email: {user!r}")
                self._put_user(db, _user_doc(user, self.clock()))
        for ticket in document.get("tickets") or []:
            self._load_ticket(ticket)

    def _load_ticket(self, ticket: Any) -> None:
        if not isinstance(ticket, dict) or not isinstance(ticket.get("id"), int) or not _fits(ticket["id"]):
            raise invalid("tickets", f"a ticket needs an integer id: {ticket!r}")
        data = {k: v for k, v in ticket.items() if k in ("subject", "description", "comment", "requester_id",
                                                          "requester", "assignee_id", "group_id", "tags",
                                                          "custom_fields", "fields", "ticket_form_id",
                                                          "priority", "type", "external_id")}
        if data.get("custom_fields") is not None and data.get("fields") is not None:
            data.pop("fields")
        if "custom_fields" in data:
            data["custom_fields"] = [e for e in data["custom_fields"] if e.get("value") is not None]
        requester = data.get("requester_id") or 0
        created = _stamp(ticket, "created_at")
        with self._lock:
            for table, column in (("tickets", "id"), ("comments", "ticket_id"), ("audits", "ticket_id")):
                self._conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (ticket["id"],))
        self.create_ticket(data, int(requester), created_at=created, ticket_id=ticket["id"])
        status = ticket.get("status")
        if status and status != "new":
            with self._tx() as db:
                doc = self._doc(db, ticket["id"])
                doc["status"] = _check_status(status)
                updated = _stamp(ticket, "updated_at")
                if updated is not None:
                    doc["updated_at"] = iso(updated)
                db.execute("UPDATE tickets SET doc = ? WHERE id = ?", (json.dumps(doc), ticket["id"]))

    def seed(self, applications: int, seed: int, now: float | None = None) -> list[int]:
        """Generate ``applications`` realistic tickets (see :mod:`commops.sandbox.seed`); return their ids."""
        from commops.sandbox.seed import generate

        document = generate(applications, seed, now=self.clock() if now is None else now,
                            first_user_id=self._first_free_user_id(), account=self.account(),
                            seeding=self.profile().get("seeding") or {})
        ids: list[int] = []
        with self._tx() as db:  # one transaction: thousands of tickets in a second or two
            self._put_forges(db, normalise_forges(document["forges"]), replace=False)
            for user in document["users"]:
                if not db.execute("SELECT 1 FROM users WHERE email = ?", (user["email"].lower(),)).fetchone():
                    self._put_user(db, _user_doc({**user, "role": "end-user"}, self.clock()))
            for ticket in document["tickets"]:
                email = ticket.pop("requester_email").lower()
                requester = int(db.execute("SELECT id FROM users WHERE email = ? ORDER BY id LIMIT 1",
                                           (email,)).fetchone()[0])
                ticket["requester_id"] = requester
                created = ticket.pop("created_ts")
                comment = {**ticket.pop("comment"), "author_id": requester}
                made = self._insert(db, ticket, comment, None, requester, created, None)
                ids.append(int(made["id"]))
        return ids

    # ----- satisfaction ratings (commops.sandbox.satisfaction) -----------------------------------------

    def rated_ticket_ids(self) -> set[int]:
        with self._lock:
            return {int(r[0]) for r in self._conn.execute("SELECT ticket_id FROM satisfaction_ratings")}

    def add_ratings(self, tickets: list[dict[str, Any]],
                    make: Callable[[dict[str, Any], int], dict[str, Any]]) -> int:
        """A rating per ticket that has none: ``make(ticket, rating_id)`` is its document. How many were added."""
        added = 0
        with self._tx() as db:
            for ticket in tickets:
                cursor = db.execute("INSERT OR IGNORE INTO satisfaction_ratings (ticket_id, doc) VALUES (?, '{}')",
                                    (int(ticket["id"]),))
                if cursor.rowcount:
                    rating_id = int(cursor.lastrowid or 0)
                    db.execute("UPDATE satisfaction_ratings SET doc = ? WHERE id = ?",
                               (json.dumps(make(ticket, rating_id)), rating_id))
                    added += 1
        return added

    def rating_docs(self) -> list[dict[str, Any]]:
        """Every satisfaction rating, by id."""
        with self._lock:
            rows = self._conn.execute("SELECT doc FROM satisfaction_ratings ORDER BY id").fetchall()
        return [json.loads(r[0]) for r in rows]

    # ----- forge namespaces (the emulated GitHub and GitLab) -----------------------------------------------

    def _put_forges(self, db: sqlite3.Connection, namespaces: list[tuple[str, str, NamespaceDoc]], *,
                    replace: bool) -> None:
        """Save namespaces, numbering each namespace, GitLab subgroup and project from one counter."""
        db.execute("INSERT OR REPLACE INTO meta VALUES ('forges', 'yes')")
        if not namespaces:
            return
        row = db.execute("SELECT value FROM meta WHERE key = 'next_forge_id'").fetchone()
        next_id = int(row[0]) if row else FIRST_FORGE_ID
        for forge, path, doc in namespaces:
            key = path.lower()
            if not replace and db.execute("SELECT 1 FROM forge_namespaces WHERE forge = ? AND key = ?",
                                          (forge, key)).fetchone():
                continue
            doc = {**doc, "id": next_id}
            next_id += 1
            if forge == "gitlab" and doc["kind"] == "group":
                doc["subgroups"] = []
                for sub in subgroup_paths(doc):
                    doc["subgroups"].append({"path": sub, "id": next_id})
                    next_id += 1
            for project in doc["projects"]:
                project["id"] = next_id
                next_id += 1
            db.execute("INSERT OR REPLACE INTO forge_namespaces VALUES (?, ?, ?, ?)",
                       (forge, key, doc["id"], json.dumps(doc)))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('next_forge_id', ?)", (str(next_id),))

    def forge_index(self) -> ForgeIndex:
        """Every forge namespace, indexed for the emulated endpoints (rebuilt after any change)."""
        def build() -> ForgeIndex:
            rows = self._conn.execute("SELECT forge, doc FROM forge_namespaces ORDER BY id").fetchall()
            return ForgeIndex.build((str(forge), json.loads(doc)) for forge, doc in rows)

        index: ForgeIndex = self._cached("forges", build)
        return index

    def backfill_forges(self, seed: int) -> bool:
        """Give a sandbox saved before forges were emulated the seeded stories of its tickets' namespaces;
        True when it did (a sandbox that has had forge data, even none, is left alone)."""
        with self._lock:
            if self._conn.execute("SELECT 1 FROM meta WHERE key = 'forges'").fetchone():
                return False
        keys = {str(f.get("key")): fid for fid, f in self.account().fields.items()}
        url_field, licence_field = keys.get("namespace_url"), keys.get("license")
        pairs: list[tuple[str, str | None]] = []
        for _seq, doc in self.ticket_docs():
            values = {e.get("id"): e.get("value") for e in doc.get("custom_fields") or []}
            url = values.get(url_field)
            if isinstance(url, str) and url.strip():
                licence = values.get(licence_field)
                pairs.append((url, licence if isinstance(licence, str) else None))
        with self._tx() as db:
            self._put_forges(db, normalise_forges(seeded_forges(pairs, seed)), replace=False)
        return True

    def _first_free_user_id(self) -> int:
        with self._lock:
            return self._next_user_id(self._conn)

    def counts(self) -> dict[tuple[str, str], int]:
        """Tickets by (form name or "(no form)", status)."""
        forms = {fid: str(f["name"]) for fid, f in self.account().forms.items()}
        out: dict[tuple[str, str], int] = {}
        for _seq, doc in self.ticket_docs():
            key = (forms.get(doc.get("ticket_form_id") or 0, "(no form)"), str(doc.get("status")))
            out[key] = out.get(key, 0) + 1
        return out

    # ----- the loopback provisioning receiver ---------------------------------------------------------

    def provision_delivery(self, key: str) -> int:
        """Count one delivery of ``key``; how many there have been."""
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO provisions(key) VALUES (?)", (key,))
            db.execute("UPDATE provisions SET deliveries = deliveries + 1 WHERE key = ?", (key,))
            return int(db.execute("SELECT deliveries FROM provisions WHERE key = ?", (key,)).fetchone()[0])

    def provision_effect(self, key: str, payload: dict[str, Any]) -> tuple[str, bool]:
        """The subscription of ``key``: created once (True), the same id on every repeat (False)."""
        with self._tx() as db:
            row = db.execute("SELECT subscription_id FROM provisions WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0]:
                return str(row[0]), False
            number = int(db.execute("SELECT COUNT(*) FROM provisions WHERE subscription_id IS NOT NULL")
                         .fetchone()[0]) + 1
            subscription = f"SUB-{number:06d}"
            db.execute("INSERT OR IGNORE INTO provisions(key) VALUES (?)", (key,))
            db.execute("UPDATE provisions SET subscription_id = ?, effects = effects + 1, payload = ? WHERE key = ?",
                       (subscription, json.dumps(payload), key))
            return subscription, True

    def provisions(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, deliveries, effects, subscription_id, payload FROM provisions ORDER BY key").fetchall()
        return [{"key": r[0], "deliveries": r[1], "effects": r[2], "subscription_id": r[3],
                 "payload": json.loads(r[4]) if r[4] else None} for r in rows]

    # ----- jobs ---------------------------------------------------------------------------------------

    def save_job(self, job: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO jobs(id, created, doc, status) VALUES (?, ?, ?, ?)",
                       (job["id"], job["created"], json.dumps(job), job["status"]))

    def job(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def jobs(self, status: tuple[str, ...]) -> list[dict[str, Any]]:
        """The jobs in ``status``, oldest first. Selected by the indexed status column: the server asks for
        the queued ones on every request, and decoding every finished job each time made requests slower
        the more jobs the account had run."""
        marks = ",".join("?" * len(status))
        with self._lock:
            rows = self._conn.execute(f"SELECT doc FROM jobs WHERE status IN ({marks}) ORDER BY created",
                                      status).fetchall()
        return [json.loads(r[0]) for r in rows]


def _add_job_status(db: sqlite3.Connection) -> None:
    """A sandbox file from before the status column gets it, filled from each job's document."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    if "status" not in columns:
        db.execute("ALTER TABLE jobs ADD COLUMN status TEXT")
        db.execute("UPDATE jobs SET status = json_extract(doc, '$.status')")
    db.execute("CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created)")


def _stamp(ticket: dict[str, Any], key: str) -> float | None:
    """A loaded ticket's ISO 8601 time, or a 422 naming the ticket and the field."""
    raw = ticket.get(key)
    if not raw:
        return None
    try:
        return parse_iso(str(raw))
    except (ValueError, OverflowError, OSError):
        raise invalid(key, f"ticket {ticket.get('id')}: {raw!r} is not an ISO 8601 time") from None


def _fits(number: int) -> bool:
    """SQLite integers are 64-bit; anything bigger names no record."""
    return -(2**63) <= number < 2**63


def _check_status(status: Any) -> str:
    from commops.sandbox.search import STATUS_ORDER

    if status not in STATUS_ORDER:
        raise invalid("status", f"{status!r} is not a ticket status")
    return str(status)


def _view_doc(view: dict[str, Any], now: float) -> dict[str, Any]:
    """A view with every key Zendesk sends for one."""
    defaults: dict[str, Any] = {
        "raw_title": view["title"], "default": False, "description": None, "restriction": None,
        "created_at": iso(now), "updated_at": iso(now),
        "execution": {"group_by": None, "group_order": "asc", "sort_by": "created_at", "sort_order": "asc",
                      "columns": [{"id": "subject", "title": "Subject"}, {"id": "requester", "title": "Requester"},
                                  {"id": "created", "title": "Requested"}]},
    }
    for key, value in defaults.items():
        view.setdefault(key, value)
    return view


def _via() -> dict[str, Any]:
    return {"channel": "api", "source": {"from": {}, "rel": None, "to": {}}}


def _user_doc(user: dict[str, Any], now: float) -> dict[str, Any]:
    """A user with every key Zendesk sends for one."""
    stamp = iso(now)
    doc: dict[str, Any] = {
        "active": True, "alias": "", "created_at": stamp, "custom_role_id": None, "default_group_id": None,
        "details": "", "email": None, "external_id": None, "iana_time_zone": "Etc/UTC", "id": None,
        "last_login_at": None, "locale": "en-US", "locale_id": 1, "moderator": False, "name": None,
        "notes": "", "only_private_comments": False, "organization_id": None, "phone": None, "photo": None,
        "report_csv": False, "restricted_agent": False, "role": "end-user", "role_type": None,
        "shared": False, "shared_agent": False, "shared_phone_number": None, "signature": None,
        "suspended": False, "tags": [], "ticket_restriction": "requested", "time_zone": "UTC",
        "two_factor_auth_enabled": None, "updated_at": stamp, "url": None, "user_fields": {},
        "verified": True,
    }
    doc.update({k: v for k, v in user.items() if k in doc})
    if doc["role"] in ("agent", "admin"):
        doc["ticket_restriction"] = None
        doc["moderator"] = True
    return doc
