"""Browser fixtures: the app served by waitress on a free loopback port, Debian's Chromium driven
by Playwright (one browser per session, one context per user per test), and screenshots of every
recorded step saved under screenshots/ when a test fails.

The database is the suite's own (tests/conftest.py `app`: SQLite, or TEST_DATABASE_URL), so
`make test` runs these on both.  Without Chromium the tests skip with one line — except in CI
(CI=true), where a missing browser fails the run (`make browser-deps` installs it).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def _why_not() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements.txt)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (`make browser-deps` installs Debian's chromium)"
    return None


_WHY_NOT = _why_not()
if _WHY_NOT:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {_WHY_NOT}", pytrace=False)
    pytest.skip(f"browser tests skipped: {_WHY_NOT}", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from models import Organization, Submission, db  # noqa: E402
from ..conftest import PASSWORD  # noqa: E402

# Generous: CI shares 2 cores between pytest, waitress and Chromium (a 10 s wait once ran out
# while a page loaded under load); a real failure still fails, only later.
TIMEOUT_MS = 30_000
SCREENSHOTS = "screenshots"
expect.set_options(timeout=TIMEOUT_MS)  # expect(...) waits as long as the page calls do


# --- the server and the browser ----------------------------------------------------------------

@pytest.fixture(scope="session")
def live_server(app):
    """http://127.0.0.1:<port> serving `app` (waitress, 4 threads) until the session ends."""
    import logging

    import waitress
    # A page's CSS and scripts arrive together; waitress warns when they wait for a thread.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures know in teardown whether it failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.infoCspViolation({directive: e.violatedDirective, blocked: e.blockedURI || "inline",
                           page: location.pathname, source: e.sourceFile + ":" + e.lineNumber,
                           sample: e.sample});
});
"""


# The inline handlers of Flask-Admin's templates that static/js/info.js takes over (the same four
# as its TAKEN_OVER): Chromium reports them blocked as the page is parsed; any other is a defect.
TAKEN_OVER = re.compile(r"^\s*(return modelActions\.execute\(|return faHelpers\.safeConfirm\("
                        r"|faForm\.addInlineField\(|return false;\s*$)")


def _unexpected(violation: dict) -> bool:
    return not (violation["directive"] == "script-src-attr"
                and TAKEN_OVER.match(violation["sample"] or ""))


class Journey:
    """The pages of one test (one browser context per user) and a screenshot per step."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.steps: list[tuple[str, bytes]] = []
        # What the Content-Security-Policy blocked, on any page of the test (the journey
        # fixture fails a test that saw one: an inline script or handler INFO did not take over).
        self.csp_violations: list[dict] = []

    def open(self, username: str | None = None, *, storage_state: dict | None = None,
             width: int = 1280) -> Page:
        """A fresh context (own cookies); signed in as `username` when given, or carrying the
        cookies of an earlier sign-in (`storage_state`, from `page.context.storage_state()`);
        `width` is the window's (390 for a phone)."""
        context = self.browser.new_context(base_url=self.base_url, locale="th-TH",
                                           viewport={"width": width, "height": 900},
                                           storage_state=storage_state)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.expose_function("infoCspViolation", lambda text: self.csp_violations.append(text))
        context.add_init_script(CSP_LISTENER)
        self.contexts.append(context)
        page = context.new_page()
        if username:
            login(page, username)
        return page

    def step(self, page: Page, label: str) -> None:
        """Record what the page looks like now (written to disk only if the test fails)."""
        self.steps.append((label, page.screenshot(full_page=True)))

    def save(self, directory: Path, test_name: str) -> list[Path]:
        directory.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_")
        shots = list(self.steps)
        for context in self.contexts:  # the moment of failure, on every open page
            for page in context.pages:
                try:
                    shots.append(("at failure", page.screenshot(full_page=True)))
                except Exception:  # noqa: BLE001 - a crashed page has no picture
                    pass
        paths = []
        for number, (label, png) in enumerate(shots, start=1):
            path = directory / f"{stem}-{number}.png"
            path.write_bytes(png)
            paths.append(path)
            print(f"screenshot {path}: {label}")
        return paths

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture()
def journey(request, browser, live_server):
    journey = Journey(browser, live_server)
    yield journey
    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    if failed:
        journey.save(Path(request.config.rootpath) / SCREENSHOTS, request.node.name)
    journey.close()
    if not failed:
        blocked = [v for v in journey.csp_violations if _unexpected(v)]
        assert blocked == [], f"the Content-Security-Policy blocked: {blocked}"


@pytest.fixture()
def page(journey) -> Page:
    """An anonymous page (use journey.open(username) for signed-in ones)."""
    return journey.open()


def answer_dialog(page: Page, answer: str) -> list[str]:
    """Answer the next dialog (accept / dismiss); the returned list receives its message."""
    seen: list[str] = []

    def handle(dialog):
        seen.append(dialog.message)
        dialog.accept() if answer == "accept" else dialog.dismiss()
    page.once("dialog", handle)
    return seen


def list_action(page: Page, label: str) -> None:
    """Run a Flask-Admin list action on the checked rows, from the actions dropdown (once the
    page's scripts have run: before that the dropdown opens nothing)."""
    page.wait_for_load_state("load")
    page.get_by_role("button", name="ดำเนินการกับรายการที่เลือก").click()
    page.locator(".dropdown-menu.show a.dropdown-item").get_by_text(label, exact=True).click()


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "/login" not in page.url, f"{username} could not sign in: {page.url}"


# --- the database, read the way the server committed it -------------------------------------

@pytest.fixture()
def read_db(app):
    """read_db(fn) runs fn() in a fresh app context and session (sees the server's commits)."""
    def run(fn):
        with app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()
    return run


def submission_of(dla_code: str, year: int = 2570) -> Submission:
    return db.session.scalar(select(Submission).join(Organization).where(
        Organization.dla_code == dla_code, Submission.fiscal_year == year))


def statuses(ids) -> dict[int, str]:
    return {i: s.value for i, s in db.session.execute(
        select(Submission.id, Submission.status).where(Submission.id.in_(list(ids))))}
