"""Where each LAO stands (issue 24): a returned LAO-year is shown as ส่งคืนให้แก้ไข — with its
reason, who returned it and when, and its extension — in the clerk's year list, the officers'
review list, the status tab and the dashboards' LAO lists; a filter "ส่งคืนให้แก้ไข"; the
review list's status buttons keep the search and every other filter; and the dashboards count
how many LAOs certified on time, within an extension, late or not yet, each count a link to
exactly those LAO-years.

The display state is read from the certification history (the latest event is a return), so
the expectations here are computed from the events in Python, independently of the SQL.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import insert, select, update

from models import CertificationEvent, FiscalYear, Organization, Submission, User, db
from models.services.certification import extend_deadline, transition
from models.reads.standing import Shown, Timeliness
from views.presentation import thai_datetime
from workflow import BANGKOK, Action, Role, Status, thai_date

from . import factories
from .conftest import signed_in
from .test_query_counts import counting, explain, show

YEAR = 2570
PROVINCE = "61"
LIST = "/admin/submission/"
ROW_LINK = re.compile(r'href="/admin/(?:submission|lao_years)/workspace/\?id=(\d+)"')
LIST_TOTAL = re.compile(r"nav-link active\">[^<(]*\((\d+)\)")
COUNT = re.compile(r'<a href="([^"]+)" class="dash-count" data-count="(\w+)">([\d,]+)</a>')
REASON = "ประชากรชายและหญิงรวมกันไม่เท่ากับประชากรรวม กรุณาแก้ไขด้านที่ 1"


# --- helpers ------------------------------------------------------------------------------------

def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _first(status: Status, province: str = PROVINCE) -> Submission:
    return db.session.scalars(select(Submission).where(
        Submission.fiscal_year == YEAR, Submission.province_code == province,
        Submission.status == status).order_by(Submission.id)).first()


def _return(sub_id: int, reason: str = REASON) -> None:
    (outcome,) = transition(Action.RETURN_TO_LAO, [sub_id], _user(f"prov-{PROVINCE}"),
                            reason=reason)
    assert outcome.done, outcome


def returned_by_history() -> set[int]:
    """The LAO-years whose latest certification event is a return (and that are drafts),
    computed in Python from every event."""
    latest: dict[int, CertificationEvent] = {}
    for event in db.session.scalars(select(CertificationEvent).order_by(CertificationEvent.id)):
        latest[event.submission_id] = event
    drafts = set(db.session.scalars(select(Submission.id).where(
        Submission.status == Status.DRAFT)))
    return {i for i, e in latest.items() if e.action is Action.RETURN_TO_LAO and i in drafts}


def list_ids(client, url: str) -> tuple[int, set[str]]:
    """(the list's total, the ids of every row over its pages)."""
    listed, total, page = set(), None, 0
    while True:
        body = client.get(f"{url}&page={page}").get_data(as_text=True)
        total = int(LIST_TOTAL.search(body).group(1))
        found = set(ROW_LINK.findall(body))
        if not found - listed:
            break
        listed |= found
        page += 1
    return total, listed


def row_of(body: str, sub_id: int) -> str:
    """The list row (<tr>…</tr>) of one LAO-year."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        if f"workspace/?id={sub_id}\"" in row:
            return row
    raise AssertionError(f"no row for {sub_id}")


def status_buttons(body: str) -> dict[str, str]:
    """label → URL of the review list's status buttons."""
    nav = re.search(r'<nav class="mb-2" aria-label="[^"]*">(.*?)</nav>', body, re.S).group(1)
    return {htmllib.unescape(label): htmllib.unescape(url)
            for url, label in re.findall(r'<a class="btn[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>',
                                         nav)}


# --- ส่งคืนให้แก้ไข in every list ----------------------------------------------------------------

def test_a_returned_year_shows_its_reason_who_when_and_extension_in_every_list(app, demo):
    until = date.today() + timedelta(days=12)
    with app.app_context():
        sub = _first(Status.LAO_CERTIFIED)
        sub_id, dla, clerk = sub.id, sub.organization.dla_code, f"lao-{sub.organization.dla_code}"
        _return(sub_id)
        extend_deadline([sub_id], _user(f"prov-{PROVINCE}"), until)
        officer = _user(f"prov-{PROVINCE}").full_name
        event = db.session.scalars(select(CertificationEvent).where(
            CertificationEvent.submission_id == sub_id).order_by(
            CertificationEvent.id.desc())).first()
        # The rulebook's state is unchanged: a returned year is a draft there.
        assert db.session.get(Submission, sub_id).status is Status.DRAFT
        assert event.action is Action.RETURN_TO_LAO
        when = thai_datetime(event.created_at)
        db.session.remove()
    assert officer and REASON

    def shows_all(text: str) -> None:
        assert Shown.RETURNED.label_th in text
        assert REASON in text and officer in text and when in text, text[:600]
        assert thai_date(until) in text
        assert Status.DRAFT.label_th not in text  # not "อปท. ยังไม่รับรองข้อมูล"

    province = signed_in(app, f"prov-{PROVINCE}")
    body = province.get(f"{LIST}?flt0_0={YEAR}&search={dla}").get_data(as_text=True)
    shows_all(row_of(body, sub_id))
    # the clerk's year list
    body = signed_in(app, clerk).get("/admin/lao_years/").get_data(as_text=True)
    shows_all(row_of(body, sub_id))
    # the status tab
    body = province.get(f"{LIST}workspace/?id={sub_id}&tab=status").get_data(as_text=True)
    current = re.search(r'<p id="current-standing">.*?</dl>', body, re.S).group(0)
    shows_all(current)
    # the dashboard's lagging LAOs
    body = province.get("/admin/dashboard/").get_data(as_text=True)
    lagging = re.search(r'<table[^>]*id="table-lagging".*?</table>', body, re.S).group(0)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", lagging, re.S)
               if f"id={sub_id}\"" in r)
    shows_all(row)
    # the district's dashboard lists its LAOs with the same state
    with app.app_context():
        district = db.session.get(Submission, sub_id).district_code
        db.session.remove()
    body = province.get(f"/admin/dashboard/?district={district}").get_data(as_text=True)
    laos = re.search(r'<table[^>]*id="table-laos".*?</table>', body, re.S).group(0)
    shows_all(next(r for r in re.findall(r"<tr>(.*?)</tr>", laos, re.S)
                   if f"id={sub_id}\"" in r))


