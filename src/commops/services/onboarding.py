"""Onboarding from the account: the config mapping `commops init --from-account` proposes.

The account is read once (:class:`AccountSnapshot`: fields, forms, macros, custom statuses, settings,
brands, groups); the rules say what they need (:class:`Wanted`: the field keys they read and the values
they compare, the programs, the macros per program and outcome). Matching is by what an admin would
recognise, in this order of trust:

- a field: its ``key`` equal to the rules' key; else the words of its title (and key) against the key's
  words; a drop-down offering the values the rules compare counts double; the type must fit how the rules
  read it (a flag is a checkbox, a count a number). The program field is the drop-down whose options name
  the programs.
- a program's form: the form carrying the fields only that program's rules read, and the words of its name.
- a macro: its exact title; else the same program (the title's category against the program's words),
  the same verb (approve ~ qualify, request ~ ask, decline ~ reject, route ~ escalate) and the topic words.
- a custom status: only for an outcome whose macros set a bare ``status`` (Zendesk would move the ticket
  to the category's default status): the active status of that category whose label says the outcome.

A match that is not clearly better than the next is a :class:`Question`; the command asks it, or takes the
suggestion with ``--yes``. Pure: the CLI reads the account and writes the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, Field

from commops.errors import ConfigError
from commops.rules import RuleSet

__all__ = [
    "MARKER_FIELDS",
    "AccountMapping",
    "AccountSnapshot",
    "AccountSource",
    "Onboarding",
    "Question",
    "Wanted",
    "marker_field_specs",
    "onboard",
    "propose",
    "render_config",
    "wanted_from",
    "words",
]

OUTCOMES = ("qualify", "reject", "ask", "escalate")
MARKER_FIELDS = ("decision", "ruleset")
_CATEGORY = {"qualify": ("solved",), "reject": ("solved",), "ask": ("pending",), "escalate": ("open", "hold")}
_VERBS = {
    "qualify": {"qualified", "qualify", "approve", "approved", "accept", "accepted", "grant", "granted", "welcome"},
    "ask": {"ask", "request", "requested", "need", "missing", "info"},
    "reject": {"reject", "rejected", "decline", "declined", "deny", "denied", "refuse"},
    "escalate": {"escalate", "escalation", "route", "routed", "handoff", "hand", "forward", "transfer"},
}
_STATUS_WORDS = {
    "qualify": {"approv", "qualif", "accept", "grant", "welcom"},
    "reject": {"declin", "reject", "deni", "refus"},
    "ask": {"await", "applicant", "info", "waiting", "reply"},
    "escalate": {"review", "escalat", "complian", "handoff"},
}
_SAME = {"licence": "license", "licences": "license", "programme": "program", "organisation": "organization",
         "repo": "repository"}
_STOP = {"and", "or", "the", "a", "an", "of", "to", "for", "in", "on", "by", "is", "id", "nw", "your", "s"}
_NUMERIC_READS = {"count", "amount"}
_CUSTOM_TYPES = {"text", "textarea", "tagger", "checkbox", "integer", "decimal", "date", "regexp", "multiselect"}


class AccountSnapshot(BaseModel):
    """What commops reads of an account to map it (and what ``rules lint`` checks drop-downs against)."""

    url: str
    account_id: str = ""
    taken_at: str = ""
    fields: list[dict[str, Any]] = Field(default_factory=list)
    forms: list[dict[str, Any]] = Field(default_factory=list)
    macros: list[dict[str, Any]] = Field(default_factory=list)
    statuses: list[dict[str, Any]] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    brands: list[dict[str, Any]] = Field(default_factory=list)
    groups: list[dict[str, Any]] = Field(default_factory=list)

    def field(self, field_id: int) -> dict[str, Any] | None:
        return next((f for f in self.fields if f.get("id") == field_id), None)

    def custom_fields(self) -> list[dict[str, Any]]:
        return [f for f in self.fields if f.get("type") in _CUSTOM_TYPES and f.get("active", True)]


@dataclass
class Wanted:
    """What the rules and the packaged config need mapped."""

    field_keys: list[str]  # in the order the config lists them
    programs: list[str]
    compared: dict[str, set[Any]] = field(default_factory=dict)  # field key → values the rules compare
    reads: dict[str, str] = field(default_factory=dict)  # field key → how the rules read it (flag, count, ...)
    fields_by_program: dict[str, set[str]] = field(default_factory=dict)  # program → field keys its rules read
    macro_uses: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)  # name → (programs, outcomes)
    renewal_macro: str = ""
    program_key: str = "program"
    application_type_key: str = "application_type"
    marker_keys: tuple[str, str] = ("commops_decision", "commops_ruleset")


@dataclass
class Question:
    """An ambiguous match: ``choices`` best first; ``chosen`` is the suggestion (or the answer)."""

    topic: str  # "field country", "macro EDU::Reject - students", "form of education"
    choices: list[tuple[str, Any]]  # (label, value)
    chosen: Any = None


@dataclass
class AccountMapping:
    """The proposal: config sections and what could not be matched."""

    fields: dict[str, int] = field(default_factory=dict)
    field_titles: dict[int, str] = field(default_factory=dict)
    programs: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)  # (form id, program value)
    application_types: dict[str, str] = field(default_factory=dict)
    macros: dict[str, str] = field(default_factory=dict)  # only names the account spells otherwise
    renewal_macro: str | None = None
    statuses: dict[str, str] = field(default_factory=dict)
    missing_fields: list[str] = field(default_factory=list)
    missing_markers: list[str] = field(default_factory=list)
    missing_macros: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

    def queue(self) -> tuple[str, list[str]]:
        """``[queue] query`` (the programs' forms by id) and ``also`` (tickets on no program form whose
        program field names a program)."""
        forms = [f"form:{fid}" for fid, _v in self.programs.values() if fid is not None]
        query = " ".join(["type:ticket status<solved", *forms])
        program_field = self.fields.get("program")
        values = [v for _f, v in self.programs.values() if v]
        if program_field is None or not values:
            return query, []
        not_forms = [f"-form:{fid}" for fid, _v in self.programs.values() if fid is not None]
        terms = [f"custom_field_{program_field}:{v}" for v in values]
        return query, [" ".join(["type:ticket status<solved", *not_forms, *terms])]


def words(text: Any) -> set[str]:
    """The meaningful words of a title or key: lower case, British and American spellings alike, plurals
    and -ing folded."""
    out: set[str] = set()
    lowered = str(text or "").lower()
    joined = [m.replace("-", "") for m in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", lowered)]  # non-profit
    for raw in [*re.split(r"[^a-z0-9]+", lowered), *joined]:
        word = _SAME.get(raw, raw)
        if not word or word in _STOP:
            continue
        for suffix in ("ing", "s"):
            if word.endswith(suffix) and len(word) > len(suffix) + 3:
                word = word[: -len(suffix)]
                break
        out.add(word)
    return out


def _overlap(wanted: set[str], offered: set[str]) -> float:
    return len(wanted & offered) / len(wanted) if wanted else 0.0


def _options(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [o for o in definition.get("custom_field_options") or [] if isinstance(o, dict)]


def _type_fits(read: str | None, kind: str) -> bool:
    if read == "flag":
        return kind in ("checkbox", "tagger", "text")
    if read in _NUMERIC_READS:
        return kind in ("integer", "decimal", "text")
    return kind != "checkbox"


def _field_score(key: str, definition: Mapping[str, Any], wanted: Wanted) -> float:
    kind = str(definition.get("type"))
    if not _type_fits(wanted.reads.get(key), kind):
        return 0.0
    if definition.get("key") == key:
        return 100.0
    need = words(key)
    score = 10 * max(_overlap(need, words(definition.get("title"))), _overlap(need, words(definition.get("key"))))
    compared = {str(v).casefold() for v in wanted.compared.get(key, set())}
    offered = {str(o.get("value")).casefold() for o in _options(definition)}
    if compared and offered:
        score += 20 * len(compared & offered) / len(compared)
    return score if score >= 5 else 0.0


def _program_score(definition: Mapping[str, Any], programs: Sequence[str]) -> tuple[float, dict[str, str]]:
    """How well a drop-down names the programs, and each program's option value."""
    if definition.get("type") != "tagger":
        return 0.0, {}
    values: dict[str, str] = {}
    for program in programs:
        best, best_value = 0.0, None
        for option in _options(definition):
            score = _overlap(words(program), words(option.get("name")) | words(option.get("value")))
            if score > best:
                best, best_value = score, str(option.get("value"))
        if best_value is not None and best >= 0.5:
            values[program] = best_value
    return (30.0 * len(values) if len(values) >= 2 else 0.0), values


