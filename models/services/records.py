"""The LAO's website has one home: บันทึกเว็บไซต์ อปท. (`LaoWebsite`, one per LAO).

ด้านที่ 1 shows it and keeps a copy for the year (what the LAO certifies is what the public
reads), refreshed in every draft of an open year that may still be edited whenever the website
is saved; a certified year keeps the address it was certified with.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from workflow import Context, edit_refusal, today_in_thailand

from ..base import db, utcnow
from ..tables.organizations import LaoWebsite
from ..tables.sections import Section1General
from ..tables.submissions import FiscalYear, Submission, YearStatus


def copy_website_to_open_drafts(organization_id: int) -> int:
    """Write the LAO's website into ด้าน 1 of each of its editable open-year drafts; returns
    how many.  Goes through the ORM, so the lock guard and the audit log see the change."""
    url = db.session.scalar(select(LaoWebsite.url).where(
        LaoWebsite.organization_id == organization_id))
    rows = db.session.execute(
        select(Section1General, Submission.status, Submission.extension_until,
               FiscalYear.deadline)
        .join(Submission, Section1General.submission_id == Submission.id)
        .join(FiscalYear, Submission.fiscal_year == FiscalYear.be_year)
        .where(Submission.organization_id == organization_id,
               FiscalYear.status == YearStatus.OPEN)).all()
    changed = 0
    for section, status, extension, deadline in rows:
        if edit_refusal(Context(status=status, year_open=True, today=today_in_thailand(),
                                deadline=deadline, extension_until=extension)):
            continue
        if (section.has_website, section.website_url) != (url is not None, url):
            section.has_website, section.website_url = url is not None, url
            changed += 1
    return changed


def backfill_websites() -> int:
    """A LaoWebsite row for every LAO that has none, from the latest ด้าน 1 that names one."""
    s1, sub = Section1General.__table__, Submission.__table__
    latest = (select(sub.c.organization_id, s1.c.website_url,
                     sub.c.fiscal_year)
              .join(s1, s1.c.submission_id == sub.c.id)
              .where(s1.c.website_url.is_not(None))
              .order_by(sub.c.organization_id, sub.c.fiscal_year.desc()))
    have = set(db.session.scalars(select(LaoWebsite.organization_id)))
    rows, seen = [], set()
    for org_id, url, _year in db.session.execute(latest):
        if org_id in have or org_id in seen:
            continue
        seen.add(org_id)
        rows.append(dict(organization_id=org_id, url=url, updated_at=utcnow()))
    if rows:
        db.session.execute(insert(LaoWebsite), rows)
    return len(rows)
