"""Security suite: every file of every dossier, for every role, scanned for personal data; the
name oracle by every caller (issue 13).

Three cases whose payer and other party carry names found nowhere else (an individual other
party, whose name is personal data too), with ID numbers and phones of their own:

- P: accepted by tax, handled by hrss;
- Q: accepted by tax, transferred to hrss and given back (hrss keeps it in reach, masked);
- R: accepted by hrss, not transferred.

Each role that may download a dossier downloads each case's; every member of the zip is read
(the PDF's text extracted, JSON opened so escaped characters count) and searched for the whole
ID number, phones and names of the case. Found where the contract says the role sees them masked:
a leak. Legal staff see everything whole: their dossiers must show the values, or the scan
proves nothing.

The oracle: a caller that sees a case masked (or not at all) searches by the payer's right name
and by a wrong one, in GraphQL and in the console; any difference is a bit learnt.
"""

from __future__ import annotations

import io
import json
import random
import re
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from faults.harness import Actor, Deployment, command_body, find_pii, new_phone, new_resident_id, registration
from faults.security import CALLERS, DOSSIER_ROLES, PII_SEARCH_ROLES

RARE = "璟琰珂翊骁懿芮瑾璇霖晞昀煜翎珣玹琤璠瑭晗"  # given names found in no template, word list or demo data


def rare_name(surname: str) -> str:
    return surname + "".join(random.sample(RARE, 2))


@dataclass
class Case:
    key: str
    accepting: str
    handling: str | None
    returned_by: str | None = None
    number: str = ""
    id_number: str = ""
    phone: str = ""
    name: str = ""
    other_name: str = ""
    other_contact: str = ""
    involved: set[str] = field(default_factory=set)

    def secrets(self) -> dict[str, str]:
        return {"ID number": self.id_number, "phone": self.phone, "name": self.name,
                "other party's name": self.other_name, "other party's phone": self.other_contact}


def may_read(actor: Actor, case: Case) -> bool:
    return actor.role in ("taskforce", "legal", "auditor") or (
        actor.role in ("clerk", "handler") and actor.unit in case.involved)


def may_unmask(actor: Actor, case: Case) -> bool:
    return actor.role == "legal" or (actor.role in ("clerk", "handler") and actor.unit in (case.accepting, case.handling))


def _post(dep: Deployment, actor: Actor, path: str, body: dict[str, Any]) -> dict[str, Any]:
    caller = dep.caller(actor.role, actor.unit, actor.subject)
    try:
        r = caller.post(path, body)
        assert r.status_code in (200, 201), r.text
        return dict(r.json())
    finally:
        caller.close()


def make_cases(dep: Deployment) -> list[Case]:
    cases = [Case("P", "tax", "hrss"), Case("Q", "tax", None, returned_by="hrss"), Case("R", "hrss", None)]
    for case in cases:
        clerk = Actor("clerk", case.accepting, f"ds-clerk-{case.accepting}")
        case.id_number, case.phone, case.other_contact = new_resident_id(), new_phone(), new_phone()
        case.name, case.other_name = rare_name("禤"), rare_name("蒯")
        body = registration(case.accepting, f"ds-{case.key}-{uuid.uuid4().hex[:8]}")
        body["payer"] = {"kind": "individual", "name": case.name, "id_number": case.id_number, "phone": case.phone}
        body["other_party"] = {"name": case.other_name, "kind": "individual", "contact": case.other_contact}
        case.number = str(_post(dep, clerk, "/api/v1/disputes", body)["case_number"])
        case.involved = {case.accepting}
        for unit in filter(None, (case.handling, case.returned_by)):
            _post(dep, clerk, f"/api/v1/disputes/{case.number}/transfer", {**command_body("transfer"), "to_unit": unit})
            case.involved.add(unit)
        if case.returned_by:
            handler = Actor("handler", case.returned_by, f"ds-handler-{case.returned_by}")
            _post(dep, handler, f"/api/v1/disputes/{case.number}/return", command_body("return"))
    return cases


# --- the dossier scan ----------------------------------------------------------------------------


def texts_of(name: str, data: bytes) -> str:
    """A member's text as a reader sees it: the PDF's extracted text without its line breaks, JSON
    opened (escaped characters as themselves) beside the raw bytes."""
    if name.endswith(".pdf"):
        from pypdf import PdfReader

        return "".join("".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)
    raw = data.decode("utf-8", errors="replace")
    opened: list[str] = []
    for chunk in raw.splitlines() if name.endswith(".jsonl") else [raw]:
        try:
            opened.append(json.dumps(json.loads(chunk), ensure_ascii=False))
        except ValueError:
            pass
    return raw + "\n" + "\n".join(opened)


@dataclass
class Scan:
    dossiers: int = 0
    files: int = 0
    bytes: int = 0
    refused: list[str] = field(default_factory=list)  # a download that should have worked
    leaks: list[str] = field(default_factory=list)
    whole_where_allowed: int = 0  # values legal (and own units) see: proves the scan can find them
    unknown: list[str] = field(default_factory=list)  # whole ID numbers / phones the suite never registered