def test_only_the_latest_event_makes_a_year_returned(app, demo):
    """Re-certified after a return, or returned, re-certified and revoked by the LAO: a draft
    with a return in its past is not ส่งคืนให้แก้ไข (the demo's return_reason column reads
    any return; the list reads the latest event)."""
    with app.app_context():
        returned = returned_by_history()
        assert returned, "the demo has a returned LAO-year"
        sub_id = min(returned)
        clerk = _user(f"lao-{db.session.get(Submission, sub_id).organization.dla_code}")
        (done,) = transition(Action.CERTIFY_LAO, [sub_id], clerk, carried_ok=True)
        assert done.done, done
        assert sub_id not in returned_by_history()
        dla = db.session.get(Submission, sub_id).organization.dla_code
        db.session.remove()
    province = signed_in(app, f"prov-{PROVINCE}")
    row = row_of(province.get(f"{LIST}?flt0_0={YEAR}&search={dla}").get_data(as_text=True),
                 sub_id)
    assert Status.LAO_CERTIFIED.label_th in row and Shown.RETURNED.label_th not in row
    with app.app_context():
        clerk = _user(f"lao-{dla}")
        (done,) = transition(Action.REVOKE_LAO, [sub_id], clerk)
        assert done.done, done
        db.session.remove()
    row = row_of(province.get(f"{LIST}?flt0_0={YEAR}&search={dla}").get_data(as_text=True),
                 sub_id)
    assert Status.DRAFT.label_th in row and Shown.RETURNED.label_th not in row
    assert REASON not in row
    tab = province.get(f"{LIST}workspace/?id={sub_id}&tab=status").get_data(as_text=True)
    current = re.search(r'<p id="current-standing">.*?</p>', tab, re.S).group(0)
    assert Status.DRAFT.label_th in current and Shown.RETURNED.label_th not in current
    # … nor does the filter list it, nor the dashboard count it.
    _total, listed = list_ids(province, f"{LIST}?flt0_0={YEAR}&flt1_7=returned")
    with app.app_context():
        assert listed == {str(i) for i in returned_by_history()} and str(sub_id) not in listed
        db.session.remove()
    body = province.get("/admin/dashboard/").get_data(as_text=True)
    assert re.search(rf'data-count="returned">{len(listed)}</a>', body)


