"""Test data in bulk: extra LAOs with a submission each, without the demo generator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from sqlalchemy import func, insert, select

from models import District, Organization, OrgType, Submission, db
from workflow import Status


def add_laos(count: int, province: str, year: int,
             states: Sequence[Status] = (Status.LAO_CERTIFIED,), code_digit: str = "9") -> list[int]:
    """`count` more อบต. spread over `province`'s real districts, each with a submission of
    `year` whose status cycles through `states`; bulk inserts (call in an app context).
    Returns the new submission ids."""
    districts = db.session.scalars(select(District.code).where(
        District.province_code == province).order_by(District.code)).all()
    have = db.session.scalar(select(func.count()).select_from(Organization).where(
        Organization.dla_code.like(f"{code_digit}%"), Organization.province_code == province))
    orgs = []
    for n in range(have, have + count):
        district = districts[n % len(districts)]
        orgs.append(dict(dla_code=f"{code_digit}{district}{n // len(districts):02d}",
                         name_th=f"องค์การบริหารส่วนตำบลทดสอบ {n + 1}", org_type=OrgType.SAO,
                         province_code=province, district_code=district, active=True))
    org_ids = db.session.scalars(insert(Organization).returning(
        Organization.id, sort_by_parameter_order=True), orgs).all()
    at = datetime(2026, 11, 20, 3, tzinfo=timezone.utc)
    subs = []
    for i, (org_id, org) in enumerate(zip(org_ids, orgs, strict=True)):
        status = states[i % len(states)]
        certified = status is not Status.DRAFT
        subs.append(dict(organization_id=org_id, fiscal_year=year, province_code=province,
                         district_code=org["district_code"], org_type=OrgType.SAO,
                         status=status, sections_complete=8 if certified else 3,
                         received_at=at if certified else None,
                         lao_certified_at=at if certified else None, version=2))
    sub_ids = db.session.scalars(insert(Submission).returning(
        Submission.id, sort_by_parameter_order=True), subs).all()
    db.session.commit()
    return list(sub_ids)