def _assign(scores: dict[str, list[tuple[float, int]]], taken: set[int], mapping: AccountMapping,
            titles: Mapping[int, str]) -> None:
    """Greedy by score; a key whose two best candidates are close is asked about."""
    pairs = sorted(((s, k, fid) for k, cands in scores.items() for s, fid in cands), reverse=True)
    for score, key, fid in pairs:
        if key in mapping.fields or fid in taken:
            continue
        mapping.fields[key] = fid
        taken.add(fid)
        rest = [(s, f) for s, f in scores[key] if f != fid and f not in taken and s >= 0.8 * score and s < 100]
        if rest and score < 100:
            choices = [(f"{titles[fid]} ({fid})", fid), *((f"{titles[f]} ({f})", f) for _s, f in rest)]
            mapping.questions.append(Question(f"field {key}", choices, fid))


def _match_fields(account: AccountSnapshot, wanted: Wanted, mapping: AccountMapping) -> dict[str, str]:
    customs = account.custom_fields()
    titles = {int(f["id"]): str(f.get("title")) for f in customs}
    mapping.field_titles.update(titles)
    taken: set[int] = set()
    program_values: dict[str, str] = {}
    best = max(((*_program_score(f, wanted.programs), int(f["id"])) for f in customs),
               key=lambda t: t[0], default=(0.0, {}, 0))
    if best[0] > 0:
        mapping.fields[wanted.program_key] = best[2]
        taken.add(best[2])
        program_values = best[1]
    markers = set(wanted.marker_keys)
    scores: dict[str, list[tuple[float, int]]] = {}
    for key in wanted.field_keys:
        if key in mapping.fields:
            continue
        if key in markers:  # commops' own fields: by key only, never a look-alike of the account's
            found = next((int(f["id"]) for f in customs if f.get("key") == key), None)
            if found is not None:
                mapping.fields[key] = found
                taken.add(found)
            continue
        scores[key] = sorted(((s, int(f["id"])) for f in customs if (s := _field_score(key, f, wanted)) > 0),
                             reverse=True)
    _assign(scores, taken, mapping, titles)
    mapping.missing_fields = [k for k in wanted.field_keys if k not in mapping.fields and k not in markers]
    mapping.missing_markers = [k for k in wanted.marker_keys if k not in mapping.fields]
    return program_values


