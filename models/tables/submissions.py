"""Fiscal-year rounds, one submission per LAO-year, and the append-only certification history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer,
                        String, Text, UniqueConstraint, false, select)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from workflow import SECTION_COUNT, Action, LabeledEnum, Role, Status, _

from ..base import db, utcnow
from ..catalogue.columns import enum_type
from .geography import District
from .organizations import Organization, OrgType


class YearStatus(LabeledEnum):
    OPEN = ("open", "เปิดรับข้อมูล", "Open", "success")
    CLOSED = ("closed", "ปิดแล้ว", "Closed", "secondary")


class FiscalYear(db.Model):
    """ปีงบประมาณ: one yearly round, identified by its Buddhist Era year."""

    __tablename__ = "fiscal_year"

    be_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False,
                                         info={"label_th": "ปีงบประมาณ", "label_en": "Fiscal year"})
    status: Mapped[YearStatus] = mapped_column(enum_type(YearStatus), default=YearStatus.OPEN,
                                               info={"label_th": "สถานะ", "label_en": "Status"})
    opens_on: Mapped[date] = mapped_column(Date, info={"label_th": "วันที่เปิดรับข้อมูล",
                                                       "label_en": "Opens on"})
    deadline: Mapped[date] = mapped_column(Date, info={"label_th": "กำหนดส่งข้อมูล",
                                                       "label_en": "Deadline"})
    opened_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info={"label_th": "เปิดรับข้อมูลเมื่อ", "label_en": "Opened at"})
    closed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info={"label_th": "ปิดเมื่อ", "label_en": "Closed at"})

    @property
    def is_open(self) -> bool:
        return self.status is YearStatus.OPEN

    def __str__(self) -> str:
        return str(self.be_year)


class Submission(db.Model):
    """ข้อมูล อปท. 8 ด้าน of one LAO in one fiscal year."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("organization_id", "fiscal_year", name="uq_submission_org_year"),
        CheckConstraint(f"sections_complete BETWEEN 0 AND {SECTION_COUNT}",
                        name="sections_complete_range"),
        # The scoping filters and their usual sort orders (SPEC §6).
        Index("ix_submission_year_province_status", "fiscal_year", "province_code", "status"),
        Index("ix_submission_year_district_status", "fiscal_year", "district_code", "status"),
        Index("ix_submission_year_status", "fiscal_year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_year.be_year"),
                                             info={"label_th": "ปีงบประมาณ", "label_en": "Fiscal year"})
    # Where the LAO was in that year; copied from the organization when the year opens so the
    # scoping filter and the conditional UPDATE need no join.
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"))
    org_type: Mapped[OrgType] = mapped_column(enum_type(OrgType),
                                              info={"label_th": "ประเภท อปท.", "label_en": "LAO type"})

    status: Mapped[Status] = mapped_column(enum_type(Status), default=Status.DRAFT,
                                           info={"label_th": "สถานะการรับรองข้อมูล",
                                                 "label_en": "Certification status"})
    received_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info={"label_th": "วันที่รับข้อมูลได้", "label_en": "Received"})
    lao_certified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lao_certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    province_certified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    province_certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sections_complete: Mapped[int] = mapped_column(
        Integer, default=0, info={"label_th": "บันทึกครบ (ด้าน)", "label_en": "Sections complete"})
    # ⚠ findings (year over year > 50 % …) kept with their sections (SectionWarning), counted
    # here so the province's lists show them without a join.
    warnings_count: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0",
        info={"label_th": "ข้อสังเกต ⚠", "label_en": "Warnings"})
    extension_until: Mapped[date | None] = mapped_column(
        Date, info={"label_th": "ขยายเวลาถึง", "label_en": "Extended until"})
    return_reason: Mapped[str | None] = mapped_column(
        Text, info={"label_th": "เหตุผลที่ส่งคืน", "label_en": "Returned because"})
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    district: Mapped[District] = relationship()
    year: Mapped[FiscalYear] = relationship()
    events: Mapped[list[CertificationEvent]] = relationship(
        back_populates="submission", order_by="CertificationEvent.id")

    def __str__(self) -> str:
        return _("%(org)s ปี %(year)s", org=self.organization.name_th, year=self.fiscal_year)


