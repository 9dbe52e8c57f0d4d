"""The GraphQL contract does not break by accident: every breaking change from the last released
schema (tests/contract/schema-1.0.graphql, as 1.0 shipped it) to the committed schema.graphql is
named in a **Breaking** entry of CHANGELOG.md."""

from __future__ import annotations

import re
from pathlib import Path

import graphql

ROOT = Path(__file__).resolve().parents[2]
RELEASED = Path(__file__).parent / "schema-1.0.graphql"

_COORDINATE = re.compile(r"\b([A-Z]\w*)\.(\w+)")
_TYPE = re.compile(r"\b(?:Type|type|Enum|enum|Union|union|Interface|interface|Input|input)\s+([A-Z]\w*)")
_NAMED = re.compile(r"`([A-Za-z_][\w.]*)")


def breaking_names(changelog: str) -> set[str]:
    """The schema names (`Type.field`, `field`, `Type`) that the changelog's **Breaking** entries name."""
    entries = re.split(r"\n(?=- )", changelog)
    names: set[str] = set()
    for entry in entries:
        if "**Breaking" in entry:
            names |= set(_NAMED.findall(entry))
    return names


def unnamed(old_sdl: str, new_sdl: str, changelog: str) -> list[str]:
    """The breaking changes from old to new that no **Breaking** entry names."""
    named = breaking_names(changelog)
    missing = []
    for change in graphql.find_breaking_changes(graphql.build_schema(old_sdl), graphql.build_schema(new_sdl)):
        coordinate = _COORDINATE.search(change.description)
        if coordinate is not None:
            type_name, field = coordinate.groups()
            candidates = {f"{type_name}.{field}", field}
        else:
            found = _TYPE.search(change.description)
            candidates = {found.group(1)} if found else set()
        if not candidates & named:
            missing.append(change.description)
    return missing


def test_every_breaking_change_since_the_release_is_in_the_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    missing = unnamed(RELEASED.read_text(encoding="utf-8"), (ROOT / "schema.graphql").read_text(encoding="utf-8"), changelog)
    assert not missing, "breaking changes that CHANGELOG.md does not name as **Breaking**:\n" + "\n".join(missing)


def test_a_breaking_change_the_changelog_does_not_name_fails() -> None:
    released = RELEASED.read_text(encoding="utf-8")
    without_summary = re.sub(r"\n  summary: String!", "", released, count=1)
    assert without_summary != released

    assert unnamed(released, without_summary, "- **Breaking:** `queue` is paged.") == ["Field Dispute.summary was removed."]
    assert unnamed(released, without_summary, "- **Breaking:** `Dispute.summary` is withdrawn.") == []
    assert unnamed(released, without_summary, "- `Dispute.summary` is withdrawn (not marked breaking).") != []