def _application_types(account: AccountSnapshot, wanted: Wanted, mapping: AccountMapping) -> None:
    field_id = mapping.fields.get(wanted.application_type_key)
    definition = account.field(field_id) if field_id is not None else None
    for option in _options(definition or {}):
        text = words(option.get("name")) | words(option.get("value"))
        mapping.application_types[str(option.get("value"))] = "renewal" if any(
            w.startswith("renew") for w in text) else "new"


def _match_forms(account: AccountSnapshot, wanted: Wanted, mapping: AccountMapping, values: Mapping[str, str]) -> None:
    program_field = account.field(mapping.fields.get(wanted.program_key, 0)) or {}
    option_words = {str(o.get("value")): words(o.get("name")) for o in _options(program_field)}
    own: dict[str, set[int]] = {}
    for program in wanted.programs:
        others = set().union(*(wanted.fields_by_program.get(p, set()) for p in wanted.programs if p != program))
        keys = wanted.fields_by_program.get(program, set()) - others
        own[program] = {mapping.fields[k] for k in keys if k in mapping.fields}
    forms = [f for f in account.forms if f.get("active", True)]
    taken: set[int] = set()
    for program in wanted.programs:
        names = words(program) | option_words.get(values.get(program, ""), set())
        scored = []
        for form in forms:
            carried = own[program] & set(form.get("ticket_field_ids") or [])
            score = 10 * _overlap(names, words(form.get("name"))) + (
                10 * len(carried) / len(own[program]) if own[program] else 0)
            if score > 0 and int(form["id"]) not in taken:
                scored.append((score, int(form["id"]), str(form.get("name"))))
        scored.sort(reverse=True)
        form_id = scored[0][1] if scored else None
        if form_id is not None:
            taken.add(form_id)
            close = [s for s in scored[1:] if s[0] >= 0.8 * scored[0][0]]
            if close:
                mapping.questions.append(Question(f"form of {program}", [
                    (f"{name} ({fid})", fid) for _s, fid, name in [scored[0], *close]], form_id))
        mapping.programs[program] = (form_id, values.get(program))


