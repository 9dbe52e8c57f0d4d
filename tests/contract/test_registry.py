"""The command registry is the one list of commands: the REST routes, the GraphQL mutations, the
role table and the README all follow it."""

from __future__ import annotations

from pathlib import Path

import graphql

from application import access, registry
from domain.values import Role

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_has_a_route_a_typed_mutation_and_a_readme_line() -> None:
    from interfaces.http.commands import COMMAND_HANDLERS

    routes = {next(iter(h.paths)): h.operation_id for h in COMMAND_HANDLERS}
    schema = graphql.build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    mutations = schema.mutation_type.fields  # type: ignore[union-attr]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for spec in registry.COMMANDS:
        path = "/api/v1/disputes" if not spec.on_case else f"/api/v1/disputes/{{id:str}}/{spec.path}"
        assert routes[path] == spec.operation
        mutation = mutations[spec.operation]
        assert str(mutation.args["input"].type).rstrip("!") == spec.input_name
        assert ("caseNumber" in mutation.args) == spec.on_case
        assert f"`{spec.operation}" in readme, spec.operation
        if spec.on_case:
            assert f"/api/v1/disputes/{{id}}/{spec.path} " in readme, spec.path
        if spec.legacy is not None:
            assert mutations[spec.legacy].deprecation_reason, spec.legacy
    assert len(routes) == len(registry.COMMANDS)


def test_the_role_table_is_the_registrys() -> None:
    for spec in registry.CASE_COMMANDS:
        for role in Role:
            allowed = role in spec.role_names
            try:
                access.check_role(_actor(role), spec.name)
                refused = False
            except access.Forbidden:
                refused = True
            assert refused != allowed, (spec.name, role)


def _actor(role: Role) -> access.Actor:
    return access.Actor(subject=f"{role.value}-1", role=role, unit="tax" if role in (Role.CLERK, Role.HANDLER) else None)
