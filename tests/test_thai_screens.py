"""Thai wherever a Thai user reads: every list header of every back-office view, the enum
values in the lists, for the roles that open them."""

from __future__ import annotations

import re

import pytest
from flask_admin.contrib.sqla import ModelView

from workflow import Role

from .conftest import login

THAI = re.compile(r"[\u0E00-\u0E7F]")
USERS = {Role.DLA_ADMIN: "admin", Role.PROVINCE_OFFICER: "prov-61",
         Role.DISTRICT_OFFICER: "dist-6101"}


def _headers(html: str) -> list[str]:
    cells = re.findall(r'<th class="column-header[^"]*"[^>]*>(.*?)</th>', html, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in cells]


@pytest.mark.parametrize("role", list(USERS), ids=str)
def test_every_list_header_is_thai(app, demo, role):
    admin = app.extensions["admin"][0]
    client = app.test_client()
    assert login(client, USERS[role]).status_code == 302
    english = []
    for view in admin._views:
        if not isinstance(view, ModelView) or role not in view.roles or not view.is_visible():
            continue
        html = client.get(f"/admin/{view.endpoint}/").get_data(as_text=True)
        if 'class="column-header' not in html:
            html = client.get(f"/admin/{view.endpoint}/", follow_redirects=True).get_data(
                as_text=True)
        english += [f"{view.endpoint}: {h}" for h in _headers(html) if h and not THAI.search(h)]
    assert english == []


def test_be_years_have_no_separator_and_months_are_thai_names(app, demo):
    from sqlalchemy import select

    from models import Submission, db
    from models.tables.sections import Section4Festival, Section6Vehicle
    from workflow import THAI_MONTHS, Status
    with app.app_context():
        sub = next(s for s in db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2570, Submission.status == Status.DRAFT)
            .order_by(Submission.id))
            if db.session.scalar(select(Section6Vehicle.id).where(
                Section6Vehicle.submission_id == s.id, Section6Vehicle.year_acquired > 999))
            and db.session.scalar(select(Section4Festival.id).where(
                Section4Festival.submission_id == s.id, Section4Festival.month.is_not(None))))
        year = db.session.scalar(select(Section6Vehicle.year_acquired).where(
            Section6Vehicle.submission_id == sub.id, Section6Vehicle.year_acquired > 999))
        month = db.session.scalar(select(Section4Festival.month).where(
            Section4Festival.submission_id == sub.id, Section4Festival.month.is_not(None)))
        sub_id, clerk = sub.id, f"lao-{sub.organization.dla_code}"
    client = app.test_client()
    assert login(client, clerk).status_code == 302
    tab6 = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=6").get_data(as_text=True)
    assert f"<td>{year}</td>" in tab6 and f"{year:,}" not in tab6
    tab4 = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=4").get_data(as_text=True)
    assert f"<td>{THAI_MONTHS[month - 1]}</td>" in tab4
    form6 = client.get(f"/admin/edit_s6/edit/?id={sub_id}").get_data(as_text=True)
    assert f'value="{year}"' in form6 and f"{year:,}" not in form6
    form4 = client.get(f"/admin/edit_s4/edit/?id={sub_id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{month}">{THAI_MONTHS[month - 1]}</option>'
                     rf'|<option value="{month}" selected>{THAI_MONTHS[month - 1]}</option>',
                     form4)