def _split_title(title: str) -> tuple[set[str], set[str], set[str]]:
    """(category, verb, topic) words of ``Category::Verb - topic`` (any part may be missing)."""
    category, _sep, rest = title.rpartition("::")
    verb, dash, topic = rest.partition(" - ")
    if not dash:
        verb, topic = "", rest
    return words(category), words(verb), words(topic)


def _program_words(program: str, mapping: AccountMapping, account: AccountSnapshot) -> set[str]:
    form_id, value = mapping.programs.get(program, (None, None))
    form = next((f for f in account.forms if f.get("id") == form_id), {})
    program_field = account.field(mapping.fields.get("program", 0)) or {}
    option = next((o for o in _options(program_field) if o.get("value") == value), {})
    generic = {"application", "request", "program", "license", "form"}
    return (words(program) | words(form.get("name")) | words(option.get("name"))) - generic


def _macro_score(name: str, uses: tuple[set[str], set[str]], macro: Mapping[str, Any],
                 program_words: Mapping[str, set[str]]) -> float:
    category, verb, topic = _split_title(name)
    their_category, their_verb, their_topic = _split_title(str(macro.get("title")))
    programs, outcomes = uses
    score = 0.0
    matches = {p for p, w in program_words.items() if their_category & w}
    if len(programs) == 1:
        score += 3 if programs & matches else -3
    elif programs:
        score += 3 if not matches else -3
    if category and category == their_category:
        score += 3
    groups = {o for o, vocabulary in _VERBS.items() if vocabulary & (their_verb or their_topic)}
    mine = {o for o, vocabulary in _VERBS.items() if vocabulary & verb} or outcomes
    score += 3 if groups & mine else (-2 if groups else 0)
    score += 4 * _overlap(topic, their_topic) if topic else 0
    return score


def _match_macros(account: AccountSnapshot, wanted: Wanted, mapping: AccountMapping) -> None:
    macros = [m for m in account.macros if m.get("active", True)]
    titles = {str(m.get("title")) for m in macros}
    program_words = {p: _program_words(p, mapping, account) for p in wanted.programs}
    uses = dict(wanted.macro_uses)
    if wanted.renewal_macro:
        uses.setdefault(wanted.renewal_macro, (set(wanted.programs), {"renewal"}))
    for name, use in sorted(uses.items()):
        if name in titles:
            if name == wanted.renewal_macro:
                mapping.renewal_macro = name
            continue
        scored = sorted(((_macro_score(name, use, m, program_words), str(m.get("title"))) for m in macros),
                        reverse=True)
        scored = [s for s in scored if s[0] >= 4]
        if not scored:
            mapping.missing_macros.append(name)
            continue
        chosen = scored[0][1]
        close = [t for s, t in scored[1:] if s >= scored[0][0] - 0.5]
        if close:
            mapping.questions.append(Question(f"macro {name}", [(t, t) for t in [chosen, *close]], chosen))
        if name == wanted.renewal_macro:
            mapping.renewal_macro = chosen
        if name in wanted.macro_uses:
            mapping.macros[name] = chosen


def _match_statuses(account: AccountSnapshot, wanted: Wanted, mapping: AccountMapping) -> None:
    by_title = {str(m.get("title")): m for m in account.macros}
    statuses = [s for s in account.statuses if s.get("active", True)]
    for outcome in OUTCOMES:
        names = [n for n, (_p, outcomes) in wanted.macro_uses.items() if outcome in outcomes]
        macros = [by_title.get(mapping.macros.get(n, n)) for n in names]
        bare = {str(a.get("value")) for m in macros if m for a in m.get("actions") or [] if a.get("field") == "status"}
        if not bare:
            continue  # the macros set a custom status themselves (or no status): nothing to map
        categories = bare & set(_CATEGORY[outcome]) or set(_CATEGORY[outcome])
        for status in statuses:
            label = str(status.get("agent_label") or "").lower()
            if status.get("status_category") in categories and any(w in label for w in _STATUS_WORDS[outcome]):
                mapping.statuses[outcome] = str(status.get("agent_label"))
                break