def test_the_returned_filter_lists_exactly_the_returned_years(app, demo):
    with app.app_context():
        for sub in db.session.scalars(select(Submission).where(
                Submission.fiscal_year == YEAR, Submission.province_code == PROVINCE,
                Submission.status == Status.LAO_CERTIFIED).order_by(Submission.id).limit(3)):
            _return(sub.id)
        returned = {str(i) for i in returned_by_history()}
        everything = {str(i) for i in db.session.scalars(select(Submission.id).where(
            Submission.fiscal_year == YEAR, Submission.province_code == PROVINCE))}
        db.session.remove()
    assert len(returned) >= 4
    province = signed_in(app, f"prov-{PROVINCE}")
    total, listed = list_ids(province, f"{LIST}?flt0_0={YEAR}&flt1_7=returned")
    assert total == len(returned) and listed == returned
    total, listed = list_ids(province, f"{LIST}?flt0_0={YEAR}&flt1_7=not_returned")
    assert listed == everything - returned
    # The menu reads plainly: no "เป็นค่าว่าง ไม่ใช่" any more.
    body = province.get(f"{LIST}?flt0_0={YEAR}").get_data(as_text=True)
    menu = json.loads(htmllib.unescape(re.search(
        r'<div id="filter-groups-data" class="d-none">(.*?)</div>', body, re.S).group(1)))
    assert "เหตุผลที่ส่งคืน" not in menu
    (returned_filter,) = menu["ส่งคืนให้แก้ไข"]
    assert returned_filter["operation"] == "แสดง" and returned_filter["options"] == [
        ["returned", "เฉพาะที่ส่งคืนให้แก้ไข"], ["not_returned", "ยกเว้นที่ส่งคืนให้แก้ไข"]]
    assert [o[1] for o in menu["การรับรองตามกำหนด"][0]["options"]] == [
        t.label_th for t in Timeliness]
    # An old bookmark (the double negative's 0 / 1) is refused with a Thai message, not
    # read the other way round.
    old = province.get(f"{LIST}?flt0_0={YEAR}&flt1_7=0", follow_redirects=True)
    text = old.get_data(as_text=True)
    assert old.status_code == 200 and "ไม่ใช้ตัวกรอง “ส่งคืนให้แก้ไข”" in text
    assert int(LIST_TOTAL.search(text).group(1)) == len(everything)


def test_status_buttons_keep_the_search_sort_and_every_other_filter(app, demo):
    with app.app_context():
        sub = db.session.scalars(select(Submission).join(Organization).where(
            Submission.fiscal_year == YEAR, Organization.name_th.contains("หนอง"),
            Submission.status == Status.LAO_CERTIFIED)).first()
        assert sub is not None, "the demo has an LAO named หนอง… that certified"
        _return(sub.id)
        district = sub.district_code
        db.session.remove()
    province = signed_in(app, f"prov-{PROVINCE}")
    url = (f"{LIST}?search=หนอง&flt0_0={YEAR}&flt1_1={district}&flt2_3=lao_certified"
           f"&sort=1&desc=1&page=3")
    buttons = status_buttons(province.get(url).get_data(as_text=True))
    assert list(buttons) == ["ทุกสถานะ", Status.DRAFT.label_th, Shown.RETURNED.label_th,
                             Status.LAO_CERTIFIED.label_th, Status.PROVINCE_CERTIFIED.label_th]
    for label, link in buttons.items():
        args = parse_qsl(urlsplit(link).query)
        kept = dict(args)
        assert kept["search"] == "หนอง" and kept["sort"] == "1" and kept["desc"] == "1", label
        assert "page" not in kept, label  # a new selection starts on its first page
        filters = sorted(v for k, v in args if k.startswith("flt"))
        assert str(YEAR) in filters and district in filters, label
        numbers = [k.split("_")[0] for k, _v in args if k.startswith("flt")]
        assert numbers == [f"flt{n}" for n in range(len(numbers))], label  # no clash
    # Following "ส่งคืนให้แก้ไข": the search box still says หนอง, and the rows are the
    # district's returned หนอง… LAOs.
    page = province.get(buttons[Shown.RETURNED.label_th]).get_data(as_text=True)
    assert 'value="หนอง"' in page
    assert str(sub.id) in ROW_LINK.findall(page)
    assert Shown.RETURNED.label_th in row_of(page, sub.id)
    with app.app_context():
        expected = {str(i) for i in returned_by_history() if db.session.get(
            Submission, i).district_code == district and "หนอง" in db.session.get(
            Submission, i).organization.name_th}
        db.session.remove()
    assert set(ROW_LINK.findall(page)) == expected


# --- timeliness -----------------------------------------------------------------------------------

