"""Import runs (`ImportBatch`) and the other systems INFO pulls values from (`ImportSource`):
the tables of models/exchange/imports.py, here so that the scope rule and the screens read them
without importing the importer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import LabeledEnum, _

from ..base import db, utcnow
from ..catalogue.columns import catalogue_columns, enum_type, label


class ImportSource(LabeledEnum):
    """Another system whose values INFO pulls (read-only in the clerk's form)."""

    ELAAS = ("e-laas", "ระบบบัญชีคอมพิวเตอร์ขององค์กรปกครองส่วนท้องถิ่น (e-LAAS)",
             "The LAO accounting system (e-LAAS)")
    DOPA = ("dopa", "ระบบทะเบียนราษฎร กรมการปกครอง", "DOPA civil registration")
    DLA = ("dla", "ระบบสารสนเทศอื่นของกรมส่งเสริมการปกครองท้องถิ่น",
           "Another DLA information system")


class ImportMode(LabeledEnum):
    ALL_OR_NOTHING = ("all", "ทั้งไฟล์ หรือไม่นำเข้าเลยถ้ามีแถวที่ไม่ผ่าน",
                      "The whole file, or nothing if any row is refused")
    GOOD_ROWS = ("good", "เฉพาะแถวที่ผ่าน และรายงานแถวที่ไม่ผ่าน",
                 "Only the rows that pass, with a report of the others")


class ImportStatus(LabeledEnum):
    COMMITTED = ("committed", "นำเข้าแล้ว", "Imported", "success")
    REFUSED = ("refused", "ไม่ได้นำเข้า (มีแถวที่ไม่ผ่าน)", "Not imported (rows refused)",
               "danger")


class ImportBatch(db.Model):
    """One committed (or refused) import run: who, when, which file, how many rows."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow,
        info={"label_th": "วันที่/เวลา", "label_en": "When"})
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The importer's scope, so the batch is read where its rows live (models/rules/scoping.py).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"))
    section_no: Mapped[int] = mapped_column(Integer, info={"label_th": "ด้าน", "label_en": "Section"})
    fiscal_year: Mapped[int | None] = mapped_column(
        Integer, info={"label_th": "ปีงบประมาณ", "label_en": "Fiscal year"})
    file_name: Mapped[str] = mapped_column(String(255), info={"label_th": "ไฟล์", "label_en": "File"})
    file_sha256: Mapped[str] = mapped_column(String(64), info={"label_th": "รหัสตรวจสอบไฟล์ (SHA-256)", "label_en": "File checksum (SHA-256)"})
    file_bytes: Mapped[int] = mapped_column(Integer, info={"label_th": "ขนาด (ไบต์)", "label_en": "Size (bytes)"})
    via: Mapped[str] = mapped_column(String(8), default="web", info={"label_th": "ช่องทาง", "label_en": "Via"})
    mode: Mapped[ImportMode] = mapped_column(enum_type(ImportMode), info={"label_th": "วิธีนำเข้า", "label_en": "Mode"})
    source: Mapped[ImportSource | None] = mapped_column(
        enum_type(ImportSource), info={"label_th": "ระบบต้นทาง", "label_en": "Source system"})
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus), info={"label_th": "ผล", "label_en": "Result"})
    rows_total: Mapped[int] = mapped_column(Integer, default=0, info={"label_th": "แถวในไฟล์", "label_en": "Rows"})
    rows_changed: Mapped[int] = mapped_column(Integer, default=0, info={"label_th": "แถวที่เปลี่ยน", "label_en": "Rows changed"})
    rows_refused: Mapped[int] = mapped_column(Integer, default=0, info={"label_th": "แถวที่ไม่ผ่าน", "label_en": "Rows refused"})
    fields_changed: Mapped[int] = mapped_column(Integer, default=0, info={"label_th": "รายการที่เปลี่ยน", "label_en": "Fields changed"})

    user = relationship("User")



def source_label(value: str | None) -> str:
    """The name of the system an `imported` stamp names ("another system" for an unknown one)."""
    try:
        return ImportSource(value).shown
    except ValueError:
        return _("ระบบอื่น")


def imported_fields(section_cls: type, imported: dict | None) -> list[tuple[str, list[str]]]:
    """A section row's `imported` as a screen says it: (the system's name, the labels of the
    fields it supplied, in the catalogue's order), one entry per system."""
    by_source: dict[str, list[str]] = {}
    stamps = imported or {}
    for column in catalogue_columns(section_cls):
        stamp = stamps.get(column.key)
        if isinstance(stamp, dict):
            by_source.setdefault(source_label(stamp.get("source")), []).append(label(column.info))
    return list(by_source.items())
