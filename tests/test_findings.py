"""Findings against peers, and explanations before certification (issue 24, first part).

The peer bands (median and MAD of every numeric field per fiscal year, LAO type and province or
the country) are computed set-based in SQL; here they are compared with Python's
statistics.median of the very rows, under drawn data.  A value far from its peers is a ⚠
finding with its reason in Thai; the clerk must explain every finding before certifying; a
finding whose value changes is evaluated again (its explanation does not carry over), one that
stays for the same value keeps it."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from models import OrgType, PeerBand, SectionWarning, Submission, db
from models.rules import peers
from models.tables.sections import SECTIONS, Section1General, Section6Disaster, Section8Finance
from workflow import Status

from .conftest import csrf_token
from .formdata import form_fields

YEAR = 2570
FIELDS = ("section6_disaster.civil_defence_volunteers", "section8_finance.revenue_taxes",
          "section1_general.population_total")


def _independent_bands(fields=FIELDS) -> dict[tuple, tuple[int, float, float]]:
    """(type, place, field) → (n, median, MAD) from the rows, in Python."""
    subs = {s.id: s for s in db.session.execute(
        select(Submission.id, Submission.org_type, Submission.province_code)
        .where(Submission.fiscal_year == YEAR))}
    population = dict(db.session.execute(select(Section1General.submission_id,
                                                 Section1General.population_total)).all())
    columns = {peers.field_key(c): c for s in SECTIONS for c in peers.compared(s)}
    groups: dict[tuple, list[float]] = defaultdict(list)
    for field in fields:
        column = columns[field]
        for sid, value in db.session.execute(select(column.table.c.submission_id, column)):
            if sid not in subs or value is None:
                continue
            if peers.basis(column) == "per_head":
                if not population.get(sid):
                    continue
                value = float(value) / float(population[sid])
            s = subs[sid]
            for place in (s.province_code, ""):
                groups[(s.org_type.value, place, field)].append(float(value))
    out = {}
    for key, values in groups.items():
        m = statistics.median(values)
        out[key] = (len(values), m, statistics.median([abs(v - m) for v in values]))
    return out


def _stored_bands(fields=FIELDS) -> dict[tuple, tuple[int, float, float]]:
    return {(b.org_type.value, b.province_code, b.field): (b.n, b.median, b.mad)
            for b in db.session.scalars(select(PeerBand).where(
                PeerBand.fiscal_year == YEAR, PeerBand.field.in_(fields)))}


@pytest.fixture()
def sao_rows(app, two_provinces):
    with app.app_context():
        ids = db.session.scalars(select(Section6Disaster.submission_id).join(
            Submission, Submission.id == Section6Disaster.submission_id).where(
            Submission.fiscal_year == YEAR).order_by(Section6Disaster.submission_id)).all()
        db.session.remove()
    return ids


def test_bands_equal_an_independent_computation_on_drawn_data(app, sao_rows):
    """Drawn civil-defence volunteers for every LAO-year of two provinces (a field with no
    rule across fields): every band's n, median and MAD — of it, of revenue per head and of
    population — equal statistics.median of the rows, per type, province and nationally, on
    both databases."""
    table = Section6Disaster.__table__

    @settings(max_examples=6, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.one_of(st.none(), st.integers(0, 5000)), min_size=len(sao_rows),
                    max_size=len(sao_rows)))
    def draw(populations):
        with app.app_context():
            for pk, value in zip(sao_rows, populations):
                db.session.execute(update(table).where(table.c.submission_id == pk)
                                   .values(civil_defence_volunteers=value))
            peers.recompute_bands(YEAR)
            db.session.commit()
            found, truth = _stored_bands(), _independent_bands()
            db.session.remove()
        assert set(found) == set(truth)
        for key, (n, median, mad) in truth.items():
            assert found[key][0] == n, key
            assert found[key][1] == pytest.approx(median, rel=1e-9, abs=1e-9), key
            assert found[key][2] == pytest.approx(mad, rel=1e-9, abs=1e-9), key

    draw()


# --- the clerk's journey ------------------------------------------------------------------------

def _draft(app, demo):
    """A complete FY 2570 draft of an อบต. whose sections are all saved this year."""
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == YEAR, Submission.status == Status.DRAFT,
            Submission.org_type == OrgType.SAO, Submission.sections_complete == 8)
            .order_by(Submission.id)).first()
        for section in SECTIONS:
            db.session.execute(update(section).where(section.submission_id == sub.id)
                               .values(carried_forward=False))
        db.session.execute(update(SectionWarning).where(SectionWarning.submission_id == sub.id)
                           .values(explanation="ตรวจสอบแล้ว"))
        peers.recompute_bands(YEAR)
        db.session.commit()
        found = sub.id, f"lao-{sub.organization.dla_code}"
        db.session.remove()
    return found


def _save_population(client, sub_id: int, population: int) -> None:
    page = client.get(f"/admin/edit_s1/edit/?id={sub_id}").get_data(as_text=True)
    data = form_fields(page)
    male = population // 2
    data.update(population_male=str(male), population_female=str(population - male),
                population_total=str(population))
    for key in [k for k in data if k.startswith("pop_age_")]:   # (they must add up when all
        data[key] = ""                                           # are given)
    response = client.post(f"/admin/edit_s1/edit/?id={sub_id}", data=data)
    assert response.status_code == 302, re.findall(
        r'(?:invalid-feedback|alert-danger|help-block)[^>]*>\s*([^<]+)', response.get_data(as_text=True))


def _peer_findings(app, sub_id: int) -> list:
    with app.app_context():
        rows = db.session.execute(select(SectionWarning).where(
            SectionWarning.submission_id == sub_id, SectionWarning.kind == peers.PEER)
            ).scalars().all()
        out = [(w.id, w.field, w.message, w.explanation, w.explained_by_id) for w in rows]
        db.session.remove()
    return out


def _certify(client, sub_id: int):
    token = csrf_token(client, f"/admin/lao_years/workspace/?id={sub_id}&tab=status")
    return client.post("/admin/lao_years/transition/", data=dict(
        csrf_token=token, id=sub_id, action="certify_lao"), follow_redirects=True)


def test_a_population_ten_times_too_large_is_found_explained_and_certified(
        app, demo, login_as, client):
    sub_id, clerk = _draft(app, demo)
    login_as(clerk)
    with app.app_context():
        population = db.session.scalar(select(Section1General.population_total).where(
            Section1General.submission_id == sub_id))
        db.session.remove()
    _save_population(client, sub_id, population * 10)
    found = [f for f in _peer_findings(app, sub_id) if f[1] == "population_total"]
    assert len(found) == 1, _peer_findings(app, sub_id)
    finding_id, _field, message, explanation, _by = found[0]
    assert "สูงกว่า องค์การบริหารส่วนตำบล" in message and "มัธยฐาน" in message
    assert explanation is None

    # Not certified while a finding is unexplained; the status tab says why and asks.
    page = _certify(client, sub_id).get_data(as_text=True)
    assert "ยังไม่ได้ชี้แจง" in page and f'name="explain-{finding_id}"' in page
    with app.app_context():
        assert db.session.get(Submission, sub_id).status is Status.DRAFT
        unexplained = db.session.scalars(select(SectionWarning.id).where(
            SectionWarning.submission_id == sub_id, SectionWarning.explanation.is_(None))).all()
        db.session.remove()

    token = csrf_token(client, f"/admin/lao_years/workspace/?id={sub_id}&tab=status")
    client.post("/admin/lao_years/explain/", data={
        "csrf_token": token, "id": sub_id,
        **{f"explain-{pk}": "มีการขยายเขต ตรวจสอบกับทะเบียนราษฎรแล้ว" for pk in unexplained}})
    (_id, _f, _m, explanation, by) = next(f for f in _peer_findings(app, sub_id)
                                          if f[0] == finding_id)
    assert explanation == "มีการขยายเขต ตรวจสอบกับทะเบียนราษฎรแล้ว" and by is not None
    page = _certify(client, sub_id).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Submission, sub_id).status is Status.LAO_CERTIFIED, page[-3000:]
        db.session.remove()


def test_a_changed_value_is_evaluated_again_and_an_unchanged_one_keeps_its_explanation(
        app, demo, login_as, client):
    sub_id, clerk = _draft(app, demo)
    login_as(clerk)
    with app.app_context():
        population = db.session.scalar(select(Section1General.population_total).where(
            Section1General.submission_id == sub_id))
        db.session.remove()
    _save_population(client, sub_id, population * 10)
    (finding_id, *_rest), = [f for f in _peer_findings(app, sub_id)
                             if f[1] == "population_total"]
    with app.app_context():
        db.session.execute(update(SectionWarning).where(SectionWarning.id == finding_id)
                           .values(explanation="ถูกต้อง"))
        db.session.commit()
        db.session.remove()
    # Saved again with the same population (another field changed): the explanation stays.
    page = client.get(f"/admin/edit_s1/edit/?id={sub_id}").get_data(as_text=True)
    data = form_fields(page)
    data["communities"] = str(int(data.get("communities") or 0) + 1)
    assert client.post(f"/admin/edit_s1/edit/?id={sub_id}", data=data).status_code == 302
    kept = [f for f in _peer_findings(app, sub_id) if f[1] == "population_total"]
    assert [(f[0], f[3]) for f in kept] == [(finding_id, "ถูกต้อง")]
    # A different wrong value: evaluated again, the explanation does not carry over.
    _save_population(client, sub_id, population * 12)
    again = [f for f in _peer_findings(app, sub_id) if f[1] == "population_total"]
    assert len(again) == 1 and again[0][3] is None
    # Corrected: the finding is gone.
    _save_population(client, sub_id, population)
    assert not [f for f in _peer_findings(app, sub_id) if f[1] == "population_total"]


def test_only_the_lao_may_explain_its_own_findings(app, demo, login_as, client):
    sub_id, clerk = _draft(app, demo)
    with app.app_context():
        other = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == YEAR, Submission.id != sub_id,
            Submission.status == Status.DRAFT).order_by(Submission.id)).first()
        db.session.add(SectionWarning(submission_id=sub_id, section_no=1, field="households",
                                      message="ทดสอบ"))
        db.session.commit()
        pk = db.session.scalar(select(SectionWarning.id).where(
            SectionWarning.submission_id == sub_id, SectionWarning.message == "ทดสอบ"))
        other_clerk = f"lao-{other.organization.dla_code}"
        db.session.remove()
    for user, expected in ((other_clerk, 404), ("prov-61", 403)):
        login_as(user)
        token = csrf_token(client, "/admin/")
        response = client.post("/admin/lao_years/explain/" if user != "prov-61"
                               else "/admin/submission/explain/",
                               data={"csrf_token": token, "id": sub_id, f"explain-{pk}": "x"})
        assert response.status_code == expected, (user, response.status_code)
        with app.app_context():
            assert db.session.get(SectionWarning, pk).explanation is None
            db.session.remove()
        client.get("/logout")


def test_the_certify_guard_counts_every_unexplained_finding():
    from workflow import Action, Context, TransitionNotAllowed, next_status, today_in_thailand
    ctx = Context(status=Status.DRAFT, year_open=True, today=today_in_thailand(),
                  sections_complete=8, unexplained=2)
    with pytest.raises(TransitionNotAllowed) as refused:
        next_status(ctx, Action.CERTIFY_LAO, "lao_editor")
    assert refused.value.code == "unexplained" and "2 รายการ" in str(refused.value)
    assert next_status(Context(status=Status.DRAFT, year_open=True, today=today_in_thailand(),
                               sections_complete=8), Action.CERTIFY_LAO, "lao_editor") \
        is Status.LAO_CERTIFIED


def test_money_is_compared_per_head():
    revenue = Section8Finance.__table__.c.revenue_total
    population = Section1General.__table__.c.population_total
    assert peers.basis(revenue) == "per_head" and peers.basis(population) == "value"


def test_the_form_shows_the_peers_typical_range_and_last_years_value(app, demo, login_as,
                                                                      client):
    """Beside a numeric field, before saving: the range of LAOs of the same type (the
    province's band, or the country's) and last year's value."""
    sub_id, clerk = _draft(app, demo)
    with app.app_context():
        from models.tables.submissions import previous_submission_id
        band = db.session.scalar(select(PeerBand).where(
            PeerBand.fiscal_year == YEAR, PeerBand.org_type == OrgType.SAO,
            PeerBand.field == "section1_general.population_total", PeerBand.province_code == "61"))
        earlier = db.session.scalar(select(previous_submission_id(
            Submission.organization_id, Submission.fiscal_year)).where(Submission.id == sub_id))
        last_year = db.session.scalar(select(Section1General.population_total).where(
            Section1General.submission_id == earlier))
        db.session.remove()
    assert band is not None and band.n >= 8 and last_year
    login_as(clerk)
    page = client.get(f"/admin/edit_s1/edit/?id={sub_id}").get_data(as_text=True)
    hint = re.search(r'data-field="population_total">([^<]+)<', page).group(1)
    spread = 2.0 * 1.4826 * band.mad
    low, high = max(0, round(band.median - spread)), round(band.median + spread)
    assert f"ช่วงปกติของ อบต. ในจังหวัด: {low:,}–{high:,} คน" in hint, hint
    assert f"ปีก่อน {last_year:,} คน" in hint
    # Money is compared per head.
    hint = re.search(r'data-field="revenue_taxes">([^<]+)<',
                     client.get(f"/admin/edit_s8/edit/?id={sub_id}").get_data(as_text=True))
    assert hint and "ต่อประชากร 1 คน" in hint.group(1) and "บาท/คน" in hint.group(1)