DEADLINE = date(2026, 12, 30)


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC time of `day` at hour:minute in Bangkok."""
    return datetime.combine(day, time(hour, minute), tzinfo=BANGKOK).astimezone(timezone.utc)


# (certified at, in Bangkok; extension) → the timeliness expected
CASES = (
    (_utc(DEADLINE, 23, 59), None, Timeliness.ON_TIME),           # the last minute of the day
    (_utc(DEADLINE - timedelta(days=20), 9), None, Timeliness.ON_TIME),
    (_utc(DEADLINE + timedelta(days=1), 0, 0), None, Timeliness.LATE),  # 17:00 UTC the day
    (_utc(DEADLINE + timedelta(days=1), 0, 0), DEADLINE + timedelta(days=5), Timeliness.EXTENDED),
    (_utc(DEADLINE + timedelta(days=5), 23, 0), DEADLINE + timedelta(days=5), Timeliness.EXTENDED),
    (_utc(DEADLINE + timedelta(days=6), 8), DEADLINE + timedelta(days=5), Timeliness.LATE),
    (_utc(DEADLINE - timedelta(days=3), 10), DEADLINE + timedelta(days=5), Timeliness.ON_TIME),
)


def _plant_times(app) -> dict[int, Timeliness]:
    """Give every certified LAO-year of YEAR a certification time from CASES (cycling), and
    return what each LAO-year's timeliness should be — computed here, in Python."""
    expected = {}
    with app.app_context():
        db.session.execute(update(FiscalYear).where(FiscalYear.be_year == YEAR)
                           .values(deadline=DEADLINE))
        rows = db.session.execute(select(Submission.id, Submission.status).where(
            Submission.fiscal_year == YEAR).order_by(Submission.id)).all()
        n = 0
        for sub_id, status in rows:
            if status is Status.DRAFT:
                expected[sub_id] = Timeliness.NOT_YET
                continue
            at, extension, _kind = CASES[n % len(CASES)]
            n += 1
            db.session.execute(update(Submission).where(Submission.id == sub_id).values(
                lao_certified_at=at, extension_until=extension))
            day = at.astimezone(BANGKOK).date()
            expected[sub_id] = (Timeliness.ON_TIME if day <= DEADLINE else
                                Timeliness.EXTENDED if extension and day <= extension else
                                Timeliness.LATE)
            assert expected[sub_id] is _kind
        db.session.commit()
        db.session.remove()
    return expected


