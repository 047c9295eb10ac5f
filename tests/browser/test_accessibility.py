"""axe-core (axe-playwright-python's bundled axe.min.js) on the screens the clerk and the officer
use most: no violation of impact critical or serious, and a main landmark and a level-one
heading on each; and the same screens on a 390 px phone never scroll sideways.

The demo is seeded once for this module (the pages only read it): the suite's per-test
emptying is switched off here and done once when the module ends.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from models import Submission, db
from workflow import Status

from ..conftest import PASSWORD, _empty_tables
from .conftest import submission_of

BLOCKING = ("critical", "serious")
STRUCTURE = ("landmark-one-main", "page-has-heading-one", "html-has-lang")


@pytest.fixture(autouse=True)
def _clean():
    """Overrides the suite's per-test emptying: this module's data lives until it ends."""
    yield


@pytest.fixture(scope="module")
def seeded(app):
    import demo
    with app.app_context():
        demo.seed_demo(scale="demo", years=3, password=PASSWORD, echo=lambda _line: None)
        # A draft clerk: its forms are editable, so every screen of the workspace renders.
        draft = db.session.scalars(
            db.select(Submission).where(Submission.fiscal_year == demo.OPEN_YEAR,
                                        Submission.status == Status.DRAFT)
            .order_by(Submission.organization_id)).first()
        assert submission_of(draft.organization.dla_code).id == draft.id
        public = db.session.scalars(
            db.select(Submission).where(Submission.status == Status.PROVINCE_CERTIFIED)
            .order_by(Submission.id)).first()
        seeded = {"clerk": f"lao-{draft.organization.dla_code}", "id": draft.id,
                  "code": public.organization.dla_code, "year": public.fiscal_year}
        db.session.remove()  # an open session would hold SQLite's write lock
    yield seeded
    _empty_tables(app)


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture(scope="module")
def signed_in():
    """username → the cookies of its first sign-in in this module (the data does not change)."""
    return {}


# (name, who, path) — path may use {id}, the clerk's 2570 submission.
PAGES = [
    ("login", None, "/login"),
    ("lao-year-list", "clerk", "/admin/lao_years/"),
    ("workspace", "clerk", "/admin/lao_years/workspace/?id={id}&tab=1"),
    ("section-form", "clerk", "/admin/edit_s1/edit/?id={id}"),
    ("status-tab", "clerk", "/admin/lao_years/workspace/?id={id}&tab=status"),
    ("province-list", "prov-61", "/admin/submission/"),
    ("bulk", "prov-61", "/admin/submission/bulk/"),
    ("dashboard-province", "prov-61", "/admin/dashboard/"),
    ("dashboard-district", "dist-6101", "/admin/dashboard/"),
    ("dashboard-nation", "admin", "/admin/dashboard/"),
    ("public-stats", None, "/stats"),
    ("public-search", None, "/?q=%E0%B8%99%E0%B9%89%E0%B8%B3"),
    ("public-year", None, "/orgs/{code}/{year}"),
    ("register", None, "/register"),
    ("users-province", "prov-61", "/admin/user_account/"),
    ("account-requests", "prov-61", "/admin/account_request/"),
    # issue 9: the audit views (the clerk's own scope) and the guides
    ("audit-log", "clerk", "/admin/audit_log/"),
    ("certification-events", "prov-61", "/admin/certification_event/?flt0_0=2570"),
    ("guide-lao", None, "/guides/lao"),
    ("guide-province", None, "/guides/province"),
    # issue 23: the open-data and privacy pages
    ("data-dictionary", None, "/data-dictionary"),
    ("privacy", None, "/privacy"),
    ("my-data", "clerk", "/my-data"),
    # issue 23: the home page, the time series and the comparison
    ("public-home", None, "/"),
    ("public-profile", None, "/orgs/{code}"),
    ("public-compare", None, "/compare?similar={code}"),
]


def _summary(violations) -> str:
    lines = []
    for v in violations:
        node = v["nodes"][0]
        lines.append(f"{v['impact']} {v['id']} ×{len(v['nodes'])}: {v['help']} — e.g. "
                     f"{node['target']} {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


@pytest.mark.parametrize("name, who, path", PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_accessibility_violations(journey, seeded, axe, signed_in, name, who, path):
    page = _open(journey, seeded, signed_in, who)
    response = page.goto(path.format(**seeded))
    assert response.ok and ("/login" not in page.url or name == "login"), page.url
    violations = axe.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: {len(blocking)} serious or critical\n{_summary(blocking)}"
    structure = [v for v in violations if v["id"] in STRUCTURE]
    assert not structure, f"{name}:\n{_summary(structure)}"


def _open(journey, seeded, signed_in, who, width=1280):
    user = seeded["clerk"] if who == "clerk" else who
    if user in signed_in:
        return journey.open(storage_state=signed_in[user], width=width)
    page = journey.open(user, width=width)
    signed_in[user] = page.context.storage_state()
    return page


PHONE = [p for p in PAGES if p[0] != "login"] + [
    ("section-form-rows", "clerk", "/admin/edit_s6/edit/?id={id}")]


@pytest.mark.parametrize("name, who, path", PHONE, ids=[p[0] for p in PHONE])
def test_a_phone_never_scrolls_the_page_sideways(journey, seeded, signed_in, name, who, path):
    page = _open(journey, seeded, signed_in, who, width=390)
    assert page.goto(path.format(**seeded)).ok
    journey.step(page, f"{name} at 390 px")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: the page is {width} px wide on a 390 px phone"


def test_repeating_rows_are_compact_lines(journey, seeded, signed_in):
    """Vehicles of ด้านที่ 6: one line of fields each (a card of stacked inputs made the form
    6,548 px tall)."""
    page = _open(journey, seeded, signed_in, "clerk", width=1366)
    assert page.goto(f"/admin/edit_s6/edit/?id={seeded['id']}").ok
    rows = page.locator("#vehicles .inline-field-list > .inline-field")
    assert rows.count() >= 1
    first = rows.first
    fields = first.locator(".form-group")
    tops = {round(box["y"]) for box in (f.bounding_box() for f in fields.all()) if box}
    assert len(tops) == 1, f"a vehicle row's fields stand on {len(tops)} lines"
    height = first.bounding_box()["height"]
    assert height < 160, f"a vehicle row is {height:.0f} px tall"


def test_filter_widgets_write_thai_in_the_page_font(journey, seeded, signed_in):
    """select2's own sheet set Helvetica, which has no Thai: the filter read as boxes."""
    page = _open(journey, seeded, signed_in, "prov-61")
    assert page.goto("/admin/submission/?flt0_0=2570").ok
    fonts = page.evaluate("""() => [...document.querySelectorAll(
        '#filter_form .select2-chosen, #filter_form .select2-choice')]
        .map(e => getComputedStyle(e).fontFamily)""")
    assert fonts and all(f.startswith("Sarabun") for f in fonts), fonts