def previous_submission_id(organization_id: Any, fiscal_year: Any) -> Any:
    """The id of the LAO's most recent submission before `fiscal_year` (NULL when none), as a
    scalar subquery correlated to the columns given: the one previous-year lookup, used by the
    rules' year-over-year ⚠ (models/services/sections.previous_values) and by opening a year
    (models/services/rounds.py copies last year's values from it)."""
    earlier = aliased(Submission, name="earlier_submission")
    return (select(earlier.id)
            .where(earlier.organization_id == organization_id, earlier.fiscal_year < fiscal_year)
            .order_by(earlier.fiscal_year.desc()).limit(1).scalar_subquery())


class SectionWarning(db.Model):
    """A ⚠ finding on a saved section: shown to the clerk and to the reviewer (issue 24).

    `kind`: "rule" (a rule of the catalogue, last year's ±50 %), or "peer" (the value is far
    from LAOs of its type: `median`, `peers`, `peer_place` and `score` say how far; its message
    is written when shown, in the reader's language).  Replaced whenever the section is saved —
    a finding that comes back for the same value keeps the clerk's explanation (who, when); a
    changed value is evaluated again.  Every finding must be explained before the LAO certifies.
    """

    __tablename__ = "section_warning"
    __table_args__ = (Index("ix_section_warning_submission", "submission_id", "section_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    section_no: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), default="rule", server_default="rule")
    value: Mapped[str | None] = mapped_column(String(64))       # as compared (peer)
    median: Mapped[float | None] = mapped_column(Float)
    peers: Mapped[int | None] = mapped_column(Integer)
    peer_place: Mapped[str | None] = mapped_column(String(2))   # a province, "" the country
    score: Mapped[float | None] = mapped_column(Float)          # |modified z|: the most extreme first
    explanation: Mapped[str | None] = mapped_column(
        Text, info={"label_th": "คำชี้แจง", "label_en": "Explanation"})
    explained_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    explained_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    submission: Mapped[Submission] = relationship()


class PeerBand(db.Model):
    """The typical value of one numeric field among LAO-years of one type in one fiscal year,
    in one province or ("") the whole country: the median and the median absolute deviation
    (MAD) of every LAO-year's value, or of its value per head where the catalogue says that is
    what compares.  Recomputed set-based (models/rules/peers.recompute_bands)."""

    __tablename__ = "peer_band"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_type: Mapped[OrgType] = mapped_column(enum_type(OrgType), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    field: Mapped[str] = mapped_column(String(100), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    median: Mapped[float] = mapped_column(Float)
    mad: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CertificationEvent(db.Model):
    """ประวัติการรับรองข้อมูล — one row per status change, never updated or deleted."""

    __tablename__ = "certification_event"
    __table_args__ = (Index("ix_certification_event_submission", "submission_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"),
                                               info={"label_th": "รหัสข้อมูลรายปี", "label_en": "Submission"})
    action: Mapped[Action] = mapped_column(enum_type(Action), info={"label_th": "การดำเนินการ", "label_en": "Action"})
    from_status: Mapped[Status] = mapped_column(enum_type(Status), info={"label_th": "จากสถานะ", "label_en": "From"})
    to_status: Mapped[Status] = mapped_column(enum_type(Status), info={"label_th": "เป็นสถานะ", "label_en": "To"})
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_role: Mapped[Role | None] = mapped_column(enum_type(Role), info={"label_th": "บทบาทผู้ดำเนินการ", "label_en": "Role"})
    reason: Mapped[str | None] = mapped_column(Text, info={"label_th": "เหตุผล", "label_en": "Reason"})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 info={"label_th": "วันที่/เวลา", "label_en": "When"})

    submission: Mapped[Submission] = relationship(back_populates="events")
    actor = relationship("User")


# Indexes in the order the submission lists sort (fiscal year newest first, then district and
# id), one per scope, so a page is an index range scan instead of a sort of the whole table
# (bench/README.md: the national last page went from 122 to 42 ms on SQLite).
Index("ix_submission_province_list", Submission.province_code, Submission.fiscal_year.desc(),
      Submission.district_code, Submission.id)
Index("ix_submission_district_list", Submission.district_code, Submission.fiscal_year.desc(),
      Submission.id)
Index("ix_submission_national_list", Submission.fiscal_year.desc(), Submission.district_code,
      Submission.id)
