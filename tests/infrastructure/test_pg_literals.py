"""The command path's SQL literals: whatever a client sends, the literal reads back as exactly that
value and nothing of it escapes into the statement around it (checked against the real server)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infrastructure.pg_literals import bytea, text, timestamptz, uuid
from infrastructure.settings import parse_database_url

pytestmark = pytest.mark.postgres

EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NUL_FREE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
# Quotes, backslashes, comment and statement delimiters, dollar quotes: what an escape would use.
HOSTILE_TEXT = st.lists(
    st.sampled_from(["'", "''", "\\", "\\'", ";", "--", "/*", "*/", "$$", "$a$", "E'", "\n", "键", "é", "\u2028"]),
).map("".join)
OFFSETS = st.integers(min_value=-15 * 3600, max_value=15 * 3600).map(lambda s: timezone(timedelta(seconds=s)))


@pytest.fixture(scope="module")
def conn(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    cfg = parse_database_url(postgres_url, Path("var"), {})
    with psycopg.connect(
        host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user, password=cfg.password or None, autocommit=True
    ) as connection:
        yield connection


def read_back(conn: psycopg.Connection[Any], literal: str) -> Any:
    """`SELECT <literal>` as one simple query between two markers: an escaped literal would end
    the statement, add columns or rows, or comment out the marker after it."""
    conn.execute("SET TimeZone = 'UTC'")
    rows = conn.execute(f"SELECT 'before' AS a, {literal} AS v, 'after' AS b").fetchall()  # noqa: S608 - under test
    assert len(rows) == 1 and len(rows[0]) == 3, rows
    before, value, after = rows[0]
    assert (before, after) == ("before", "after")
    return value


@EXAMPLES
@given(value=NUL_FREE_TEXT | HOSTILE_TEXT)
def test_text_reads_back_as_given_and_holds_only_hex(conn, value):
    literal = text(value)
    assert re.fullmatch(r"convert_from\(decode\('[0-9a-f]*', 'hex'\), 'UTF8'\)", literal)
    assert read_back(conn, literal) == value


@EXAMPLES
@given(value=st.binary(max_size=2048))
def test_bytea_reads_back_as_given_and_holds_only_hex(conn, value):
    literal = bytea(value)
    assert re.fullmatch(r"decode\('[0-9a-f]*', 'hex'\)", literal)
    assert bytes(read_back(conn, literal)) == value


@EXAMPLES
@given(value=st.uuids() | st.uuids().map(str) | st.uuids().map(lambda u: u.hex.upper()))
def test_uuid_reads_back_as_given(conn, value):
    literal = uuid(value)
    assert re.fullmatch(r"'[0-9a-f-]{36}'::uuid", literal)
    assert read_back(conn, literal) == UUID(str(value))


@pytest.mark.parametrize("value", ["x'::uuid; DROP TABLE t; --", "", "not-a-uuid", "00000000-0000-0000-0000-00000000000'"])
def test_a_uuid_that_is_not_one_is_refused_before_any_sql(value):
    with pytest.raises(ValueError):
        uuid(value)


@EXAMPLES
@given(value=st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=OFFSETS))
def test_timestamptz_reads_back_as_the_same_instant(conn, value):
    literal = timestamptz(value)
    assert re.fullmatch(r"'[0-9T:.+-]+'::timestamptz", literal)
    assert read_back(conn, literal) == value.astimezone(UTC)


def test_a_time_without_offset_is_refused():
    with pytest.raises(ValueError):
        timestamptz(datetime(2026, 11, 26, 10, 0))
