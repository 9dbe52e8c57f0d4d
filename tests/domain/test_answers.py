"""Both parties answered, archive only without objection (issue 12, items 4 and 5), given/when/then.

The default case has a registered other party; it is accepted on Mon 30 Sep 2024 (10:00 in
Gaoping) and each step runs one hour after the previous one, so both parties are told on that
day. Five working days after it (1–7 Oct is the National Day holiday, Sat 12 Oct a make-up
working day) end with Sat 12 Oct 2024: the quiet period is over at 13 Oct 00:00 in Gaoping.
"""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
import pytest

from domain import events as ev
from domain.dispute import project_dispute, take_snapshot
from domain.errors import CommandRejected, InvalidCommand
from domain.values import NoObjectionBasis, PartyRole, Status
from tests.domain.test_dispute import (
    CAL,
    archive,
    conclude,
    confirmed_both,
    feedback,
    given,
    guidance,
    local,
    no_objection,
    objection,
    on,
    resolve,
    satisfaction,
    shred,
    then_recorded,
    told_both,
    transfer,
    when,
    when_refused,
)

QUIET_OVER = local(2024, 10, 13, 0)  # the end of Sat 12 Oct 2024, the 5th working day after 30 Sep
PAYER, OTHER = PartyRole.PAYER, PartyRole.OTHER_PARTY


# --- item 4: both parties answered ------------------------------------------------------------


def test_the_case_is_not_answered_while_the_other_party_waits_for_feedback() -> None:
    case = given(transfer(), conclude())

    when(case, feedback(PAYER))

    assert case.dispute.status == Status.CONCLUDED
    assert case.dispute.feedback_pending() == [OTHER]


def test_a_case_waiting_for_the_other_partys_feedback_cannot_be_archived() -> None:
    case = given(transfer(), conclude(), feedback(PAYER))

    error = when_refused(case, on(QUIET_OVER, archive()), CommandRejected)

    assert error.status == Status.CONCLUDED


def test_nothing_is_pending_before_conclusion() -> None:
    assert given(transfer()).dispute.feedback_pending() == [PAYER, OTHER]  # the aggregate's own view
    assert given(transfer(), conclude(), *told_both()).dispute.feedback_pending() == []


# --- item 5: archive only without objection ---------------------------------------------------


def test_archive_right_after_feedback_is_refused_naming_both_parties_still_open() -> None:
    case = given(transfer(), conclude(), *told_both())

    error = when_refused(case, archive(), CommandRejected)

    assert error.status == Status.FEEDBACK_GIVEN
    assert "payer" in error.message and "other_party" in error.message
    assert "2024-10-12" in error.message


def test_archive_once_every_told_party_confirmed_records_the_confirmations() -> None:
    case = given(transfer(), conclude(), *told_both(), *confirmed_both())

    archived = then_recorded(when(case, archive()), ev.DisputeArchived)

    assert [(b.party, b.basis) for b in archived.basis] == [
        (PAYER, NoObjectionBasis.CONFIRMED),
        (OTHER, NoObjectionBasis.CONFIRMED),
    ]
    assert case.dispute.status == Status.ARCHIVED


def test_archive_after_the_quiet_period_presumes_no_objection_at_the_acts_time() -> None:
    case = given(transfer(), conclude(), *told_both(), no_objection(PAYER))

    error = when_refused(case, on(QUIET_OVER - timedelta(seconds=1), archive()), CommandRejected)
    assert "other_party" in error.message and "payer" not in error.message.split("still open:")[1]

    archived = then_recorded(when(case, on(QUIET_OVER, archive())), ev.DisputeArchived)
    assert [(b.party, b.basis) for b in archived.basis] == [
        (PAYER, NoObjectionBasis.CONFIRMED),
        (OTHER, NoObjectionBasis.QUIET_PERIOD),
    ]
    assert archived.basis[1].quiet_until == QUIET_OVER


def test_a_back_dated_archive_is_judged_at_its_act_time_not_at_the_recording_time() -> None:
    case = given(transfer(), conclude(), *told_both())

    when_refused(case, archive(), CommandRejected, at=local(2024, 10, 12, 9), now=local(2024, 10, 20))


def test_the_quiet_period_is_configurable() -> None:
    case = given(transfer(), conclude(), *told_both())

    # One working day after 30 Sep 2024 is Tue 8 Oct (the holiday in between is not counted).
    when_refused(case, on(local(2024, 10, 8, 23, 59), archive(quiet_days=1)), CommandRejected)
    archived = then_recorded(when(case, on(local(2024, 10, 9, 0), archive(quiet_days=1))), ev.DisputeArchived)

    assert {b.basis for b in archived.basis} == {NoObjectionBasis.QUIET_PERIOD}


