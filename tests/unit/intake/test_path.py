"""The one intake path: whatever a file holds, it is accepted or refused with a reason, kept, recorded once,
its sender told once, and it leaves the inbox; a take cut short is finished by the next look."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from maa import config
from maa.intake.path import Arrival, InboxKind, Outcome, Taken, take
from maa.pipeline import resources
from tests.helpers.definitions import AuditFolders

REF = "MATA-2026-01"


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        return list(self.problems)


@dataclass
class Sender:
    told: list[tuple[Outcome, int, list[str]]] = field(default_factory=list)

    def __call__(self, taken: Taken[Verdict]) -> None:
        self.told.append((taken.outcome, taken.version, taken.reasons))


def arrive(folders: AuditFolders, content: bytes, max_bytes: int = 1000) -> Arrival:
    path = folders.inbox(REF) / "returns"
    path.mkdir(exist_ok=True)
    (path / "POL.xlsx").write_bytes(content)
    return Arrival(REF, InboxKind.RETURN, "POL", path / "POL.xlsx", Path("returns/POL.xlsx"),
                   "an agency return workbook", max_bytes)


def event(taken: Taken[Verdict]) -> tuple[str, str, str]:
    return f"return_{taken.outcome}", f"POL/v{taken.version}", "; ".join(taken.reasons)


def kept(outcome: str, version: int) -> Path:
    root = config.audit_archive if outcome == "accepted" else config.audit_quarantine
    return root(REF) / "returns" / f"POL.v{version}.xlsx"


def test_a_file_that_breaks_its_reader_is_refused_naming_the_file_and_kept(folders: AuditFolders) -> None:
    store, sender = resources.store(), Sender()

    def reader_that_breaks(data: bytes, _: Mapping[str, bytes]) -> Verdict:
        raise KeyError("xl/worksheets/sheet2.xml")  # what a damaged workbook does to a reader

    taken = take(arrive(folders, b"PK damaged"), reader_that_breaks, store, event=event, tell_sender=sender)

    assert taken.outcome is Outcome.REFUSED and taken.result is None
    assert taken.reasons == ["POL.xlsx could not be read as an agency return workbook (KeyError): it may be damaged "
                             "or saved in another format; save it again (from the template, where there is one) "
                             "and send it again"]
    assert "sheet2" not in taken.reasons[0], "the error's own text may quote the file: it is never repeated"
    assert kept("refused", 1).read_bytes() == b"PK damaged"
    assert kept("refused", 1).stat().st_mode & 0o777 == 0o600
    assert not (folders.inbox(REF) / "returns" / "POL.xlsx").exists()
    assert sender.told == [(Outcome.REFUSED, 1, taken.reasons)]
    assert [(f["outcome"], f["version"]) for f in store.inbox_files(REF, "return", "POL")] == [("refused", 1)]


def test_a_file_over_its_limit_is_refused_unread_and_a_corrected_one_is_accepted(folders: AuditFolders) -> None:
    store, sender, looked = resources.store(), Sender(), []

    def check(data: bytes, _: Mapping[str, bytes]) -> Verdict:
        looked.append(len(data))
        return Verdict()

    first = take(arrive(folders, b"x" * 5000), check, store, event=event, tell_sender=sender)
    second = take(arrive(folders, b"PK good"), check, store, event=event, tell_sender=sender)

    assert looked == [7], "the large file was never read whole nor checked"
    assert first.outcome is Outcome.REFUSED and "larger than" in first.reasons[0]
    assert second.outcome is Outcome.ACCEPTED and second.version == 2
    assert kept("refused", 1).stat().st_size == 5000 and kept("accepted", 2).read_bytes() == b"PK good"


def test_a_take_cut_short_after_its_record_is_finished_once(folders: AuditFolders) -> None:
    store, sender, recorded = resources.store(), Sender(), []
    arrival = arrive(folders, b"PK good")

    def record(taken: Taken[Verdict]) -> None:
        recorded.append(taken.version)

    def crashing_sender(taken: Taken[Verdict]) -> None:
        raise ConnectionError("the worker died before the sender was told")

    with pytest.raises(ConnectionError):
        take(arrival, lambda data, _: Verdict(), store, record=record, event=event, tell_sender=crashing_sender)
    assert (folders.inbox(REF) / "returns" / "POL.xlsx").exists(), "the file waits for the next look"

    again = take(arrival, lambda data, _: Verdict(), store, record=record, event=event, tell_sender=sender)

    assert again.version == 1 and again.outcome is Outcome.ACCEPTED
    assert recorded == [1], "what the file brings is recorded once"
    assert sender.told == [(Outcome.ACCEPTED, 1, [])]
    assert len(store.inbox_files(REF, "return", "POL")) == 1 and len(store.events(REF, "return_accepted")) == 1
    assert sorted(p.name for p in kept("accepted", 1).parent.iterdir()) == ["POL.v1.xlsx"]
    assert not (folders.inbox(REF) / "returns" / "POL.xlsx").exists()


def test_the_same_bytes_sent_again_are_a_new_arrival_not_an_interrupted_take(folders: AuditFolders) -> None:
    store, sender = resources.store(), Sender()
    refuse_first = iter([Verdict(["sheet Themes: a problem"]), Verdict()])

    first = take(arrive(folders, b"PK same"), lambda data, _: next(refuse_first), store, event=event,
                 tell_sender=sender)
    again = take(arrive(folders, b"PK same"), lambda data, _: next(refuse_first), store, event=event,
                 tell_sender=sender)

    assert (first.outcome, first.version) == (Outcome.REFUSED, 1)
    assert (again.outcome, again.version) == (Outcome.ACCEPTED, 2), "checked afresh under the next version"
    assert [f["version"] for f in store.inbox_files(REF, "return", "POL")] == [1, 2]


def test_a_file_replaced_while_its_sender_is_told_stays_for_the_next_look(folders: AuditFolders) -> None:
    """A coordinator who sends the corrected file the moment the refusal reaches them: that file is a new
    arrival, never removed with the one it replaces."""
    store = resources.store()
    returns = folders.inbox(REF) / "returns"
    refuse_first = iter([Verdict(["sheet Findings, row 2, column grade: not a grade"]), Verdict()])

    def sender_who_corrects_at_once(taken: Taken[Verdict]) -> None:
        if not taken.accepted:
            (returns / "POL.xlsx").write_bytes(b"PK corrected")

    first = take(arrive(folders, b"PK first"), lambda data, _: next(refuse_first), store, event=event,
                 tell_sender=sender_who_corrects_at_once)
    assert first.outcome is Outcome.REFUSED
    assert (returns / "POL.xlsx").read_bytes() == b"PK corrected", "the correction waits in the inbox"

    second = take(Arrival(REF, InboxKind.RETURN, "POL", returns / "POL.xlsx", Path("returns/POL.xlsx"),
                          "an agency return workbook", 1000),
                  lambda data, _: next(refuse_first), store, event=event, tell_sender=sender_who_corrects_at_once)
    assert (second.outcome, second.version) == (Outcome.ACCEPTED, 2)
    assert kept("accepted", 2).read_bytes() == b"PK corrected"
    assert not (returns / "POL.xlsx").exists()