def propose(account: AccountSnapshot, wanted: Wanted) -> AccountMapping:
    """The config mapping for ``account``; see the module docstring for how each part is matched."""
    mapping = AccountMapping()
    values = _match_fields(account, wanted, mapping)
    _application_types(account, wanted, mapping)
    _match_forms(account, wanted, mapping, values)
    _match_macros(account, wanted, mapping)
    _match_statuses(account, wanted, mapping)
    return mapping


def marker_field_specs(decision_key: str, ruleset_key: str, outcomes: Iterable[str] = OUTCOMES
                       ) -> list[dict[str, Any]]:
    """commops' own fields as ``POST /ticket_fields`` bodies: agent-only (not visible or editable in the
    help centre), not required, the decision a drop-down of ``commops_<outcome>``."""
    agent_only = {"visible_in_portal": False, "editable_in_portal": False, "required": False,
                  "required_in_portal": False, "active": True}
    return [
        {"type": "tagger", "title": "commops decision", "key": decision_key, **agent_only,
         "description": "Written by commops with each decision it posts (do not edit).",
         "custom_field_options": [{"name": f"commops {o}", "value": f"commops_{o}"} for o in outcomes]},
        {"type": "text", "title": "commops ruleset", "key": ruleset_key, **agent_only,
         "description": "The ruleset version and write id of commops' last decision (do not edit)."},
    ]


def render_config(mapping: AccountMapping, base_text: str, *, url: str, account_id: str, taken_at: str,
                  api_tokens: bool | None = None) -> str:
    """The packaged starter config (``base_text``) with the account's mapping in place, commented."""
    import tomlkit
    from tomlkit.items import Table

    document = tomlkit.parse(base_text)
    header = [f" Mapped from {url or 'the embedded sandbox'} ({account_id or 'account id unknown'}) by "
              "`commops init --from-account`",
              f" on {taken_at}. Check it with `commops doctor`, then try `commops triage` (a dry run)."]
    if api_tokens is False:
        header.append(" This account refuses API tokens: authenticate with OAuth (docs/configuration.md).")
    body = document.body
    document = tomlkit.document()
    for line in header:
        document.add(tomlkit.comment(line))
    document.add(tomlkit.nl())
    started = False  # the starter's own opening comment speaks of the reference account: left out
    for name, item in body:
        if name is None and not started:
            continue
        started = True
        if name is None:
            document.add(item)  # type: ignore[arg-type]
        else:
            document.add(name, item)

    zendesk = document["zendesk"]
    assert isinstance(zendesk, Table)
    zendesk["url"] = url

    query, also = mapping.queue()
    queue = document["queue"]
    assert isinstance(queue, Table)
    queue["query"] = query
    queue["also"] = also

    fields = tomlkit.table()
    fields.add(tomlkit.comment("field key (used by the rules) = the account's custom field id (its title)"))
    for key, fid in mapping.fields.items():
        fields[key] = fid
        fields[key].comment(mapping.field_titles.get(fid, ""))
    document["fields"] = fields

    types = tomlkit.table()
    types.add(tomlkit.comment('value of the application type field = "new" | "renewal"'))
    for value, kind in mapping.application_types.items():
        types[value] = kind
    document["application_types"] = types

    statuses = tomlkit.table()
    statuses.add(tomlkit.comment("outcome = the custom status its macros' bare `status` action should land in"))
    for outcome, label in mapping.statuses.items():
        statuses[outcome] = label
    document["statuses"] = statuses

    macros = tomlkit.table()
    macros.add(tomlkit.comment("a macro the rules name = the account's macro title"))
    for rule_macro, title in sorted(mapping.macros.items()):
        macros[rule_macro] = title
    document["macros"] = macros

    programs = document["programs"]
    assert isinstance(programs, Table)
    for program, (form_id, option) in mapping.programs.items():
        section = programs.get(program)
        if not isinstance(section, Table):
            section = tomlkit.table()
            programs[program] = section
        if form_id is not None:
            section["form_id"] = form_id
        if option is not None:
            section["program_value"] = option
    if mapping.renewal_macro:
        renewals = document["renewals"]
        assert isinstance(renewals, Table)
        renewals["macro"] = mapping.renewal_macro
    return tomlkit.dumps(document)


