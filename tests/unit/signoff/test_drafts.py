"""What the Business Unit and QiiP see on Airflow's decision screen."""

from __future__ import annotations

from datetime import UTC, datetime

from maa.audit.definitions import load_definition
from maa.signoff.decisions import APPROVE, REQUEST_CHANGES, Decision
from maa.signoff.drafts import draft_summary_markdown
from tests.helpers.definitions import AuditFolders

URL = "http://localhost:8080/maa/reports/MATA-2026-01/audit-overview-report-draft.pdf"
AT = datetime(2026, 9, 14, 13, 5, tzinfo=UTC)


def test_the_draft_is_one_click_away_and_round_two_shows_what_round_one_asked(folders: AuditFolders) -> None:
    definition = load_definition(folders.write_definition())
    summary = {"round": 2, "analysis_version": 2, "themes": 4, "actions": 6, "path": "/server/only/path.pdf",
               "previous": "analysis v1, 3 themes, 6 actions", "contents": "analysis v2, 4 themes, 6 actions"}
    earlier = [Decision(1, "bu_quality_assurance", APPROVE, "business-unit", AT, "", "Dana Jones", "Business Unit"),
               Decision(1, "qiip_signoff", REQUEST_CHANGES, "qiip", AT, "Name an owner for action A3", "Priya Shah",
                        "QiiP")]

    text = draft_summary_markdown(definition, summary, URL, earlier)

    assert f"[Open the draft report (PDF)]({URL})" in text
    assert "/server/only/path.pdf" not in text, "a server path is no use to the person deciding"
    assert "- Round 1, QiiP's sign-off, by Priya Shah \\(QiiP\\): “Name an owner for action A3”" in text
    assert "Compared with round 1's draft (analysis v1, 3 themes, 6 actions), this one has analysis v2, " \
           "4 themes, 6 actions." in text
    assert "Dana Jones" not in text, "an approval asked for nothing"
    assert "a comment is optional" in text


def test_the_first_round_lists_no_earlier_requests(folders: AuditFolders) -> None:
    definition = load_definition(folders.write_definition())
    summary = {"round": 1, "analysis_version": 1, "themes": 3, "actions": 2, "path": "x"}

    assert "Asked for in earlier rounds" not in draft_summary_markdown(definition, summary, URL, [])


def test_a_comment_is_shown_as_its_words_not_as_markdown(folders: AuditFolders) -> None:
    """Whatever QiiP typed reads as text on the next round's screen: no link, heading or line of its own."""
    definition = load_definition(folders.write_definition())
    summary = {"round": 2, "analysis_version": 2, "themes": 4, "actions": 6, "path": "x"}
    comment = "See [the guidance](http://elsewhere.example)\n# Approved already\n- by everyone"
    earlier = [Decision(1, "qiip_signoff", REQUEST_CHANGES, "qiip", AT, comment, "Priya Shah", "QiiP")]

    text = draft_summary_markdown(definition, summary, URL, earlier)

    (line,) = [line for line in text.splitlines() if line.startswith("- Round 1")]
    assert line.endswith("“See \\[the guidance\\]\\(http://elsewhere\\.example\\) \\# Approved already \\- by "
                         "everyone”")
    assert "\n# Approved" not in text and "Compared with" not in text, "round 1's contents unknown: no comparison"
