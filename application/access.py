"""Who may do what to which case (the role table of the public contract).

A case outside the caller's reach is reported as not found, so ids cannot be probed; a case in
reach that the caller's role or unit may not change is forbidden.
"""

from __future__ import annotations

from collections.abc import Iterable

from application.errors import DisputeNotFound, Forbidden
from application.registry import ACCEPTING, BY_NAME, HANDLING, commands_of
from domain.values import DESIGNATING_UNIT, Actor, Role

# command -> roles that may issue it, and which unit relation the role needs (application/registry.py)
CLERK_COMMANDS = commands_of(Role.CLERK, ACCEPTING) - {"risk_flag"}
HANDLER_COMMANDS = commands_of(Role.HANDLER, HANDLING) - {"risk_flag"}
TASKFORCE_COMMANDS = commands_of(Role.TASKFORCE) - {"risk_flag"}
LEGAL_COMMANDS = commands_of(Role.LEGAL)
RISK_ROLES = BY_NAME["risk_flag"].role_names
READ_ALL_ROLES = frozenset({Role.TASKFORCE, Role.LEGAL, Role.AUDITOR, Role.SYSTEM})
UNMASKED_ROLES = frozenset({Role.LEGAL})


def may_read(
    actor: Actor,
    *,
    units_involved: Iterable[str],
    registered_by_subject: str,
    registered_by_role: str,
    accepting_unit: str,
) -> bool:
    """The same rule as the read side's reach (application/read_gates.py), for one case."""
    if actor.role in READ_ALL_ROLES:
        return True
    if actor.role == Role.INTEGRATOR:
        # An integrator files for one unit: its reach is its own registrations within that unit.
        return (
            registered_by_role == Role.INTEGRATOR
            and registered_by_subject == actor.subject
            and actor.unit is not None
            and accepting_unit == actor.unit
        )
    if actor.role in (Role.CLERK, Role.HANDLER):
        return actor.unit is not None and actor.unit in set(units_involved)
    return False


def may_unmask(actor: Actor, *, accepting_unit: str, handling_unit: str | None) -> bool:
    """Legal staff, and the case's own accepting and handling units, see personal data whole."""
    if actor.role in UNMASKED_ROLES:
        return True
    if actor.role in (Role.CLERK, Role.HANDLER) and actor.unit is not None:
        return actor.unit in (accepting_unit, handling_unit)
    return False


def check_register(actor: Actor, accepting_unit: str) -> None:
    if actor.role not in (Role.CLERK, Role.INTEGRATOR):
        raise Forbidden(f"role {actor.role} may not register cases")
    if actor.unit != accepting_unit:
        raise Forbidden(f"a {actor.role} of {actor.unit} registers cases for its own unit only, not {accepting_unit}")


def check_role(actor: Actor, command: str) -> None:
    """Refuse before loading anything when the role never may do this."""
    if command in CLERK_COMMANDS and actor.role == Role.CLERK:
        return
    if command in HANDLER_COMMANDS and actor.role == Role.HANDLER:
        return
    if command in TASKFORCE_COMMANDS and actor.role == Role.TASKFORCE:
        return
    if command in LEGAL_COMMANDS and actor.role == Role.LEGAL:
        return
    if command == "risk_flag" and actor.role in RISK_ROLES:
        return
    raise Forbidden(f"role {actor.role} may not {command.replace('_', ' ')}")


def check_case(
    actor: Actor,
    command: str,
    *,
    case_ref: str,
    units_involved: Iterable[str],
    registered_by_subject: str,
    registered_by_role: str,
    accepting_unit: str,
    handling_unit: str | None,
) -> None:
    if not may_read(
        actor,
        units_involved=units_involved,
        registered_by_subject=registered_by_subject,
        registered_by_role=registered_by_role,
        accepting_unit=accepting_unit,
    ):
        raise DisputeNotFound(case_ref)
    # gov_office designates the handling unit of a case returned twice (指定承办): the aggregate
    # decides whether the case awaits a designation.
    designating = command == "transfer" and actor.unit == DESIGNATING_UNIT
    if actor.role == Role.CLERK and command in CLERK_COMMANDS | {"risk_flag"} and not designating:
        if actor.unit != accepting_unit:
            raise Forbidden(f"only the accepting unit ({accepting_unit}) may {command.replace('_', ' ')} this case")
    if actor.role == Role.HANDLER and command in HANDLER_COMMANDS | {"risk_flag"}:
        # With no handling unit the case is not in anyone's handling: for the status-gated handler
        # commands let its status answer (409); a risk flag needs the case to be this unit's.
        unhandled = handling_unit is None and command in HANDLER_COMMANDS
        if actor.unit != handling_unit and not unhandled:
            raise Forbidden(f"only the handling unit may {command.replace('_', ' ')} this case")