def test_a_changed_digit_is_a_changed_value():
    """The value kept with a peer finding holds every digit: a budget changed by one baht is
    evaluated again (6 significant digits once kept the old explanation)."""
    assert peers._stored(42_167_091) != peers._stored(42_167_092)
    assert peers._stored(0.1 + 0.2) == peers._stored(0.1 + 0.2)


def test_an_explanation_keeps_one_printable_line(app, demo, login_as, client):
    sub_id, clerk = _draft(app, demo)
    with app.app_context():
        finding = SectionWarning(submission_id=sub_id, section_no=1, field="households",
                                 message="ทดสอบ")
        db.session.add(finding)
        db.session.commit()
        pk = finding.id
        db.session.remove()
    login_as(clerk)
    token = csrf_token(client, f"/admin/lao_years/workspace/?id={sub_id}&tab=status")
    # A NUL is refused before any view reads the form (app.py): a 400, nothing stored.
    response = client.post("/admin/lao_years/explain/", data={
        "csrf_token": token, "id": sub_id, f"explain-{pk}": "ตรวจ\x00สอบ"})
    assert response.status_code == 400
    response = client.post("/admin/lao_years/explain/", data={
        "csrf_token": token, "id": sub_id, f"explain-{pk}": "ตรวจ\x07สอบ\n\tแล้ว " + "ก" * 400})
    assert response.status_code == 302
    with app.app_context():
        text = db.session.get(SectionWarning, pk).explanation
        db.session.remove()
    assert text.startswith("ตรวจสอบ แล้ว ") and "\x07" not in text and len(text) == 300
