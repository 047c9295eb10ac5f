"""Values another system supplied, in a real browser: the DLA imports e-LAAS figures for ด้าน 8
and a DLA system's disposal method for ด้าน 7; the clerk's forms show them read-only (an input
the clerk cannot type into, a select it cannot change) with the note saying where to correct
them, and an untouched save keeps them as imported."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from models import Organization, Submission, User, db
from models.exchange.imports import ImportFile, ImportMode, ImportSource, commit_import
from models.tables.sections import Section7Environment, Section8Finance
from workflow import Status


def _import(app, section_cls, code: str, rows: str, source: ImportSource) -> None:
    with app.app_context(), app.test_request_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        result = commit_import(section_cls, ImportFile("ระบบอื่น.csv", rows.encode()), admin,
                               default_year=2570, mode=ImportMode.ALL_OR_NOTHING, source=source)
        assert result.committed and result.batch.rows_changed == 1
        db.session.remove()


def test_the_clerk_sees_imported_values_read_only_and_an_untouched_save_keeps_them(
        app, journey, demo, read_db):
    code, sub_id = read_db(lambda: db.session.execute(
        select(Organization.dla_code, Submission.id).join(Organization)
        .where(Submission.fiscal_year == 2570, Submission.status == Status.DRAFT,
               Submission.province_code == "61", Submission.extension_until.is_(None))
        .order_by(Organization.dla_code)).first())
    _import(app, Section8Finance, code, f"dla_code,revenue_taxes\n{code},123456.78\n",
            ImportSource.ELAAS)
    method = read_db(lambda: db.session.get(Section7Environment, sub_id).waste_disposal_method)
    # A value other than the stored one (which may be blank), so the import changes it.
    methods = Section7Environment.__table__.c.waste_disposal_method.type.enum_class
    wanted = next(m for m in methods if m is not method)
    _import(app, Section7Environment, code,
            f"dla_code,waste_disposal_method\n{code},{wanted.label_th}\n", ImportSource.DLA)

    clerk = journey.open(f"lao-{code}")
    clerk.goto(f"/admin/edit_s8/edit/?id={sub_id}")
    taxes = clerk.locator("#revenue_taxes")
    expect(taxes).to_have_attribute("readonly", re.compile(".*"))
    expect(taxes).not_to_be_editable()
    expect(clerk.locator("form.admin-form")).to_contain_text("แก้ไขในแบบฟอร์มนี้ไม่ได้")
    journey.step(clerk, "ด้าน 8 with e-LAAS values")
    with clerk.expect_navigation():
        clerk.locator("form.admin-form input[type=submit][value='บันทึก']").click()
    expect(clerk).to_have_url(re.compile(r"workspace/.*tab=8"))     # saved, not refused
    assert read_db(lambda: db.session.get(Section8Finance, sub_id).revenue_taxes) \
        == Decimal("123456.78")

    clerk.goto(f"/admin/edit_s7/edit/?id={sub_id}")
    expect(clerk.locator("#waste_disposal_method")).to_be_disabled()
    with clerk.expect_navigation():       # a disabled select is not posted at all
        clerk.locator("form.admin-form input[type=submit][value='บันทึก']").click()
    expect(clerk).to_have_url(re.compile(r"workspace/.*tab=7"))
    assert read_db(lambda: db.session.get(Section7Environment, sub_id)
                   .waste_disposal_method) is wanted
    clerk.goto(f"/admin/lao_years/workspace/?id={sub_id}&tab=7")
    expect(clerk.locator("main, body").first).to_contain_text("จาก ระบบสารสนเทศอื่น")
