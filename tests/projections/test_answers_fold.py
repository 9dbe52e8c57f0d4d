"""The read model's fold of the answering events (issue 12), including events stored before 1.1:
guidance without a party answered the payer, an archive without a basis stays archived."""

from __future__ import annotations

import msgspec

from domain import events as ev
from domain.values import PartyRole
from projections.case_view import CaseView, fold
from tests.domain.test_answers import _without
from tests.domain.test_dispute import (
    archive,
    conclude,
    feedback,
    given,
    guidance,
    no_objection,
    objection,
    told_both,
    transfer,
)


def folded(events: list[ev.DisputeEvent]) -> CaseView:
    view = None
    for event in events:
        view = fold(view, event)
    assert view is not None
    return view


def test_the_view_waits_for_both_parties_and_records_the_archive_basis() -> None:
    case = given(transfer(), conclude(), feedback(PartyRole.PAYER))
    assert (folded(case.history).status, folded(case.history).feedback_pending()) == ("concluded", ["other_party"])

    case = given(transfer(), conclude(), *told_both(), objection(), guidance(), no_objection(PartyRole.OTHER_PARTY),
                 archive())
    view = folded(case.history)

    assert view.status == "archived"
    assert view.objections == {"payer": True} and view.no_objection == ["other_party"]
    assert [(b.party.value, b.basis.value) for b in view.archive_basis] == [("payer", "guided"),
                                                                             ("other_party", "confirmed")]
    assert [(w.party.value, w.kind.value) for w in view.remedy_windows] == [("payer", "reconsideration"),
                                                                             ("payer", "litigation")]


def test_events_stored_before_the_change_fold_as_they_did() -> None:
    case = given(transfer(), conclude(), *told_both(), objection(), guidance(), no_objection(PartyRole.OTHER_PARTY),
                 archive())
    old = [
        msgspec.json.decode(_without(e, "party"), type=ev.RemedyGuidanceGiven) if isinstance(e, ev.RemedyGuidanceGiven)
        else msgspec.json.decode(_without(e, "basis"), type=ev.DisputeArchived) if isinstance(e, ev.DisputeArchived)
        else msgspec.json.decode(_without(e, "reopened"), type=ev.ObjectionRaised) if isinstance(e, ev.ObjectionRaised)
        else e
        for e in case.history
    ]

    view = folded(old)

    assert view.status == "archived" and view.archive_basis == []
    assert view.remedy_windows[0].party == PartyRole.PAYER
