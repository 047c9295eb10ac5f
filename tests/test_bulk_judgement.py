"""Bulk certification with judgement (issue 24): the preview shows each LAO's findings — not
explained, explained, marked for follow-up — the riskiest first, and the officer can leave any
LAO out before the one confirmation; exactly the ticked ones are certified and the left-out
ones are reported with the result."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import Organization, SectionWarning, Submission, db
from workflow import Status

from .conftest import csrf_token

URL = "/admin/submission/bulk/"
YEAR = 2570


def _waiting(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(select(Submission.id, Organization.dla_code).join(Organization)
                                  .where(Submission.fiscal_year == YEAR,
                                         Submission.province_code == "61",
                                         Submission.status == Status.LAO_CERTIFIED)
                                  .order_by(Submission.id)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_the_preview_puts_follow_up_and_unexplained_findings_first(app, demo, login_as, client):
    waiting = _waiting(app)
    assert len(waiting) >= 4
    (followed, code_f), (open_one, code_o), (explained, code_e) = waiting[-1], waiting[-2], \
        waiting[-3]
    with app.app_context():
        db.session.add_all([
            SectionWarning(submission_id=followed, section_no=1, field="households",
                           message="ทดสอบ", explanation="ถูกต้อง", follow_up=True),
            SectionWarning(submission_id=open_one, section_no=2, field="households_piped_water",
                           message="ทดสอบ"),
            SectionWarning(submission_id=explained, section_no=3, field="farm_area",
                           message="ทดสอบ", explanation="ถูกต้อง")])
        for sub_id in (followed, open_one, explained):      # the counter the save keeps
            db.session.get(Submission, sub_id).warnings_count += 1
        db.session.commit()
        db.session.remove()
    login_as("prov-61")
    page = client.get(f"{URL}?year={YEAR}").get_data(as_text=True)
    order = re.findall(r'<tr data-lao="(\d{7})">', page)
    assert order[0] == code_f, order[:5]                       # marked for follow-up
    assert order.index(code_o) < order.index(code_e)           # not explained before explained
    unexplained = [c for c in order if "ยังไม่ได้ชี้แจง" in re.search(
        rf'<tr data-lao="{c}">.*?</tr>', page, re.S).group(0)]
    assert order[1:1 + len(unexplained)] == unexplained
    row = re.search(rf'<tr data-lao="{code_o}">.*?</tr>', page, re.S).group(0)
    assert "ยังไม่ได้ชี้แจง 1" in row
    row = re.search(rf'<tr data-lao="{code_f}">.*?</tr>', page, re.S).group(0)
    assert "ติดตาม" in row and "ชี้แจงแล้ว" in row


def test_an_lao_left_out_is_not_certified_and_is_reported(app, demo, login_as, client):
    waiting = _waiting(app)
    login_as("prov-61")
    page = client.get(f"{URL}?year={YEAR}").get_data(as_text=True)
    shown = re.findall(r'name="rowid" value="(\d+)"', page)
    assert sorted(map(int, shown)) == sorted(i for i, _c in waiting)
    left = shown[1]
    ticked = [i for i in shown if i != left]
    response = client.post(URL, data={"year": str(YEAR), "province": "61", "district": "",
                                      "confirmed": "1", "rowid": ticked, "shown": shown,
                                      "csrf_token": csrf_token(client, f"{URL}?year={YEAR}")})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    with app.app_context():
        states = dict(db.session.execute(select(Submission.id, Submission.status).where(
            Submission.id.in_([int(i) for i in shown]))).all())
        name = db.session.scalar(select(Organization.name_th).join(Submission).where(
            Submission.id == int(left)))
        db.session.remove()
    assert states[int(left)] is Status.LAO_CERTIFIED
    assert all(states[int(i)] is Status.PROVINCE_CERTIFIED for i in ticked)
    left_out = re.search(r'id="left-out".*?</ul>', body, re.S).group(0)
    assert "1 แห่ง" in left_out and name in left_out
    # Nothing ticked: nothing certified, and the page says so.
    response = client.post(URL, data={"year": str(YEAR), "province": "61", "district": "",
                                      "confirmed": "1", "shown": [left],
                                      "csrf_token": csrf_token(client, f"{URL}?year={YEAR}")})
    assert "ไม่ได้เลือก อปท. ใดเลย" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Submission, int(left)).status is Status.LAO_CERTIFIED
        db.session.remove()