def test_an_objection_stops_the_quiet_period_until_guidance_answers_it() -> None:
    case = given(transfer(), conclude(), *told_both(), objection(PAYER))

    error = when_refused(case, on(QUIET_OVER, archive()), CommandRejected)
    assert "payer (objection without remedy guidance)" in error.message

    when(case, guidance(party=PAYER))
    archived = then_recorded(when(case, on(QUIET_OVER, archive())), ev.DisputeArchived)
    assert [(b.party, b.basis) for b in archived.basis] == [
        (PAYER, NoObjectionBasis.GUIDED),
        (OTHER, NoObjectionBasis.QUIET_PERIOD),
    ]


def test_the_other_party_may_object_after_the_payer_and_each_objection_needs_its_own_guidance() -> None:
    case = given(transfer(), conclude(), *told_both(), objection(PAYER))

    then_recorded(when(case, objection(OTHER)), ev.ObjectionRaised, party=OTHER)
    then_recorded(when(case, guidance(party=PAYER)), ev.RemedyGuidanceGiven, party=PAYER)

    error = when_refused(case, archive(), CommandRejected)
    assert "other_party (objection without remedy guidance)" in error.message

    when(case, guidance(party=OTHER))
    archived = then_recorded(when(case, archive()), ev.DisputeArchived)
    assert {b.basis for b in archived.basis} == {NoObjectionBasis.GUIDED}


@pytest.mark.parametrize("party", [PAYER, OTHER])
def test_each_party_may_object_only_once(party: PartyRole) -> None:
    case = given(transfer(), conclude(), *told_both(), objection(party))

    error = when_refused(case, objection(party), CommandRejected)

    assert "once" in error.message


def test_a_party_not_yet_told_cannot_object_or_confirm() -> None:
    case = given(transfer(), conclude(), feedback(PAYER))

    assert "not been told" in when_refused(case, objection(OTHER), CommandRejected).message
    assert "not been told" in when_refused(case, no_objection(OTHER), CommandRejected).message


def test_a_told_payer_may_object_while_the_other_party_waits_and_the_case_is_objected_once_both_are_told() -> None:
    case = given(transfer(), conclude(), feedback(PAYER))

    when(case, objection(PAYER))
    assert case.dispute.status == Status.CONCLUDED
    when(case, feedback(OTHER))
    assert case.dispute.status == Status.OBJECTED


def test_remedy_guidance_names_the_party_whose_objection_it_answers() -> None:
    case = given(transfer(), conclude(), *told_both(), objection(OTHER))

    error = when_refused(case, guidance(), CommandRejected)  # the default party is the payer

    assert "payer raised none" in error.message
    then_recorded(when(case, guidance(party=OTHER)), ev.RemedyGuidanceGiven, party=OTHER)


def test_confirming_no_objection_is_refused_twice_and_after_an_objection() -> None:
    case = given(transfer(), conclude(), *told_both(), no_objection(PAYER), objection(OTHER))

    assert "already confirmed" in when_refused(case, no_objection(PAYER), CommandRejected).message
    assert "objected" in when_refused(case, no_objection(OTHER), CommandRejected).message


def test_confirming_no_objection_for_an_unregistered_other_party_names_the_field() -> None:
    case = given(resolve(), other_party=None)

    error = when_refused(case, no_objection(OTHER), InvalidCommand)

    assert error.field == "party"


def test_a_confirmation_note_records_what_the_party_said() -> None:
    case = given(transfer(), conclude(), *told_both())

    then_recorded(when(case, no_objection(OTHER, note="单位负责人书面确认无异议")), ev.NoObjectionConfirmed,
                  party=OTHER, note="单位负责人书面确认无异议")
    assert case.dispute.confirmed == [OTHER]


def test_a_told_party_may_be_followed_up_while_the_other_still_waits() -> None:
    case = given(resolve())  # the payer was told on the spot; the other party not yet

    then_recorded(when(case, satisfaction(PAYER)), ev.SatisfactionRecorded, party=PAYER)
    error = when_refused(case, satisfaction(OTHER), CommandRejected)
    assert error.status == Status.CONCLUDED


# --- reopening an archived case ----------------------------------------------------------------


