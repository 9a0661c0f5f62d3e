"""A person at Airflow's decision screen in Chromium, as the sign-off request email sends them there: the
link from the email, the draft opened from the screen, the comment typed, a button pressed. Used beside a
dag.test() rehearsal whose API server runs in-process (`serving`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.helpers.mail import MailCatcher
from tests.helpers.people import password_of

# Airflow's form names each field element_<param> and does not tie its label to it (so no get_by_label).
COMMENT_FIELD = "[name=element_comment]"


def emailed_link(smtp_server: MailCatcher, stage: str, round_number: int) -> str:
    """The Required actions link of the request for `stage`'s answer in `round_number`."""
    request = next(m for m in smtp_server.messages
                   if m["X-MAA-Key"].split("|")[1] == f"{stage}_request"
                   and m["X-MAA-Key"].endswith(f"|v{round_number}"))
    found = re.search(r"https?://\S+/required_actions", request.get_body(("plain",)).get_content())
    assert found, "the request email links the decision screen"
    return found.group()


@dataclass
class DecisionScreen:
    """One person's browser tab on one sign-off task's Required Action, and the status Airflow gave the
    screen's request for the question (403: this person may not even see it)."""

    page: Any
    task_id: str
    question_status: int

    @classmethod
    def open(cls, browser: Any, url: str, login: str, link: str, task_id: str) -> DecisionScreen:
        from tests.helpers.browser import log_in

        page = log_in(browser, url, login, password_of(login))
        with page.expect_response(lambda r: "/hitlDetails" in r.url and r.request.method == "GET") as asked:
            page.goto(link)
        return cls(page, task_id, asked.value.status)

    @classmethod
    def from_email(cls, browser: Any, url: str, smtp_server: MailCatcher, login: str,
                   task_id: str) -> DecisionScreen:
        """`login` follows the link of the request for `task_id`'s answer ("round_2.qiip_signoff") and waits
        for the buttons."""
        group, stage = task_id.split(".")
        screen = cls.open(browser, url, login, emailed_link(smtp_server, stage, int(group.split("_")[1])), task_id)
        screen.wait_for_buttons()
        return screen

    def wait_for_question(self) -> None:
        """The question's text on the screen: the task's subject, which says whose answer it is."""
        self.page.get_by_text("may answer; Airflow refuses anyone else").wait_for()

    def wait_for_buttons(self) -> None:
        self.page.get_by_role("button", name="Approve").wait_for()

    def text(self) -> str:
        return self.page.locator("main").inner_text() if self.page.locator("main").count() else \
            self.page.locator("body").inner_text()

    def draft_link(self) -> str | None:
        draft = self.page.locator("a[href*='audit-overview-report-draft.pdf']")
        return draft.first.get_attribute("href") if draft.count() else None

    def open_the_draft(self) -> bytes:
        """Clicks the screen's draft link: Airflow opens it in a tab of its own, so the decision stays as it
        was behind it. Reads what that tab shows, closes it, and returns the PDF."""
        decision = self.page.url
        with self.page.context.expect_page() as opened:
            self.page.get_by_role("link", name="Open the draft report (PDF)").click()
        tab = opened.value
        tab.wait_for_url("**/audit-overview-report-draft.pdf", wait_until="commit")
        # Chromium hands a PDF to its viewer, whose responses Playwright cannot read back: the tab's address is
        # asked again in this person's session, to see what it served.
        shown = self.page.context.request.get(tab.url)
        tab.close()
        assert shown.status == 200 and shown.headers["content-type"] == "application/pdf", shown.headers
        assert shown.headers["content-disposition"].startswith("inline"), "read in the browser, not downloaded"
        assert self.page.url == decision and self.page.locator(COMMENT_FIELD).is_visible(), \
            "the decision screen stayed open, its form as it was"
        return shown.body()

    def answer(self, option: str, comment: str = "") -> int:
        """Presses `option` (after typing `comment`, if any); returns the status Airflow gave the answer."""
        if comment:
            self.page.locator(COMMENT_FIELD).fill(comment)
        try:
            with self.page.expect_response(lambda r: "/hitlDetails" in r.url and r.request.method == "PATCH") as sent:
                self.page.get_by_role("button", name=option).click()
        except Exception:
            from tests.helpers.browser import screenshot

            screenshot(self.page, f"failed-{self.task_id}-{option.replace(' ', '-')}")
            raise
        return sent.value.status