class AccountSource(Protocol):
    """The account as onboarding reads it (the gateway implements it)."""

    def account_snapshot(self) -> dict[str, Any]: ...

    def create_ticket_field(self, field: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class Onboarding:
    """What `init --from-account` did: the snapshot read, the mapping, the fields it created, the config."""

    snapshot: AccountSnapshot
    mapping: AccountMapping
    created: list[dict[str, Any]]
    text: str


def wanted_from(ruleset: RuleSet, *, field_keys: Sequence[str], programs: Sequence[str], renewal_macro: str,
                marker_keys: tuple[str, str]) -> Wanted:
    """What the rules need mapped, from the loaded rules and the config's key lists."""
    def key(path: str) -> str | None:
        return path.removeprefix("fields.") if path.startswith("fields.") else None

    compared = {k: v for p, v in ruleset.compared_values().items() if (k := key(p))}
    reads = {k: kind for p, kind in ruleset.reads.items() if (k := key(p))}
    by_program = {p: {k for path in paths if (k := key(path))} for p, paths in ruleset.fields_by_program().items()}
    return Wanted(field_keys=list(field_keys), programs=list(programs), compared=compared, reads=reads,
                  fields_by_program=by_program, macro_uses=ruleset.macro_uses(), renewal_macro=renewal_macro,
                  marker_keys=marker_keys)


def _answer(mapping: AccountMapping, question: Question, value: Any, wanted: Wanted) -> None:
    kind, _sep, subject = question.topic.partition(" ")
    if kind == "field":
        mapping.fields[subject] = int(value)
    elif kind == "form":
        program = subject.removeprefix("of ")
        mapping.programs[program] = (int(value), mapping.programs.get(program, (None, None))[1])
    elif kind == "macro":
        if subject == wanted.renewal_macro:
            mapping.renewal_macro = str(value)
        if subject in wanted.macro_uses:
            mapping.macros[subject] = str(value)
    question.chosen = value


def onboard(source: AccountSource, wanted: Wanted, *, base_text: str, taken_at: str, config_url: str,
            create_fields: bool = False, ask: Callable[[Question], Any] | None = None) -> Onboarding:
    """Read the account, propose the mapping (``ask`` settles each ambiguity; None takes the suggestion),
    create commops' marker fields when asked to, and render the config (``config_url``: the account URL it
names; empty for the embedded sandbox). A field the rules read that the
    account does not have, or missing marker fields without ``create_fields``, is a ConfigError: a config
    that cannot load is never written."""
    snapshot = AccountSnapshot.model_validate(source.account_snapshot())
    mapping = propose(snapshot, wanted)
    for question in mapping.questions:
        _answer(mapping, question, ask(question) if ask is not None else question.chosen, wanted)
    problems = [f"no field for {key!r} (the rules read it)" for key in mapping.missing_fields]
    problems += [f"no macro for {name!r}" for name in mapping.missing_macros]
    problems += [f"no form for the {program} program" for program, (fid, _v) in mapping.programs.items()
                 if fid is None]
    if problems:
        raise ConfigError(f"{snapshot.url} cannot be mapped as it is: {'; '.join(problems)}",
                          hint="add them in Admin Center (or map them by hand in the config) and run again")
    created: list[dict[str, Any]] = []
    if mapping.missing_markers:
        if not create_fields:
            raise ConfigError(
                f"{snapshot.url} has no {' and '.join(mapping.missing_markers)} field: commops marks each "
                "decision on the ticket with them, so that none is ever posted twice",
                hint="run again with --create-fields (an admin's credentials) to create them")
        decision_key, ruleset_key = wanted.marker_keys
        for spec in marker_field_specs(decision_key, ruleset_key):
            if spec["key"] in mapping.missing_markers:
                made = source.create_ticket_field(spec)
                created.append(made)
                snapshot.fields.append(made)
                mapping.fields[str(spec["key"])] = int(made["id"])
                mapping.field_titles[int(made["id"])] = str(made.get("title"))
        mapping.missing_markers = []
    order = {key: n for n, key in enumerate(wanted.field_keys)}
    mapping.fields = dict(sorted(mapping.fields.items(), key=lambda kv: order.get(kv[0], len(order))))
    api = (snapshot.settings.get("api") or {}).get("api_token_access")
    text = render_config(mapping, base_text, url=config_url, account_id=snapshot.account_id, taken_at=taken_at,
                         api_tokens=api if isinstance(api, bool) else None)
    return Onboarding(snapshot, mapping, created, text)
