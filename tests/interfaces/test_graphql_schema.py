"""The committed schema.graphql is what the code serves (`make schema` regenerates it)."""

from __future__ import annotations

from pathlib import Path

import graphql

from interfaces.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed.strip() == build_schema(production=False).as_str().strip(), "run `make schema` and commit it"


def test_schema_has_every_query_of_the_contract() -> None:
    sdl = build_schema(production=False).as_str()
    for field in (
        "dispute(caseNumber: String!): Dispute",
        "timeline(caseNumber: String!, asOf: DateTime = null, axis: TimelineAxis = RECORDED): Timeline",
        "supervision(from: Date!, to: Date!): Supervision!",
        "verifyCase(caseNumber: String!): Verification!",
        # Changes in 1.1 (issue 12)
        "feedbackPending: [PartyRole!]!",
        "remedyWindows: [RemedyWindow!]!",
        "enum TimelineAxis {\n  RECORDED\n  ACTED\n}",
        "enum PartyRole {\n  PAYER\n  OTHER_PARTY\n}",
        "confirmNoObjectionDispute(caseNumber: String!, input: ConfirmNoObjectionInput!",
    ):
        assert field in sdl
    queue = graphql.build_schema(sdl).query_type.fields["queue"]  # type: ignore[union-attr]
    assert str(queue.type) == "DisputeConnection!"
    assert {name: str(arg.type) for name, arg in queue.args.items()} == {
        "unit": "String!", "kind": "QueueKind!", "first": "Int", "after": "String"}
    for enum_values in ("TO_TRANSFER", "IN_HANDLING", "TO_DELIBERATE", "TO_FEEDBACK", "OBJECTED", "OVERDUE"):
        assert enum_values in sdl
