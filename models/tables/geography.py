"""Provinces, districts and subdistricts with their DOPA codes (seeded from `geothai`)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import db


class Province(db.Model):
    """จังหวัด — 2-digit DOPA code."""

    __tablename__ = "province"

    code: Mapped[str] = mapped_column(String(2), primary_key=True,
                                      info={"label_th": "รหัสจังหวัด", "label_en": "Province code"})
    name_th: Mapped[str] = mapped_column(String(100),
                                         info={"label_th": "จังหวัด", "label_en": "Province"})
    name_en: Mapped[str] = mapped_column(String(100),
                                         info={"label_th": "ชื่อภาษาอังกฤษ", "label_en": "Name (English)"})

    districts: Mapped[list[District]] = relationship(back_populates="province",
                                                     order_by="District.code")

    def __str__(self) -> str:
        return self.name_th


class District(db.Model):
    """อำเภอ / เขต — 4-digit DOPA code."""

    __tablename__ = "district"

    code: Mapped[str] = mapped_column(String(4), primary_key=True,
                                      info={"label_th": "รหัสอำเภอ", "label_en": "District code"})
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    name_th: Mapped[str] = mapped_column(String(100),
                                         info={"label_th": "อำเภอ", "label_en": "District"})
    name_en: Mapped[str] = mapped_column(String(100),
                                         info={"label_th": "ชื่อภาษาอังกฤษ", "label_en": "Name (English)"})

    province: Mapped[Province] = relationship(back_populates="districts")

    def __str__(self) -> str:
        return self.name_th


class Subdistrict(db.Model):
    """ตำบล / แขวง — 6-digit DOPA code and its postal code."""

    __tablename__ = "subdistrict"

    code: Mapped[str] = mapped_column(String(6), primary_key=True,
                                      info={"label_th": "รหัสตำบล", "label_en": "Subdistrict code"})
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    name_th: Mapped[str] = mapped_column(String(100),
                                         info={"label_th": "ตำบล", "label_en": "Subdistrict"})
    name_en: Mapped[str] = mapped_column(String(100),
                                         info={"label_th": "ชื่อภาษาอังกฤษ", "label_en": "Name (English)"})
    postal_code: Mapped[str | None] = mapped_column(
        String(5), info={"label_th": "รหัสไปรษณีย์", "label_en": "Postal code"})

    district: Mapped[District] = relationship()
    province: Mapped[Province] = relationship()

    def __str__(self) -> str:
        return self.name_th