def test_an_objection_within_six_months_of_the_partys_feedback_reopens_the_archived_case() -> None:
    case = given(transfer(), conclude(), *told_both(), *confirmed_both(), archive())

    # Told on 30 Sep 2024: six months end on 30 Mar 2025 (a Sunday), so the window runs to Mon 31 Mar.
    events = when(case, on(local(2025, 3, 31, 23), objection(OTHER)))

    then_recorded(events, ev.ObjectionRaised, party=OTHER, reopened=True)
    assert case.dispute.status == Status.OBJECTED
    assert OTHER not in case.dispute.confirmed
    when(case, guidance(party=OTHER, act_known_on=date(2024, 9, 30)))
    archived = then_recorded(when(case, archive()), ev.DisputeArchived)
    assert [(b.party, b.basis) for b in archived.basis] == [
        (PAYER, NoObjectionBasis.CONFIRMED),
        (OTHER, NoObjectionBasis.GUIDED),
    ]


def test_after_six_months_an_objection_on_an_archived_case_is_refused_as_the_remedy_windows_closed() -> None:
    case = given(transfer(), conclude(), *told_both(), *confirmed_both(), archive())

    error = when_refused(case, on(local(2025, 4, 1, 0, 1), objection(PAYER)), CommandRejected)

    assert error.status == Status.ARCHIVED
    assert "remedy windows have closed" in error.message
    assert "2025-03-31" in error.message


def test_a_party_that_objected_before_the_archive_cannot_reopen_it_by_objecting_again() -> None:
    case = given(transfer(), conclude(), *told_both(), objection(PAYER), guidance(), no_objection(OTHER), archive())

    error = when_refused(case, objection(PAYER), CommandRejected)

    assert "once" in error.message


# --- events and states from before the change -------------------------------------------------


def _without(event: ev.DisputeEvent, *keys: str) -> bytes:
    raw = msgspec.json.decode(msgspec.json.encode(event))
    for key in keys:
        raw.pop(key)
    return msgspec.json.encode(raw)


def test_events_stored_before_the_change_still_decode_with_their_old_meaning() -> None:
    case = given(transfer(), conclude(), *told_both(), objection(PAYER), guidance(), no_objection(OTHER), archive())
    guided = next(e for e in case.history if isinstance(e, ev.RemedyGuidanceGiven))
    archived = case.history[-1]

    old_guidance = msgspec.json.decode(_without(guided, "party"), type=ev.RemedyGuidanceGiven)
    old_archive = msgspec.json.decode(_without(archived, "basis"), type=ev.DisputeArchived)

    assert old_guidance.party == PAYER
    assert old_archive.basis == ()
    replayed = project_dispute(None, [*case.history[:-1], old_archive])
    assert replayed is not None and replayed.status == Status.ARCHIVED


def test_an_old_story_feedback_to_the_payer_alone_then_archive_still_replays() -> None:
    # Before the change the payer's feedback alone answered the case and the archive followed.
    case = given(transfer(), conclude(), feedback(PAYER))
    archived = ev.DisputeArchived(
        originator_id=case.dispute.id, originator_version=case.dispute.version + 1,
        timestamp=case.clock + timedelta(hours=1), at=case.clock + timedelta(hours=1), actor=case.history[1].actor,
    )

    replayed = project_dispute(None, [*case.history, archived])

    assert replayed is not None and replayed.status == Status.ARCHIVED


def test_a_state_snapshotted_before_the_change_counts_its_parties_as_told_at_its_last_act() -> None:
    case = given(transfer(), conclude(), *told_both())
    snapshot = take_snapshot(case.dispute, now=case.clock)
    raw = msgspec.json.decode(snapshot.state)
    for key in ("told", "confirmed", "objections", "answers_tracked"):
        raw.pop(key)
    old = msgspec.structs.replace(snapshot, state=msgspec.json.encode(raw))

    restored = project_dispute(None, [old])

    assert restored is not None
    assert restored.told == {PAYER: case.dispute.last_at, OTHER: case.dispute.last_at}
    assert restored.answers_tracked
    restored.archive(actor=case.history[1].actor, at=QUIET_OVER, now=QUIET_OVER, calendar=CAL)
    assert restored.status == Status.ARCHIVED


def test_personal_data_is_kept_while_an_objection_could_still_reopen_the_case() -> None:
    case = given(transfer(), conclude(), *told_both(), *confirmed_both(), archive())
    archived = case.history[-1]
    assert isinstance(archived, ev.DisputeArchived) and archived.reopen_until == date(2025, 3, 31)

    error = when_refused(case, on(local(2025, 3, 31, 12), shred()), CommandRejected)

    assert "2025-03-31" in error.message
    then_recorded(when(case, on(local(2025, 4, 1, 9), shred())), ev.PersonalDataShredded)