def _scan_one(dep: Deployment, scan: Scan, actor: Actor, case: Case, registered: set[str]) -> None:
    headers = {"Authorization": f"Bearer {dep.token(actor)}", "X-Access-Reason": "security suite: dossier scan"}
    r = httpx.get(f"{dep.url}/api/v1/disputes/{case.number}/dossier", headers=headers, timeout=60)
    if not may_read(actor, case):
        if r.status_code != 404:
            scan.refused.append(f"{actor.label} on {case.key}: {r.status_code} (out of reach: 404)")
        return
    if r.status_code != 200:
        scan.refused.append(f"{actor.label} on {case.key}: {r.status_code}")
        return
    whole = may_unmask(actor, case)
    with zipfile.ZipFile(io.BytesIO(r.content)) as bundle:
        members = [(m.filename, bundle.read(m)) for m in bundle.infolist() if not m.is_dir()]
    scan.dossiers += 1
    for name, data in members:
        scan.files += 1
        scan.bytes += len(data)
        text = texts_of(name, data)
        for what, value in case.secrets().items():
            if value in text:
                if whole:
                    scan.whole_where_allowed += 1
                else:
                    scan.leaks.append(f"{actor.label}'s dossier of {case.key}: {name} holds the {what} whole")
        scan.unknown += [f"{actor.label} {case.key} {name}" for v in find_pii(text) if v not in registered]


def dossier_scan(dep: Deployment, cases: list[Case]) -> Scan:
    scan = Scan()
    registered = {v for c in cases for v in (c.id_number, c.phone, c.other_contact)}
    actors = [a for a in CALLERS if a.role in DOSSIER_ROLES]
    with ThreadPoolExecutor(max_workers=3) as pool:
        for f in [pool.submit(_scan_one, dep, scan, a, c, registered) for a in actors for c in cases]:
            f.result()
    return scan


# --- the name oracle -----------------------------------------------------------------------------


@dataclass
class Oracle:
    pairs: int = 0  # (caller, case) pairs where the caller may not see the payer whole
    requests: int = 0
    bits: list[str] = field(default_factory=list)  # right and wrong answered differently
    found_where_allowed: int = 0  # callers who see the case whole do find it: the search works


SEARCH = "query($f: DisputeFilter) { disputes(filter: $f, first: 0) { totalCount } }"
ROWS = re.compile(r'data-case="([^"]+)"')


def _graphql_answer(client: httpx.Client, token: str, criteria: dict[str, str]) -> str:
    r = client.post("/graphql", json={"query": SEARCH, "variables": {"f": criteria}},
                    headers={"Authorization": f"Bearer {token}"})
    body = r.json()
    count = ((body.get("data") or {}).get("disputes") or {}).get("totalCount")
    codes = sorted({str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []})
    return f"{r.status_code} {count} {codes}"


def _console_answer(client: httpx.Client, form: dict[str, str]) -> str:
    r = client.post("/console/search", data=form, headers={"Sec-Fetch-Site": "same-origin"})
    return f"{r.status_code} {sorted(set(ROWS.findall(r.text)))}"


def _oracle_for(dep: Deployment, oracle: Oracle, actor: Actor, cases: list[Case]) -> None:
    token = dep.token(actor)
    with httpx.Client(base_url=dep.url, timeout=30) as api, httpx.Client(base_url=dep.url, timeout=30) as console:
        signed_in = console.post("/console/sign-in", data={"token": token, "next": "/console/"},
                                 headers={"Sec-Fetch-Site": "same-origin"}).status_code in (200, 303)
        for case in cases:
            wrong_name = rare_name(case.name[0])
            while wrong_name == case.name:
                wrong_name = rare_name(case.name[0])
            probes: list[tuple[Callable[[str], str], str, str]] = [
                (lambda v: _graphql_answer(api, token, {"payerName": v}), case.name, wrong_name),
                (lambda v: _graphql_answer(api, token, {"payerIdNumber": v}), case.id_number, new_resident_id()),
            ]
            if signed_in:
                probes += [(lambda v: _console_answer(console, {"payer_name": v}), case.name, wrong_name),
                           (lambda v: _console_answer(console, {"payer_id_number": v}), case.id_number, new_resident_id())]
            whole = may_unmask(actor, case) and actor.role in PII_SEARCH_ROLES
            for ask, right, wrong in probes:
                answers = ask(right), ask(wrong)
                oracle.requests += 2
                if whole:
                    oracle.found_where_allowed += answers[0] != answers[1]
                elif answers[0] != answers[1]:
                    oracle.bits.append(f"{actor.label} on {case.key}: right {answers[0]} / wrong {answers[1]}")
            oracle.pairs += not whole


def name_oracle(dep: Deployment, cases: list[Case]) -> Oracle:
    oracle = Oracle()
    # Callers of their own (a fresh search budget), one for every role and unit of the matrix.
    actors = [Actor(a.role, a.unit, f"or-{a.subject}") for a in CALLERS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for f in [pool.submit(_oracle_for, dep, oracle, a, cases) for a in actors]:
            f.result()
    return oracle


def run_dossiers_and_oracle(dep: Deployment) -> dict[str, Any]:
    cases = make_cases(dep)
    waiter = dep.caller("auditor", None, "ds-wait")  # the read models have the cases before anything reads them
    waiter.graphql("{ projections { name } }", position=dep.head())
    waiter.close()
    scan = dossier_scan(dep, cases)
    oracle = name_oracle(dep, cases)
    return {"scan": scan, "oracle": oracle}
