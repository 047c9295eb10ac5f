"""Local administrative organizations (อปท.) and their per-LAO records outside the yearly sections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import N_

from ..base import db, utcnow
from ..catalogue import columns as meta
from .geography import District, Province, Subdistrict


class OrgType(meta.LabeledEnum):
    """ประเภท อปท. — never derived from the first digit of the DLA code."""

    PAO = ("pao", "องค์การบริหารส่วนจังหวัด", "Provincial Administrative Organization")
    CITY_MUNICIPALITY = ("city_municipality", "เทศบาลนคร", "City municipality")
    TOWN_MUNICIPALITY = ("town_municipality", "เทศบาลเมือง", "Town municipality")
    SUBDISTRICT_MUNICIPALITY = ("subdistrict_municipality", "เทศบาลตำบล", "Subdistrict municipality")
    SAO = ("sao", "องค์การบริหารส่วนตำบล", "Subdistrict Administrative Organization")
    BANGKOK = ("bangkok", "กรุงเทพมหานคร", "Bangkok Metropolitan Administration")
    PATTAYA = ("pattaya", "เมืองพัทยา", "Pattaya City")


# Short forms Thai officials write in lists (อบจ., ทน., ทม., ทต., อบต.).
ORG_TYPE_SHORT = {
    OrgType.PAO: N_("อบจ."),
    OrgType.CITY_MUNICIPALITY: N_("ทน."),
    OrgType.TOWN_MUNICIPALITY: N_("ทม."),
    OrgType.SUBDISTRICT_MUNICIPALITY: N_("ทต."),
    OrgType.SAO: N_("อบต."),
    OrgType.BANGKOK: N_("กทม."),
    OrgType.PATTAYA: N_("พัทยา"),
}


class Organization(db.Model):
    """อปท. — one local administrative organization."""

    __tablename__ = "organization"
    __table_args__ = (
        Index("ix_organization_province_district", "province_code", "district_code"),
        # The public search's partial Thai names (PostgreSQL only; SQLite scans 7,850 rows).
        Index("ix_organization_name_trgm", "name_th", postgresql_using="gin",
              postgresql_ops={"name_th": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dla_code: Mapped[str] = mapped_column(
        String(7), unique=True,
        info={"label_th": "รหัส อปท.", "label_en": "DLA code", "help": "7 หลัก"})
    name_th: Mapped[str] = mapped_column(String(200), info={"label_th": "ชื่อ อปท.", "label_en": "Name"})
    name_en: Mapped[str | None] = mapped_column(
        String(200), info={"label_th": "ชื่อภาษาอังกฤษ", "label_en": "Name (English)"})
    org_type: Mapped[OrgType] = meta.choice(OrgType, "ประเภท อปท.", "LAO type", nullable=False)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    subdistrict_code: Mapped[str | None] = mapped_column(ForeignKey("subdistrict.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True,
                                         info={"label_th": "ใช้งาน", "label_en": "Active"})
    # Moves whenever the LAO is renamed, moved or retyped: the kept workbooks depend on it
    # (models/workbooks.area_fingerprint).  Empty for rows older than the column.
    updated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow,
        info={"label_th": "แก้ไขล่าสุด", "label_en": "Last updated"})

    province: Mapped[Province] = relationship()
    district: Mapped[District] = relationship()
    subdistrict: Mapped[Subdistrict | None] = relationship()

    def __str__(self) -> str:
        return self.name_th


class LaoWebsite(db.Model):
    """บันทึกเว็บไซต์ อปท. — one website per LAO."""

    __tablename__ = "lao_website"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), unique=True)
    url: Mapped[str] = mapped_column(String(300), info={
        "label_th": "ชื่อเว็บไซต์", "label_en": "Website", "help": "เช่น https://www.dla.go.th"})
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow,
                                                 info={"label_th": "แก้ไขล่าสุด", "label_en": "Last updated"})

    organization: Mapped[Organization] = relationship()


class InfoAdministrator(db.Model):
    """ผู้ดูแลระบบ INFO of an LAO."""

    __tablename__ = "info_administrator"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    # An INFO administrator's contacts are personal data (PDPA): never in a public output.
    name: Mapped[str] = mapped_column(String(200), info={"label_th": "ชื่อ-สกุล", "label_en": "Name",
                                                         "personal": True})
    position: Mapped[str] = mapped_column(String(200), info={"label_th": "ตำแหน่ง", "label_en": "Position",
                                                             "personal": True})
    phone: Mapped[str | None] = mapped_column(String(50), info={"label_th": "เบอร์โทรศัพท์", "label_en": "Phone",
                                                                "personal": True})
    email: Mapped[str | None] = mapped_column(String(200), info={"label_th": "อีเมล", "label_en": "E-mail",
                                                                 "personal": True})

    organization: Mapped[Organization] = relationship()


class TouristCategory(meta.LabeledEnum):
    NATURE = ("nature", "ธรรมชาติ", "Nature")
    HISTORY = ("history", "ประวัติศาสตร์ โบราณสถาน", "History and ancient sites")
    RELIGION = ("religion", "ศาสนสถาน", "Religious site")
    CULTURE = ("culture", "ศิลปวัฒนธรรม ประเพณี", "Arts, culture and festivals")
    RECREATION = ("recreation", "นันทนาการ", "Recreation")
    AGRO = ("agro", "เกษตร", "Agro-tourism")
    OTHER = ("other", "อื่น ๆ", "Other")


class TouristPlace(db.Model):
    """ข้อมูลสถานที่ท่องเที่ยว of an LAO."""

    __tablename__ = "tourist_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), info={"label_th": "ชื่อสถานที่ท่องเที่ยว", "label_en": "Name"})
    category: Mapped[TouristCategory | None] = meta.choice(TouristCategory, "ประเภท", "Category")
    description: Mapped[str | None] = mapped_column(Text, info={"label_th": "รายละเอียด", "label_en": "Description"})
    subdistrict_code: Mapped[str | None] = mapped_column(ForeignKey("subdistrict.code"))
    latitude = meta.latitude()
    longitude = meta.longitude()
    contact: Mapped[str | None] = mapped_column(String(200), info={"label_th": "ติดต่อ", "label_en": "Contact"})

    organization: Mapped[Organization] = relationship()
    subdistrict: Mapped[Subdistrict | None] = relationship()
