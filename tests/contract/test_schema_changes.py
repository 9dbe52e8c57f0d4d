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


ROOTS = {"Query", "Mutation", "Subscription"}  # a root field is named by itself (`queue`, `transferDispute`)


def breaking_entries(changelog: str) -> list[tuple[set[str], str]]:
    """Per **Breaking** entry of the changelog: the schema names it puts in backticks, and its text."""
    return [(set(_NAMED.findall(entry)), entry) for entry in re.split(r"\n(?=- )", changelog) if "**Breaking" in entry]


def _named(type_name: str, field: str | None, entries: list[tuple[set[str], str]]) -> bool:
    """`Type.field` in one entry, or `field` in an entry that also says which type (or a root field)."""
    for names, text in entries:
        if field is None:
            if type_name in names:
                return True
        elif f"{type_name}.{field}" in names or (field in names and (type_name in ROOTS or type_name in text)):
            return True
    return False


def unnamed(old_sdl: str, new_sdl: str, changelog: str) -> list[str]:
    """The breaking changes from old to new that no **Breaking** entry names."""
    entries = breaking_entries(changelog)
    missing = []
    for change in graphql.find_breaking_changes(graphql.build_schema(old_sdl), graphql.build_schema(new_sdl)):
        coordinate = _COORDINATE.search(change.description)
        found = _TYPE.search(change.description)
        if coordinate is not None:
            named = _named(coordinate.group(1), coordinate.group(2), entries)
        else:
            named = found is not None and _named(found.group(1), None, entries)
        if not named:
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
    # A field name alone names it only beside its type: `summary` of some other type is not enough.
    assert unnamed(released, without_summary, "- **Breaking:** `Timeline.summary` and `summary` go.") != []
    assert unnamed(released, without_summary, "- **Breaking:** Dispute's `summary` goes.") == []
