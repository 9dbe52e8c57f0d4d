"""The command registry: every command of the public contract, declared once.

Each entry names the command, its input (a msgspec Struct), the roles that may issue it, a
summary, the events it may record and the use case that runs it. The REST routes, the GraphQL
mutations and their input types, the OpenAPI description, the role table (`application.access`)
and the idempotency request hash are all derived from here, so a new command is one entry plus
its domain rule.
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from application import commands as cmd
from application.errors import DisputeNotFound, InvalidCommand
from application.idempotency import IdempotencyKey
from domain.values import Actor, Role

MAX_KEY_LENGTH = 200  # an Idempotency-Key's length, in characters

# How a role relates to the case it acts on (the role table's second column).
ACCEPTING, HANDLING, ANY = "accepting unit", "handling unit", "any case in reach"
DESIGNATION = "a case returned twice, as a designation"  # gov_office's clerks and the task force


@dataclass(frozen=True)
class CommandSpec:
    """One command as the contract shows it."""

    name: str  # its name in the access rules and the request hash
    path: str  # REST: POST /api/v1/disputes/{id}/<path> ("" for registration)
    operation: str  # the OpenAPI operationId and the GraphQL mutation
    input: type[cmd.Command]
    roles: tuple[tuple[Role, str], ...]  # (role, which cases of its unit)
    summary: str
    events: tuple[str, ...]  # the domain events it may record
    method: str  # the use case on the application facade
    legacy: str | None = None  # the 1.0 GraphQL mutation (input: JSON), kept deprecated

    @property
    def on_case(self) -> bool:
        return self.path != ""

    @property
    def role_names(self) -> frozenset[Role]:
        return frozenset(role for role, _ in self.roles)

    @property
    def input_name(self) -> str:
        """The GraphQL input type: TransferInput, RegisterInput, ..."""
        return self.operation.removesuffix("Dispute")[0].upper() + self.operation.removesuffix("Dispute")[1:] + "Input"

    @property
    def optional_body(self) -> bool:
        """No required field: an empty body will do."""
        return all(not f.required for f in msgspec.structs.fields(self.input))


def _spec(name: str, path: str, operation: str, input_: type[cmd.Command], roles: tuple[tuple[Role, str], ...],
          summary: str, events: tuple[str, ...], method: str, legacy: str | None = None) -> CommandSpec:
    return CommandSpec(name, path, operation, input_, roles, summary, events, method, legacy)


CLERK = ((Role.CLERK, ACCEPTING),)
HANDLER = ((Role.HANDLER, HANDLING),)

COMMANDS: tuple[CommandSpec, ...] = (
    _spec("register", "", "registerDispute", cmd.RegisterDispute,
          ((Role.CLERK, "its own unit as accepting unit"), (Role.INTEGRATOR, "its own unit as accepting unit")),
          "Register a dispute (受理): the intake ledger entry", ("DisputeRegistered", "RiskFlagged"), "register"),
    _spec("resolve_on_spot", "resolve-on-spot", "resolveOnSpotDispute", cmd.ResolveOnSpot, CLERK,
          "Settle a simple case on the spot (简易事项)", ("ResolvedOnSpot",), "resolve_on_spot", "resolveOnSpot"),
    _spec("transfer", "transfer", "transferDispute", cmd.Transfer,
          (*CLERK, (Role.CLERK, "gov_office: " + DESIGNATION), (Role.TASKFORCE, DESIGNATION)),
          "Transfer to the handling unit (转交), within 1 working day; after a second return, a designation "
          "(指定承办) by gov_office or the task force", ("DisputeTransferred",), "transfer"),
    _spec("sign_for", "sign-for", "signForDispute", cmd.SignFor, HANDLER,
          "The handling unit acknowledges a transferred case", ("TransferSignedFor",), "sign_for", "signForTransfer"),
    _spec("return", "return", "returnDispute", cmd.Return, HANDLER,
          "Give the case back as not this unit's responsibility", ("DeadlineMissed", "DisputeReturned"), "return_case"),
    _spec("progress", "progress", "recordProgressDispute", cmd.RecordProgress, HANDLER,
          "Record handling progress", ("ProgressRecorded",), "record_progress", "recordProgress"),
    _spec("conclude", "conclude", "concludeDispute", cmd.Conclude, HANDLER,
          "Conclude handling (办结)", ("HandlingConcluded",), "conclude"),
    _spec("escalate", "escalate", "escalateDispute", cmd.Escalate, (*HANDLER, *CLERK),
          "Escalate to the task force (提请工作专班研判); the accepting clerk sends a special matter straight "
          "there before any transfer", ("DisputeEscalated", "DeadlineMissed"), "escalate"),
    _spec("deliberation", "deliberation", "recordDeliberationDispute", cmd.HoldDeliberation, ((Role.TASKFORCE, ANY),),
          "Record the task force's collective deliberation (集体商议)", ("DeliberationHeld",), "hold_deliberation",
          "recordDeliberation"),
    _spec("feedback", "feedback", "giveFeedbackDispute", cmd.GiveFeedback, CLERK,
          "Give feedback to a party (反馈)", ("FeedbackGiven",), "give_feedback", "giveFeedback"),
    _spec("objection", "objection", "raiseObjectionDispute", cmd.RaiseObjection, CLERK,
          "Record a party's objection (异议)", ("ObjectionRaised",), "raise_objection", "raiseObjection"),
    _spec("no_objection", "no-objection", "confirmNoObjectionDispute", cmd.NoObjection, CLERK,
          "Record that a told party has no objection to the result (无异议确认)", ("NoObjectionConfirmed",),
          "confirm_no_objection"),
    _spec("remedy_guidance", "remedy-guidance", "giveRemedyGuidanceDispute", cmd.GiveRemedyGuidance, ((Role.LEGAL, ANY),),
          "Record guidance towards reconsideration or litigation (业务指导)", ("RemedyGuidanceGiven",),
          "give_remedy_guidance", "giveRemedyGuidance"),
    _spec("archive", "archive", "archiveDispute", cmd.Archive, CLERK,
          "Archive the case file (案卷归档)", ("DisputeArchived",), "archive"),
    _spec("risk_flag", "risk-flag", "flagRiskDispute", cmd.FlagRisk,
          ((Role.CLERK, ACCEPTING), (Role.HANDLER, HANDLING), (Role.TASKFORCE, ANY)),
          "Flag a conflict risk; a high flag notifies the police unit", ("RiskFlagged",), "flag_risk", "flagRisk"),
    _spec("supervision_notice", "supervision-notice", "issueSupervisionNoticeDispute", cmd.IssueSupervisionNotice,
          ((Role.TASKFORCE, ANY),), "Issue a supervision notice (督办) to a unit", ("SupervisionNoticeIssued",),
          "issue_supervision_notice", "issueSupervisionNotice"),
    _spec("satisfaction", "satisfaction", "recordSatisfactionDispute", cmd.RecordSatisfaction, CLERK,
          "Record a follow-up call and the party's satisfaction (回访)", ("SatisfactionRecorded",),
          "record_satisfaction", "recordSatisfaction"),
)

BY_NAME: dict[str, CommandSpec] = {c.name: c for c in COMMANDS}
REGISTER = BY_NAME["register"]
CASE_COMMANDS: tuple[CommandSpec, ...] = tuple(c for c in COMMANDS if c.on_case)


def commands_of(role: Role, relation: str | None = None) -> frozenset[str]:
    """The case commands a role may issue (with that relation to the case, if given)."""
    return frozenset(
        c.name for c in CASE_COMMANDS for r, rel in c.roles if r == role and (relation is None or rel == relation)
    )


def idempotency_key(spec: CommandSpec, ref: str | None, command: cmd.Command, key: str | None) -> IdempotencyKey | None:
    """The caller's key with the one definition of its request: the command, the case's id
    (whether named by number or by UUID) and the decoded body, defaults applied, in canonical
    JSON. A retry over REST or GraphQL therefore replays the first answer from either."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidCommand("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters")
    # Imported here: the command path reads the role table (access), which is derived from here.
    from application.command_path import resolve

    case = ""
    if ref is not None:
        try:
            case = str(resolve(ref))
        except DisputeNotFound:
            case = ref.strip().upper()  # no such case: the command will say so
    body = msgspec.json.encode(msgspec.to_builtins(command), order="sorted")
    digest = hashlib.sha256(b"\0".join([spec.name.encode(), case.encode(), body]))
    return IdempotencyKey(key=key, request_hash=digest.hexdigest())


def run(app: Any, spec: CommandSpec, ref: str | None, command: cmd.Command, actor: Actor,
        idempotency: IdempotencyKey | None) -> cmd.CommandResult:
    """Run the command's use case on the application facade."""
    use_case: Callable[..., cmd.CommandResult] = getattr(app, spec.method)
    if spec.on_case:
        return use_case(ref, command, actor, idempotency)
    return use_case(command, actor, idempotency)


BY_OPERATION: dict[str, CommandSpec] = {c.operation: c for c in COMMANDS}


def allowed_values(struct: type[msgspec.Struct], path: str) -> list[str] | None:
    """The values an enum field takes (`payer.kind`, `insurance_types[0]`), None if it is no enum."""
    annotation: Any = struct
    for part in path.replace("]", "").replace("[", ".").split("."):
        annotation = _unwrap(annotation)
        if part.isdigit() and get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)):
            return None
        fields = {f.name: f.type for f in msgspec.structs.fields(annotation)}
        if part not in fields:
            return None
        annotation = fields[part]
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    return None


def _unwrap(annotation: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X (the first member that is not None)."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            structs = [m for m in members if isinstance(m, type) and issubclass(m, msgspec.Struct)]
            annotation = structs[0] if structs else members[0]
        else:
            return annotation
