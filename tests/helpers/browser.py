"""Playwright driving Debian's Chromium (/usr/bin/chromium; no browser can be downloaded here), logged in
through Airflow's own login page, with screenshots kept under test-artifacts/screenshots/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.definitions import PROJECT

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT / "test-artifacts" / "screenshots"
# What this machine's closed network needs (the machine notes): no background calls home, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]

# WCAG's contrast ratio of an element's text against the first opaque background behind it.
_CONTRAST = """element => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
    : Math.pow((v + 0.055) / 1.055, 2.4); }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  let back = element;
  while (back && rgb(getComputedStyle(back).backgroundColor).length === 4
         && rgb(getComputedStyle(back).backgroundColor)[3] === 0) back = back.parentElement;
  const bg = back ? rgb(getComputedStyle(back).backgroundColor) : [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(element).color)), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""
_UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => e.labels.length === 0).map(e => e.name || e.id)"""


@contextmanager
def serving(app: Any, port: int | None = None) -> Iterator[str]:
    """An ASGI app (Airflow's API server app, built in-process) served on loopback (a free port unless
    given), for the browser; yields its URL once the server says it has started."""
    import uvicorn

    from maa.ops.services import free_port

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port or free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not started.wait(0.05):
        if server.started:
            started.set()
        elif not thread.is_alive():
            pytest.fail("the pages' server did not start")
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def read_aloud(page: Any, selector: str) -> list[str]:
    """What a screen reader reads of each item under `selector`: its text, without what is hidden from it."""
    return page.locator(selector).evaluate_all(
        "items => items.map(item => { const copy = item.cloneNode(true);"
        " copy.querySelectorAll('[aria-hidden=true]').forEach(hidden => hidden.remove());"
        " return copy.textContent.replace(/\\s+/g, ' ').trim(); })")


@contextmanager
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is not installed: `apt-get install chromium` (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(browser: Any, url: str, user: str, password: str) -> Any:
    """A page of a new browser context, signed in through Airflow's login form (FAB's) as a person would."""
    page = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900}).new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}/auth/login/")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_url(lambda address: "/auth/login" not in address)
    return page


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_accessible(page: Any) -> None:
    """What a keyboard and screen-reader user needs of each page: a language, one h1, a main landmark,
    a label for every field, a skip link first in the tab order, and text at WCAG AA contrast."""
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert page.locator("h1").count() == 1 and page.locator("main").count() == 1
    assert page.evaluate(_UNLABELLED) == [], "every field has a label"
    page.locator("body").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip", "the skip link comes first"
    for selector in ("main p", "main a", "th", "button", ".marking"):
        for element in page.locator(selector).all()[:5]:
            ratio = element.evaluate(_CONTRAST)
            assert ratio >= 4.5, f"{selector} has contrast {ratio:.2f}:1, below WCAG AA's 4.5:1"