def _table(body: str, table_id: str) -> tuple[dict[str, dict], dict]:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S)
    assert found, f"no table {table_id}"
    text = found.group(0)
    rows = {key: {name: (int(n.replace(",", "")), htmllib.unescape(u))
                  for u, name, n in COUNT.findall(cells)}
            for key, cells in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', text, re.S)}
    foot = re.search(r"<tfoot>(.*?)</tfoot>", text, re.S).group(1)
    return rows, {name: (int(n.replace(",", "")), htmllib.unescape(u))
                  for u, name, n in COUNT.findall(foot)}


def test_timeliness_counts_equal_a_count_in_python_and_link_to_exactly_those_years(
        app, two_provinces):
    expected = _plant_times(app)
    with app.app_context():
        place = dict(db.session.execute(select(Submission.id, Submission.district_code).where(
            Submission.fiscal_year == YEAR, Submission.province_code == PROVINCE)).all())
        kinds = dict(db.session.execute(select(Submission.id, Submission.org_type).where(
            Submission.fiscal_year == YEAR, Submission.province_code == PROVINCE)).all())
        db.session.remove()
    mine = {i: t for i, t in expected.items() if i in place}
    assert {t for t in mine.values()} == set(Timeliness)  # every kind is there

    province = signed_in(app, f"prov-{PROVINCE}")
    body = province.get("/admin/dashboard/").get_data(as_text=True)
    by_district, total = _table(body, "timely-district")
    for district, counts in by_district.items():
        for t in Timeliness:
            want = sum(1 for i, k in mine.items() if k is t and place[i] == district)
            assert counts[t.value][0] == want, (district, t)
    for t in Timeliness:
        assert total[t.value][0] == sum(1 for k in mine.values() if k is t), t
    by_type, type_total = _table(body, "timely-org_type")
    for org_type, counts in by_type.items():
        for t in Timeliness:
            assert counts[t.value][0] == sum(1 for i, k in mine.items()
                                             if k is t and kinds[i].value == org_type)
    assert {k: v[0] for k, v in type_total.items()} == {k: v[0] for k, v in total.items()}
    # Each total is a link to a list of exactly those LAO-years.
    for t in Timeliness:
        n, url = total[t.value]
        shown, listed = list_ids(province, url)
        assert shown == n and listed == {str(i) for i, k in mine.items() if k is t}, t


def test_the_national_timeliness_table_sorts_by_any_of_its_columns(app, two_provinces):
    expected = _plant_times(app)
    with app.app_context():
        # Two more late LAO-years in Chai Nat: the provinces differ, the order shows.
        more = db.session.scalars(select(Submission.id).where(
            Submission.fiscal_year == YEAR, Submission.province_code == "18",
            Submission.status != Status.DRAFT).order_by(Submission.id).limit(2)).all()
        db.session.execute(update(Submission).where(Submission.id.in_(more)).values(
            lao_certified_at=_utc(DEADLINE + timedelta(days=10), 9), extension_until=None))
        db.session.commit()
        expected.update(dict.fromkeys(more, Timeliness.LATE))
        provinces = dict(db.session.execute(select(Submission.id, Submission.province_code)
                                            .where(Submission.fiscal_year == YEAR)).all())
        db.session.remove()
    late = {p: sum(1 for i, k in expected.items() if k is Timeliness.LATE and provinces[i] == p)
            for p in set(provinces.values())}
    assert len(set(late.values())) == 2, late  # the two provinces differ: the order shows
    admin = signed_in(app, "admin")

    def order(query: str) -> list[str]:
        body = admin.get(f"/admin/dashboard/{query}").get_data(as_text=True)
        table = re.search(r'<table[^>]*id="timely-province".*?</table>', body, re.S).group(0)
        return re.findall(r'<tr data-key="(\d+)">', table)
    most_late = sorted(late, key=lambda p: -late[p])
    assert order("?sort=late") == most_late
    assert order("?sort=-late") == most_late[::-1]
    assert order("?sort=nonsense") == order("") == sorted(late)  # the place's own order
    body = admin.get("/admin/dashboard/?sort=late").get_data(as_text=True)
    # the heading sorted by says so, and links to the other direction
    assert 'aria-sort="descending"' in body and 'sort=-late#timely-province' in body


# --- statements ---------------------------------------------------------------------------------

def _grow(app, count: int) -> None:
    """`count` more LAO-years of the province, a third of them returned (a certification, then
    a return event each), the rest certified at times around the deadline."""
    with app.app_context():
        prov = _user(f"prov-{PROVINCE}").id
        ids = factories.add_laos(count, PROVINCE, YEAR, states=(Status.LAO_CERTIFIED,))
        returned = ids[::3]
        at = _utc(DEADLINE, 10)
        db.session.execute(insert(CertificationEvent), [dict(
            submission_id=i, action=Action.CERTIFY_LAO, from_status=Status.DRAFT,
            to_status=Status.LAO_CERTIFIED, created_at=at) for i in ids])
        db.session.execute(insert(CertificationEvent), [dict(
            submission_id=i, action=Action.RETURN_TO_LAO, from_status=Status.LAO_CERTIFIED,
            to_status=Status.DRAFT, actor_id=prov, actor_role=Role.PROVINCE_OFFICER,
            reason=REASON, created_at=at + timedelta(days=1)) for i in returned])
        db.session.execute(update(Submission).where(Submission.id.in_(returned)).values(
            status=Status.DRAFT, extension_until=DEADLINE + timedelta(days=9)))
        db.session.execute(update(Submission).where(Submission.id.in_(ids[1::3])).values(
            lao_certified_at=_utc(DEADLINE + timedelta(days=90), 9)))  # late, whatever the demo's deadline
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("who, url", [
    ("prov-61", f"{LIST}?flt0_0={YEAR}"),
    ("prov-61", f"{LIST}?flt0_0={YEAR}&flt1_7=returned"),
    ("prov-61", f"{LIST}?flt0_0={YEAR}&flt1_8=late"),
    ("prov-61", "/admin/dashboard/"),
    ("prov-61", "/admin/dashboard/?district=6101"),
    ("admin", "/admin/dashboard/?sort=late"),
])
def test_returned_years_and_timeliness_add_no_statement_per_row(app, demo, who, url):
    client = signed_in(app, who)
    sizes = []
    for count in (6, 90):
        _grow(app, count)
        client.get(url).get_data()  # warm the per-scope caches
        with counting(app) as counter:
            response = client.get(url)
            body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert len(ROW_LINK.findall(body)) >= 2, url  # rows are shown (lists and dashboards)
        sizes.append((count, len(counter.statements), counter.statements))
    show(f"standing {who} {url}", *[(n, s) for n, s, _ in sizes])
    (_, small, a), (_, large, b) = sizes
    assert small == large, explain(a, b)
    assert large <= (8 if url.startswith(LIST) else 12), explain([], b)
