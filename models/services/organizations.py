"""Organizations master data (the DLA): where an LAO is, and what follows when it moves.

An LAO keeps its DLA code for life (a type change keeps the code); it moves only between the
districts of its province; its office subdistrict lies in its district; the province always
follows the district and is never typed in.  When an LAO moves or changes type, the open
years' submissions follow it in the same transaction, so the scope rule (which reads a
submission's own district and province) shows the open year to the new district's officer;
the closed years stay where they were certified.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select, update

from workflow import _

from ..base import db
from ..tables.submissions import FiscalYear, Submission, YearStatus


class OrganizationRefused(ValueError):
    """A change of an LAO that cannot be; `str()` is the Thai reason."""


def place_organization(org: Any, *, created: bool) -> None:
    """Check and complete `org`'s place before it is flushed (the form has set its fields);
    an existing LAO's open-year submissions follow.  Raises OrganizationRefused."""
    state = inspect(org)
    if org.district is None:
        raise OrganizationRefused(_("กรุณาเลือกอำเภอที่ตั้งของ อปท."))
    if not created:
        code = state.attrs.dla_code.history
        if code.deleted and code.deleted[0] != org.dla_code:
            raise OrganizationRefused(_("รหัส อปท. เปลี่ยนไม่ได้ (อปท. ที่เปลี่ยนประเภทใช้รหัสเดิม)"))
        old_province = state.attrs.province_code.history.unchanged \
            or state.attrs.province_code.history.deleted
        if old_province and org.district.province_code != old_province[0]:
            raise OrganizationRefused(_("ย้ายได้เฉพาะอำเภอในจังหวัดเดิม"))
    org.province_code = org.district.province_code
    org.district_code = org.district.code
    if org.subdistrict is not None and org.subdistrict.district_code != org.district_code:
        raise OrganizationRefused(_("ตำบลที่ตั้งสำนักงานต้องอยู่ในอำเภอที่เลือก"))
    if not created:
        db.session.execute(
            update(Submission)
            .where(Submission.organization_id == org.id,
                   Submission.fiscal_year.in_(select(FiscalYear.be_year).where(
                       FiscalYear.status == YearStatus.OPEN)))
            .values(district_code=org.district_code, province_code=org.province_code,
                    org_type=org.org_type)
            .execution_options(synchronize_session=False))
