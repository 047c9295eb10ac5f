"""The 8 yearly section tables (ข้อมูล อปท. 8 ด้าน, SPEC §5) and their repeating child rows.

One row per submission in each section table.  Every catalogue field is a `meta` helper, so its
Thai/English label, unit, group (the fieldset on the form), help text and "required" flag live
on the column.  "Required" is a completeness rule, not NOT NULL: a draft may be half filled.

A section's value rules are declared once, in its `RULES` (the kinds are in models/catalogue/rule_kinds.py;
a column's own min/max is in its metadata).  `models.rules.values.check_section` gives their Thai
messages to the forms, the tables' CHECK constraints are generated from them (so no path —
form, import, shell — can store a broken row) and the demo generator repairs its values with
them.  To add a rule, add it to the section's `RULES`: nothing else changes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from workflow import N_, _, current_language

from ..base import db, utcnow
from ..catalogue import columns as meta
from ..catalogue.rule_kinds import (AtMost, Custom, Inputs, Pattern, RuledTable, RuleContext, SumAtMost,
                       SumOf, blank, getter, num, truthy, valid_url)
from .geography import Subdistrict
from .organizations import OrgType
from .submissions import Submission

__all__ = [
    "OrgSize", "EducationLevel", "EducationAffiliation", "VehicleKind", "WasteDisposal",
    "SectionMixin", "Section1General", "Section1Recorder", "Section2Infrastructure",
    "Section3Economy", "Section3OccupationGroup", "Section4Social", "Section4Education",
    "Section4Festival", "Section5Health", "Section6Disaster", "Section6Vehicle",
    "Section7Environment", "Section8Finance", "SECTIONS", "CHILDREN", "ROW_LIMITS",
    "section_by_slug", "section_by_no",
]


# --- choices -------------------------------------------------------------------------------

class OrgSize(meta.LabeledEnum):
    """ขนาด อปท. in the year."""

    LARGE = ("large", "ใหญ่", "Large")
    MEDIUM = ("medium", "กลาง", "Medium")
    SMALL = ("small", "เล็ก", "Small")


class EducationLevel(meta.LabeledEnum):
    """ระดับการศึกษา of an education row."""

    CHILD_DEVELOPMENT = ("child_development", "ศูนย์พัฒนาเด็กเล็ก", "Child development centre")
    PRE_PRIMARY = ("pre_primary", "ก่อนประถมศึกษา", "Pre-primary")
    PRIMARY = ("primary", "ประถมศึกษา", "Primary")
    SECONDARY = ("secondary", "มัธยมศึกษา", "Secondary")
    VOCATIONAL = ("vocational", "อาชีวศึกษา", "Vocational")


class EducationAffiliation(meta.LabeledEnum):
    """สังกัด of an education row."""

    LAO = ("lao", "สังกัด อปท.", "LAO")
    OBEC = ("obec", "สังกัด สพฐ.", "OBEC")
    OTHER = ("other", "สังกัดอื่น", "Other")


class VehicleKind(meta.LabeledEnum):
    """ประเภทรถและอุปกรณ์ป้องกันและบรรเทาสาธารณภัย."""

    FIRE_ENGINE = ("fire_engine", "รถยนต์ดับเพลิง", "Fire engine")
    WATER_TENDER = ("water_tender", "รถบรรทุกน้ำ", "Water tender")
    LADDER_TRUCK = ("ladder_truck", "รถบันได/รถกระเช้า", "Ladder truck")
    RESCUE_VEHICLE = ("rescue_vehicle", "รถกู้ภัย", "Rescue vehicle")
    FIRE_BOAT = ("fire_boat", "เรือดับเพลิง", "Fire boat")
    PORTABLE_PUMP = ("portable_pump", "เครื่องดับเพลิงชนิดหาบหาม", "Portable fire pump")


class WasteDisposal(meta.LabeledEnum):
    """วิธีกำจัดขยะมูลฝอย."""

    OPEN_DUMP = ("open_dump", "กองบนพื้นกลางแจ้ง", "Open dump")
    OPEN_BURNING = ("open_burning", "เผากลางแจ้ง", "Open burning")
    COMPOST = ("compost", "หมักทำปุ๋ย", "Compost")
    SANITARY_LANDFILL = ("sanitary_landfill", "ฝังกลบอย่างถูกหลักสุขาภิบาล", "Sanitary landfill")
    INCINERATOR = ("incinerator", "เตาเผา", "Incinerator")
    OTHER_LAO = ("other_lao", "ส่งไปกำจัดที่ อปท. อื่น", "Sent to another LAO")
    OTHER = ("other", "อื่น ๆ", "Other")


# --- plumbing ------------------------------------------------------------------------------

class SectionMixin(RuledTable):
    """One row per submission; optimistic locking; who saved it last; carried-forward marker."""

    SECTION_NO: ClassVar[int]
    TITLE_TH: ClassVar[str]
    TITLE_EN: ClassVar[str]
    SLUG: ClassVar[str]

    @declared_attr
    def submission_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True,
                             sort_order=-10)

    carried_forward: Mapped[bool] = mapped_column(
        Boolean, default=False, sort_order=-9,
        info={"label_th": "ยกข้อมูลมาจากปีก่อน", "label_en": "Carried forward",
              "help": "ค่าที่คัดลอกมาจากปีงบประมาณก่อน ยังไม่ได้บันทึกยืนยันในปีนี้"})
    version: Mapped[int] = mapped_column(Integer, default=1, sort_order=-8)
    # Indexed: the DLA's browse of a section table lists the rows changed last first.
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, sort_order=-7, index=True,
        info={"label_th": "แก้ไขล่าสุด", "label_en": "Last updated"})

    # The fields another system supplied (models/exchange/imports.py): field code → {"source", "at",
    # "batch"}.  Read-only in the clerk's form; a later import from that source refreshes them.
    imported: Mapped[dict | None] = mapped_column(
        JSON, nullable=True, sort_order=-5,
        info={"label_th": "ค่าที่นำเข้าจากระบบอื่น", "label_en": "Values from other systems"})

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id"), sort_order=-6,
                             info={"label_th": "ผู้แก้ไขล่าสุด", "label_en": "Last updated by"})

    @declared_attr
    def submission(cls) -> Mapped[Submission]:
        return relationship("Submission")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # A stale form (another tab, another clerk) raises StaleDataError instead of overwriting.
        return {"version_id_col": cls.__table__.c.version}

    def __str__(self) -> str:
        return _("ด้านที่ %(no)s %(title)s", no=self.SECTION_NO, title=self.title())

    @classmethod
    def title(cls) -> str:
        """The table's title in the current language."""
        return cls.TITLE_EN if current_language() == "en" else cls.TITLE_TH


class ChildRowMixin(RuledTable):
    """A repeating row under a section: its own id and a position for display order."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-10)
    position: Mapped[int] = mapped_column(Integer, default=0, sort_order=-8,
                                          info={"label_th": "ลำดับ", "label_en": "Order"})

    @classmethod
    def title(cls) -> str:
        """The table's title in the current language."""
        return cls.TITLE_EN if current_language() == "en" else cls.TITLE_TH


def _parent_fk(table: str) -> Any:
    """The child's link to its parent section row (deleted with it)."""
    return mapped_column(ForeignKey(f"{table}.submission_id", ondelete="CASCADE"), index=True,
                         sort_order=-9)


# --- ด้านที่ 1 ---------------------------------------------------------------------------------

def _website(rule: Custom, inputs: Inputs) -> list[str]:
    """The website of ด้าน 1: required when มีเว็บไซต์, and then a real http(s) address."""
    has, url = inputs.get("has_website"), inputs.get("website_url")
    if blank(url):
        if has is not None and truthy(has):
            return [_("กรุณากรอกที่อยู่เว็บไซต์ เมื่อระบุว่ามีเว็บไซต์"
                      " (ขึ้นต้นด้วย http:// หรือ https://)")]
        return []
    if has is not None and not truthy(has):
        return []  # ไม่มีเว็บไซต์: the form ignores whatever is left in the box
    if not valid_url(str(url).strip()):
        return [rule.message.format(value=url)]
    return []


def _no_scheme(values: dict[str, Any], children: Any, context: RuleContext) -> None:
    values.update(has_website=True, website_url="www.nakhonsawan.go.th")


class Section1General(SectionMixin, db.Model):
    """ด้านที่ 1 ข้อมูลสภาพทั่วไป."""

    __tablename__ = "section1_general"
    SECTION_NO = 1
    TITLE_TH = "ข้อมูลสภาพทั่วไป"
    TITLE_EN = "General information"
    SLUG = "general"
    # The office's subdistrict lies in the LAO's own district (the form offers only those; an
    # import is refused for another): read by models/services/sections.py.
    IN_LAO_DISTRICT: ClassVar[tuple[str, ...]] = ("office_subdistrict_code",)

    # ประเภทและขนาด
    org_type: Mapped[OrgType | None] = meta.choice(
        OrgType, "ประเภท อปท. (ปีนี้)", "LAO type (this year)", required=True,
        group="ประเภทและขนาด")
    org_size: Mapped[OrgSize | None] = meta.choice(
        OrgSize, "ขนาด อปท.", "LAO size", required=True, group="ประเภทและขนาด")

    # ที่ตั้งสำนักงาน
    office_house_no: Mapped[str | None] = meta.text(
        "เลขที่", "House number", length=20, group="ที่ตั้งสำนักงาน")
    office_moo: Mapped[int | None] = meta.count(
        "หมู่ที่", "Village no. (moo)", min=1, max=99, group="ที่ตั้งสำนักงาน")
    office_road: Mapped[str | None] = meta.text("ถนน", "Road", group="ที่ตั้งสำนักงาน")
    office_subdistrict_code: Mapped[str | None] = mapped_column(
        ForeignKey("subdistrict.code"),
        info={"kind": "subdistrict", "label_th": "ตำบล", "label_en": "Subdistrict",
              "unit": None, "required": True, "group": "ที่ตั้งสำนักงาน",
              "help": "อำเภอและจังหวัดแสดงตามข้อมูล อปท.", "min": None, "max": None,
              "choices": None, "derived": False, "readonly": False})
    postal_code: Mapped[str | None] = meta.text(
        "รหัสไปรษณีย์", "Postal code", length=5, required=True, help="ตัวเลข 5 หลัก",
        group="ที่ตั้งสำนักงาน")
    latitude: Mapped[Decimal | None] = meta.latitude(
        required=True, help="ละติจูดของสำนักงาน 5.6–20.5 องศาเหนือ เช่น 15.379420",
        group="ที่ตั้งสำนักงาน")
    longitude: Mapped[Decimal | None] = meta.longitude(
        required=True, help="ลองจิจูดของสำนักงาน 97.3–105.7 องศาตะวันออก เช่น 100.024547",
        group="ที่ตั้งสำนักงาน")

    # การติดต่อ
    phone: Mapped[str | None] = meta.text(
        "เบอร์โทรศัพท์หน่วยงาน", "Office phone", length=50, required=True,
        help="เช่น 056-511965", group="การติดต่อ")
    # The website's home is บันทึกเว็บไซต์ อปท. (models/services/records.py): ด้าน 1 shows it and keeps
    # the year's copy, so the form does not ask for it again.
    has_website: Mapped[bool | None] = meta.flag(
        "มีเว็บไซต์", "Has a website", group="การติดต่อ", readonly=True,
        help="ตามเมนู บันทึกเว็บไซต์ อปท.")
    website_url: Mapped[str | None] = meta.text(
        "ที่อยู่เว็บไซต์", "Website URL", length=300, readonly=True,
        help="บันทึกและแก้ไขที่เมนู ข้อมูลของ อปท. › บันทึกเว็บไซต์ อปท.", group="การติดต่อ")

    # พื้นที่และอาณาเขต
    area_sq_km: Mapped[Decimal | None] = meta.decimal(
        "พื้นที่", "Area", unit="ตร.กม.", required=True, min=Decimal("0.01"),
        help="มากกว่า 0 (1 ตร.กม. = 625 ไร่)", group="พื้นที่และอาณาเขต",
        range_message="พื้นที่ต้องมากกว่า 0 ตร.กม. (อย่างน้อย {lo} ตร.กม. กรอกไว้ {value})")
    boundary_north: Mapped[str | None] = meta.text(
        "ทิศเหนือ ติดต่อกับ", "Bounded on the north by", group="พื้นที่และอาณาเขต")
    boundary_south: Mapped[str | None] = meta.text(
        "ทิศใต้ ติดต่อกับ", "Bounded on the south by", group="พื้นที่และอาณาเขต")
    boundary_east: Mapped[str | None] = meta.text(
        "ทิศตะวันออก ติดต่อกับ", "Bounded on the east by", group="พื้นที่และอาณาเขต")
    boundary_west: Mapped[str | None] = meta.text(
        "ทิศตะวันตก ติดต่อกับ", "Bounded on the west by", group="พื้นที่และอาณาเขต")

    # ภูมิประเทศและภูมิอากาศ
    terrain: Mapped[str | None] = meta.longtext(
        "ลักษณะภูมิประเทศ", "Terrain", group="ภูมิประเทศและภูมิอากาศ")
    climate: Mapped[str | None] = meta.longtext(
        "ลักษณะภูมิอากาศ", "Climate", group="ภูมิประเทศและภูมิอากาศ")

    # เขตการปกครอง
    villages_full: Mapped[int | None] = meta.count(
        "หมู่บ้านที่อยู่ในเขตเต็มทั้งหมู่บ้าน", "Villages fully in the area", unit="หมู่บ้าน",
        required=True, help="ใส่ 0 หากไม่มี", group="เขตการปกครอง")
    villages_partial: Mapped[int | None] = meta.count(
        "หมู่บ้านที่อยู่ในเขตบางส่วน", "Villages partly in the area", unit="หมู่บ้าน",
        required=True, help="ใส่ 0 หากไม่มี", group="เขตการปกครอง")
    communities: Mapped[int | None] = meta.count(
        "ชุมชน", "Communities", unit="ชุมชน", group="เขตการปกครอง")

    # ประชากร
    population_male: Mapped[int | None] = meta.count(
        "ประชากรชาย", "Population, male", unit="คน", required=True, group="ประชากร")
    population_female: Mapped[int | None] = meta.count(
        "ประชากรหญิง", "Population, female", unit="คน", required=True, group="ประชากร")
    population_total: Mapped[int | None] = meta.count(
        "ประชากรรวม", "Population, total", unit="คน", required=True,
        help="รวม = ชาย + หญิง", group="ประชากร", aggregate="territorial")
    households: Mapped[int | None] = meta.count(
        "จำนวนครัวเรือน", "Households", unit="ครัวเรือน", required=True,
        help="ไม่เกินจำนวนประชากรรวม", group="ประชากร", aggregate="territorial")
    population_as_of: Mapped[date | None] = meta.date(
        "ข้อมูลประชากร ณ วันที่", "Population as of", required=True,
        help="ตามทะเบียนราษฎร เช่น 31 ธันวาคม", group="ประชากร")
    non_registered_population: Mapped[int | None] = meta.count(
        "ประชากรแฝง", "Non-registered population", unit="คน",
        help="ผู้อาศัยจริงแต่ไม่มีชื่อในทะเบียนบ้าน", group="ประชากร")
    disabled_persons: Mapped[int | None] = meta.count(
        "ผู้พิการ", "Persons with disabilities", unit="คน", group="ประชากร")

    # ประชากรตามช่วงอายุ
    pop_age_0_17: Mapped[int | None] = meta.count(
        "อายุ 0–17 ปี", "Aged 0–17", unit="คน",
        help="เมื่อกรอกครบทุกช่วงอายุ ผลรวมต้องเท่ากับประชากรรวม", group="ประชากรตามช่วงอายุ")
    pop_age_18_25: Mapped[int | None] = meta.count(
        "อายุ 18–25 ปี", "Aged 18–25", unit="คน", group="ประชากรตามช่วงอายุ")
    pop_age_26_60: Mapped[int | None] = meta.count(
        "อายุ 26–60 ปี", "Aged 26–60", unit="คน", group="ประชากรตามช่วงอายุ")
    pop_age_over_60: Mapped[int | None] = meta.count(
        "อายุมากกว่า 60 ปี", "Aged over 60", unit="คน", group="ประชากรตามช่วงอายุ")

    # อาชีพ
    occupation_farmers: Mapped[int | None] = meta.count(
        "ประกอบอาชีพเกษตรกรรม", "Farmers", unit="คน", group="อาชีพ")
    occupation_factory: Mapped[int | None] = meta.count(
        "รับจ้างในโรงงานอุตสาหกรรม", "Factory workers", unit="คน", group="อาชีพ")
    occupation_other: Mapped[int | None] = meta.count(
        "อาชีพอื่น ๆ", "Other occupations", unit="คน", group="อาชีพ")

    # การเลือกตั้ง
    eligible_voters: Mapped[int | None] = meta.count(
        "ผู้มีสิทธิเลือกตั้ง", "Eligible voters", unit="คน",
        help="ตามการเลือกตั้งท้องถิ่นครั้งล่าสุด", group="การเลือกตั้ง")
    turnout_pct: Mapped[Decimal | None] = meta.percent(
        "ผู้มาใช้สิทธิเลือกตั้ง", "Voter turnout", group="การเลือกตั้ง")

    # ผู้บริหารและบุคลากร
    executives: Mapped[int | None] = meta.count(
        "ผู้บริหารท้องถิ่น", "Executives", unit="คน",
        help="นายก รองนายก เลขานุการ และที่ปรึกษา", group="ผู้บริหารและบุคลากร")
    council_members: Mapped[int | None] = meta.count(
        "สมาชิกสภาท้องถิ่น", "Council members", unit="คน", group="ผู้บริหารและบุคลากร")
    civil_servants: Mapped[int | None] = meta.count(
        "ข้าราชการ/พนักงานส่วนท้องถิ่น", "Local civil servants", unit="คน",
        group="ผู้บริหารและบุคลากร")
    employees: Mapped[int | None] = meta.count(
        "ลูกจ้างประจำและพนักงานจ้าง", "Employees", unit="คน", group="ผู้บริหารและบุคลากร")

    office_subdistrict: Mapped[Subdistrict | None] = relationship()
    recorders: Mapped[list[Section1Recorder]] = relationship(
        cascade="all, delete-orphan", backref="section", order_by="Section1Recorder.position")

    RULES = (
        Pattern(column="postal_code", regex="[0-9]{5}", example_bad="6111",
                message="รหัสไปรษณีย์ต้องเป็นตัวเลข 5 หลัก เช่น 61110 (กรอกไว้ {value})",
                check="postal_code_length", check_expr="length(postal_code) = 5"),
        SumOf(total="population_total", parts=("population_male", "population_female"),
              message="ประชากรรวมต้องเท่ากับชาย + หญิง ({parts} = {sum}) แต่กรอกไว้ {total}",
              check="population_sum"),
        SumOf(total="population_total",
              parts=("pop_age_0_17", "pop_age_18_25", "pop_age_26_60", "pop_age_over_60"),
              at="pop_age_0_17", repair_by="parts",
              message="ประชากรตามช่วงอายุรวมกันต้องเท่ากับประชากรรวม ({parts} = {sum}"
                      " แต่ประชากรรวม {total} คน)", check="age_bands_sum"),
        AtMost(small="households", big="population_total",
               message="จำนวนครัวเรือน ({small} ครัวเรือน) ต้องไม่เกินประชากรรวม ({big} คน)",
               check="households_le_population"),
        Custom(fn=_website, reads=("has_website", "website_url"), at="website_url",
               breaks=_no_scheme,
               message="ที่อยู่เว็บไซต์ไม่ถูกต้อง ต้องขึ้นต้นด้วย http:// หรือ https://"
                       " เช่น https://www.example.go.th (กรอกไว้ {value})"),
    )


class Section1Recorder(ChildRowMixin, db.Model):
    """ผู้บันทึกข้อมูล — one or two per LAO-year."""

    TITLE_TH: ClassVar[str] = "ผู้บันทึกข้อมูล"
    TITLE_EN: ClassVar[str] = "Recorders"

    __tablename__ = "section1_recorder"

    submission_id: Mapped[int] = _parent_fk("section1_general")
    name: Mapped[str | None] = meta.text(
        "ชื่อ-สกุล", "Name", length=200, required=True, group="ผู้บันทึกข้อมูล", personal=True)
    position_title: Mapped[str | None] = meta.text(
        "ตำแหน่ง", "Position", length=200, required=True, help="เช่น นักวิเคราะห์นโยบายและแผน",
        group="ผู้บันทึกข้อมูล", personal=True)
    phone: Mapped[str | None] = meta.text(
        "เบอร์โทรศัพท์", "Phone", length=50, required=True, group="ผู้บันทึกข้อมูล",
        personal=True)

    def __str__(self) -> str:
        return self.name or _("ผู้บันทึก")


# --- ด้านที่ 2 ---------------------------------------------------------------------------------

class Section2Infrastructure(SectionMixin, db.Model):
    """ด้านที่ 2 ข้อมูลโครงสร้างพื้นฐานและสาธารณูปโภค."""

    __tablename__ = "section2_infrastructure"
    SECTION_NO = 2
    TITLE_TH = "ข้อมูลโครงสร้างพื้นฐานและสาธารณูปโภค"
    TITLE_EN = "Infrastructure and utilities"
    SLUG = "infrastructure"

    # ถนน — every surface is required: 0 when there is none.
    road_asphalt_count: Mapped[int | None] = meta.count(
        "ถนนลาดยาง จำนวน", "Asphalt roads", unit="สาย", required=True,
        help="ใส่ 0 หากไม่มีถนนประเภทนี้", group="ถนน")
    road_asphalt_km: Mapped[Decimal | None] = meta.decimal(
        "ถนนลาดยาง ระยะทาง", "Asphalt roads, length", unit="กม.", required=True, group="ถนน",
        aggregate="additive")
    road_concrete_count: Mapped[int | None] = meta.count(
        "ถนนคอนกรีต จำนวน", "Concrete roads", unit="สาย", required=True, group="ถนน")
    road_concrete_km: Mapped[Decimal | None] = meta.decimal(
        "ถนนคอนกรีต ระยะทาง", "Concrete roads, length", unit="กม.", required=True, group="ถนน",
        aggregate="additive")
    road_laterite_count: Mapped[int | None] = meta.count(
        "ถนนลูกรัง จำนวน", "Laterite roads", unit="สาย", required=True, group="ถนน")
    road_laterite_km: Mapped[Decimal | None] = meta.decimal(
        "ถนนลูกรัง ระยะทาง", "Laterite roads, length", unit="กม.", required=True, group="ถนน",
        aggregate="additive")
    road_crushed_rock_count: Mapped[int | None] = meta.count(
        "ถนนหินคลุก จำนวน", "Crushed-rock roads", unit="สาย", required=True, group="ถนน")
    road_crushed_rock_km: Mapped[Decimal | None] = meta.decimal(
        "ถนนหินคลุก ระยะทาง", "Crushed-rock roads, length", unit="กม.", required=True,
        group="ถนน", aggregate="additive")
    road_earth_count: Mapped[int | None] = meta.count(
        "ถนนดิน จำนวน", "Earth roads", unit="สาย", required=True, group="ถนน")
    road_earth_km: Mapped[Decimal | None] = meta.decimal(
        "ถนนดิน ระยะทาง", "Earth roads, length", unit="กม.", required=True, group="ถนน",
        aggregate="additive")
    road_other_count: Mapped[int | None] = meta.count(
        "ถนนประเภทอื่น ๆ จำนวน", "Other roads", unit="สาย", required=True, group="ถนน")
    road_other_km: Mapped[Decimal | None] = meta.decimal(
        "ถนนประเภทอื่น ๆ ระยะทาง", "Other roads, length", unit="กม.", required=True,
        group="ถนน")
    bridges: Mapped[int | None] = meta.count("สะพาน", "Bridges", unit="แห่ง", group="ถนน")

    # ไฟฟ้า
    households_electricity: Mapped[int | None] = meta.count(
        "ครัวเรือนที่ใช้ไฟฟ้า", "Households with electricity", unit="ครัวเรือน",
        required=True, help="ไม่ควรเกินจำนวนครัวเรือนในด้านที่ 1", group="ไฟฟ้า")
    electricity_area_pct: Mapped[Decimal | None] = meta.percent(
        "พื้นที่ที่ได้รับบริการไฟฟ้า", "Area with electricity", group="ไฟฟ้า")
    villages_electricity: Mapped[int | None] = meta.count(
        "หมู่บ้านที่ไฟฟ้าเข้าถึง", "Villages with electricity", unit="หมู่บ้าน", group="ไฟฟ้า")
    street_lights: Mapped[int | None] = meta.count(
        "ไฟฟ้าส่องสว่างสาธารณะ", "Street lights", unit="จุด", group="ไฟฟ้า")

    # ประปา
    water_village_systems: Mapped[int | None] = meta.count(
        "ประปาหมู่บ้าน", "Village water-supply systems", unit="แห่ง", group="ประปา")
    water_pwa_systems: Mapped[int | None] = meta.count(
        "ประปาส่วนภูมิภาค (กปภ.)", "Provincial Waterworks Authority systems", unit="แห่ง",
        group="ประปา")
    water_lao_systems: Mapped[int | None] = meta.count(
        "ประปาของ อปท.", "LAO-run water-supply systems", unit="แห่ง", group="ประปา")
    households_piped_water: Mapped[int | None] = meta.count(
        "ครัวเรือนที่ใช้น้ำประปา", "Households with piped water", unit="ครัวเรือน",
        required=True, help="ไม่ควรเกินจำนวนครัวเรือนในด้านที่ 1", group="ประปา",
        aggregate="territorial")
    water_capacity: Mapped[Decimal | None] = meta.decimal(
        "กำลังการผลิตน้ำประปา", "Water-supply capacity", unit="ลบ.ม./วัน", group="ประปา")

    # แหล่งน้ำ
    streams: Mapped[int | None] = meta.count(
        "ลำน้ำ ลำห้วย", "Streams and creeks", unit="สาย", group="แหล่งน้ำ")
    ponds: Mapped[int | None] = meta.count(
        "บึง หนอง", "Ponds and swamps", unit="แห่ง", group="แหล่งน้ำ")
    weirs: Mapped[int | None] = meta.count("ฝาย", "Weirs", unit="แห่ง", group="แหล่งน้ำ")
    shallow_wells: Mapped[int | None] = meta.count(
        "บ่อน้ำตื้น", "Shallow wells", unit="แห่ง", group="แหล่งน้ำ")
    artesian_wells: Mapped[int | None] = meta.count(
        "บ่อบาดาล", "Artesian wells", unit="แห่ง", group="แหล่งน้ำ")
    reservoirs: Mapped[int | None] = meta.count(
        "สระน้ำ อ่างเก็บน้ำ", "Ponds and reservoirs (built)", unit="แห่ง", group="แหล่งน้ำ")

    # การสื่อสาร
    post_offices: Mapped[int | None] = meta.count(
        "ที่ทำการไปรษณีย์", "Post offices", unit="แห่ง", group="การสื่อสาร")
    radio_stations: Mapped[int | None] = meta.count(
        "สถานีวิทยุ", "Radio stations", unit="แห่ง", group="การสื่อสาร")
    internet_points: Mapped[int | None] = meta.count(
        "จุดบริการอินเทอร์เน็ตสาธารณะ", "Public internet points", unit="จุด",
        group="การสื่อสาร")
    cell_towers: Mapped[int | None] = meta.count(
        "เสาสัญญาณโทรศัพท์เคลื่อนที่", "Cell towers", unit="แห่ง", group="การสื่อสาร")
    pa_coverage_pct: Mapped[Decimal | None] = meta.percent(
        "พื้นที่ที่หอกระจายข่าว/เสียงตามสายครอบคลุม", "PA-system coverage",
        group="การสื่อสาร")

    # การใช้ที่ดิน
    land_residential: Mapped[Decimal | None] = meta.decimal(
        "ที่อยู่อาศัย", "Residential", unit="ไร่", group="การใช้ที่ดิน")
    land_commercial: Mapped[Decimal | None] = meta.decimal(
        "พาณิชยกรรม", "Commercial", unit="ไร่", group="การใช้ที่ดิน")
    land_government: Mapped[Decimal | None] = meta.decimal(
        "สถานที่ราชการ", "Government", unit="ไร่", group="การใช้ที่ดิน")
    land_recreation: Mapped[Decimal | None] = meta.decimal(
        "สวนสาธารณะและนันทนาการ", "Parks and recreation", unit="ไร่", group="การใช้ที่ดิน")
    land_agriculture: Mapped[Decimal | None] = meta.decimal(
        "เกษตรกรรม", "Agriculture", unit="ไร่", group="การใช้ที่ดิน")
    land_education: Mapped[Decimal | None] = meta.decimal(
        "สถานศึกษา", "Education", unit="ไร่", group="การใช้ที่ดิน")
    land_vacant: Mapped[Decimal | None] = meta.decimal(
        "ที่ว่าง", "Vacant land", unit="ไร่", group="การใช้ที่ดิน")

    RULES = (
        AtMost(small="households_electricity", big="households_section1",
               big_from_context=True, blocking=False,
               message="ครัวเรือนที่ใช้ไฟฟ้า ({small} ครัวเรือน) มากกว่าจำนวนครัวเรือนในด้านที่ 1"
                       " ({big} ครัวเรือน) โปรดตรวจสอบ"),
        AtMost(small="households_piped_water", big="households_section1",
               big_from_context=True, blocking=False,
               message="ครัวเรือนที่ใช้น้ำประปา ({small} ครัวเรือน)"
                       " มากกว่าจำนวนครัวเรือนในด้านที่ 1 ({big} ครัวเรือน) โปรดตรวจสอบ"),
    )


# --- ด้านที่ 3 ---------------------------------------------------------------------------------

class Section3Economy(SectionMixin, db.Model):
    """ด้านที่ 3 ข้อมูลด้านเศรษฐกิจ."""

    __tablename__ = "section3_economy"
    SECTION_NO = 3
    TITLE_TH = "ข้อมูลด้านเศรษฐกิจ"
    TITLE_EN = "Economy"
    SLUG = "economy"

    # รายได้
    average_income: Mapped[Decimal | None] = meta.money(
        "รายได้เฉลี่ยของประชากร", "Average income", unit="บาท/คน/ปี", required=True,
        group="รายได้ของประชากร")

    # การเกษตร
    farm_households: Mapped[int | None] = meta.count(
        "ครัวเรือนเกษตรกร", "Agricultural households", unit="ครัวเรือน", required=True,
        group="การเกษตร")
    farm_area: Mapped[Decimal | None] = meta.decimal(
        "พื้นที่การเกษตร", "Farm area", unit="ไร่", group="การเกษตร")
    main_crops: Mapped[str | None] = meta.longtext(
        "พืชเศรษฐกิจหลัก", "Main crops", help="เช่น ข้าว อ้อย มันสำปะหลัง", group="การเกษตร")
    livestock_farms: Mapped[int | None] = meta.count(
        "ฟาร์มปศุสัตว์", "Livestock farms", unit="แห่ง", group="การเกษตร")
    fishery_households: Mapped[int | None] = meta.count(
        "ครัวเรือนที่ทำการประมง", "Fishery households", unit="ครัวเรือน", group="การเกษตร")

    # การพาณิชย์
    gas_stations: Mapped[int | None] = meta.count(
        "สถานีบริการน้ำมัน", "Gas stations", unit="แห่ง", group="การพาณิชย์")
    shopping_centres: Mapped[int | None] = meta.count(
        "ห้างสรรพสินค้า/ศูนย์การค้า", "Shopping centres", unit="แห่ง", group="การพาณิชย์")
    fresh_markets: Mapped[int | None] = meta.count(
        "ตลาดสด", "Fresh markets", unit="แห่ง", group="การพาณิชย์")
    general_stores: Mapped[int | None] = meta.count(
        "ร้านค้าทั่วไป", "General stores", unit="แห่ง", group="การพาณิชย์")
    pawnshops: Mapped[int | None] = meta.count(
        "สถานธนานุบาล/โรงรับจำนำ", "Pawnshops", unit="แห่ง", group="การพาณิชย์")
    slaughterhouses: Mapped[int | None] = meta.count(
        "โรงฆ่าสัตว์", "Slaughterhouses", unit="แห่ง", group="การพาณิชย์")

    # การบริการ
    hotels: Mapped[int | None] = meta.count(
        "โรงแรม/รีสอร์ต", "Hotels", unit="แห่ง", group="การบริการ")
    banks: Mapped[int | None] = meta.count("ธนาคาร", "Banks", unit="แห่ง", group="การบริการ")
    restaurants: Mapped[int | None] = meta.count(
        "ร้านอาหาร", "Restaurants", unit="แห่ง", group="การบริการ")

    # การอุตสาหกรรม
    factories: Mapped[int | None] = meta.count(
        "โรงงานอุตสาหกรรม", "Factories", unit="แห่ง", required=True, help="ใส่ 0 หากไม่มี",
        group="การอุตสาหกรรม")
    factory_workers: Mapped[int | None] = meta.count(
        "แรงงานในโรงงานอุตสาหกรรม", "Factory workers", unit="คน", group="การอุตสาหกรรม")

    # การท่องเที่ยว
    tourist_sites: Mapped[int | None] = meta.count(
        "แหล่งท่องเที่ยว", "Tourist sites", unit="แห่ง", group="การท่องเที่ยว")
    tourists_per_year: Mapped[int | None] = meta.count(
        "นักท่องเที่ยว", "Tourists per year", unit="คน/ปี", group="การท่องเที่ยว")
    tourism_revenue: Mapped[Decimal | None] = meta.money(
        "รายได้จากการท่องเที่ยว", "Tourism revenue", unit="บาท/ปี", group="การท่องเที่ยว")

    occupation_groups: Mapped[list[Section3OccupationGroup]] = relationship(
        cascade="all, delete-orphan", backref="section",
        order_by="Section3OccupationGroup.position")


class Section3OccupationGroup(ChildRowMixin, db.Model):
    """กลุ่มอาชีพ / ผลิตภัณฑ์ OTOP."""

    TITLE_TH: ClassVar[str] = "กลุ่มอาชีพ / ผลิตภัณฑ์ OTOP"
    TITLE_EN: ClassVar[str] = "Occupation groups / OTOP products"

    __tablename__ = "section3_occupation_group"

    submission_id: Mapped[int] = _parent_fk("section3_economy")
    name: Mapped[str | None] = meta.text(
        "ชื่อกลุ่มอาชีพ", "Group name", length=200, group="กลุ่มอาชีพ/OTOP")
    product: Mapped[str | None] = meta.text(
        "ผลิตภัณฑ์", "Product", length=200, help="เช่น ผ้าทอมือ (OTOP)", group="กลุ่มอาชีพ/OTOP")
    members: Mapped[int | None] = meta.count(
        "สมาชิก", "Members", unit="คน", group="กลุ่มอาชีพ/OTOP")

    def __str__(self) -> str:
        return self.name or _("กลุ่มอาชีพ")


# --- ด้านที่ 4 ---------------------------------------------------------------------------------

class Section4Social(SectionMixin, db.Model):
    """ด้านที่ 4 ข้อมูลด้านสังคม."""

    __tablename__ = "section4_social"
    SECTION_NO = 4
    TITLE_TH = "ข้อมูลด้านสังคม"
    TITLE_EN = "Social"
    SLUG = "social"

    # ศาสนา
    religion_buddhist_pct: Mapped[Decimal | None] = meta.percent(
        "นับถือศาสนาพุทธ", "Buddhist", required=True,
        help="รวมทุกศาสนาไม่เกินร้อยละ 100", group="ศาสนา")
    religion_muslim_pct: Mapped[Decimal | None] = meta.percent(
        "นับถือศาสนาอิสลาม", "Muslim", required=True, group="ศาสนา")
    religion_christian_pct: Mapped[Decimal | None] = meta.percent(
        "นับถือศาสนาคริสต์", "Christian", required=True, group="ศาสนา")
    religion_other_pct: Mapped[Decimal | None] = meta.percent(
        "นับถือศาสนาอื่น ๆ", "Other religions", required=True, group="ศาสนา")
    temples: Mapped[int | None] = meta.count(
        "วัด/สำนักสงฆ์", "Temples", unit="แห่ง", required=True, group="ศาสนา")
    mosques: Mapped[int | None] = meta.count("มัสยิด", "Mosques", unit="แห่ง", group="ศาสนา")
    churches: Mapped[int | None] = meta.count(
        "โบสถ์คริสต์", "Churches", unit="แห่ง", group="ศาสนา")
    shrines: Mapped[int | None] = meta.count("ศาลเจ้า", "Shrines", unit="แห่ง", group="ศาสนา")

    # การศึกษา (นอกจากตารางสถานศึกษา)
    nfe_centres: Mapped[int | None] = meta.count(
        "ศูนย์การเรียนรู้ชุมชน (กศน.)", "Non-formal education centres", unit="แห่ง",
        group="การศึกษา")
    reading_rooms: Mapped[int | None] = meta.count(
        "ที่อ่านหนังสือประจำหมู่บ้าน", "Village reading rooms", unit="แห่ง", group="การศึกษา")
    public_libraries: Mapped[int | None] = meta.count(
        "ห้องสมุดประชาชน", "Public libraries", unit="แห่ง", group="การศึกษา")

    # กีฬาและนันทนาการ
    sports_fields: Mapped[int | None] = meta.count(
        "สนามกีฬา", "Sports fields", unit="แห่ง", group="กีฬาและนันทนาการ")
    playgrounds: Mapped[int | None] = meta.count(
        "สนามเด็กเล่น", "Playgrounds", unit="แห่ง", group="กีฬาและนันทนาการ")

    # การสังคมสงเคราะห์
    allowance_elderly: Mapped[int | None] = meta.count(
        "ผู้สูงอายุที่ได้รับเบี้ยยังชีพ", "Elderly allowance recipients", unit="คน",
        required=True, group="การสังคมสงเคราะห์")
    allowance_disabled: Mapped[int | None] = meta.count(
        "ผู้พิการที่ได้รับเบี้ยความพิการ", "Disability allowance recipients", unit="คน",
        required=True, group="การสังคมสงเคราะห์")
    allowance_hiv: Mapped[int | None] = meta.count(
        "ผู้ป่วยเอดส์ที่ได้รับเบี้ยยังชีพ", "HIV/AIDS allowance recipients", unit="คน",
        group="การสังคมสงเคราะห์")

    # ความปลอดภัยในชีวิตและทรัพย์สิน
    police_stations: Mapped[int | None] = meta.count(
        "สถานีตำรวจ/ป้อมตำรวจ", "Police stations", unit="แห่ง",
        group="ความปลอดภัยในชีวิตและทรัพย์สิน")
    police_volunteers: Mapped[int | None] = meta.count(
        "อาสาสมัครตำรวจบ้าน", "Village police volunteers", unit="คน",
        group="ความปลอดภัยในชีวิตและทรัพย์สิน")
    road_accidents: Mapped[int | None] = meta.count(
        "อุบัติเหตุทางถนน", "Road accidents", unit="ครั้ง/ปี",
        group="ความปลอดภัยในชีวิตและทรัพย์สิน")
    drug_cases: Mapped[int | None] = meta.count(
        "คดียาเสพติด", "Drug cases", unit="คดี/ปี", group="ความปลอดภัยในชีวิตและทรัพย์สิน")

    education_rows: Mapped[list[Section4Education]] = relationship(
        cascade="all, delete-orphan", backref="section", order_by="Section4Education.position")
    festivals: Mapped[list[Section4Festival]] = relationship(
        cascade="all, delete-orphan", backref="section", order_by="Section4Festival.position")

    RULES = (
        SumAtMost(parts=(("religion_buddhist_pct", N_("พุทธ")), ("religion_muslim_pct", N_("อิสลาม")),
                         ("religion_christian_pct", N_("คริสต์")),
                         ("religion_other_pct", N_("อื่น ๆ"))),
                  limit=100, check="religion_sum",
                  message="ร้อยละของผู้นับถือศาสนารวมกันต้องไม่เกิน {limit} ({parts} = {sum})"),
    )


class Section4Education(ChildRowMixin, db.Model):
    """สถานศึกษา by level and affiliation — at least one row per LAO-year."""

    TITLE_TH: ClassVar[str] = "ข้อมูลสถานศึกษา"
    TITLE_EN: ClassVar[str] = "Schools"

    __tablename__ = "section4_education"

    submission_id: Mapped[int] = _parent_fk("section4_social")
    level: Mapped[EducationLevel | None] = meta.choice(
        EducationLevel, "ระดับการศึกษา", "Level", group="สถานศึกษา")
    affiliation: Mapped[EducationAffiliation | None] = meta.choice(
        EducationAffiliation, "สังกัด", "Affiliation", group="สถานศึกษา")
    schools: Mapped[int | None] = meta.count(
        "สถานศึกษา", "Schools", unit="แห่ง", group="สถานศึกษา")
    classrooms: Mapped[int | None] = meta.count(
        "ห้องเรียน", "Classrooms", unit="ห้อง", group="สถานศึกษา")
    students: Mapped[int | None] = meta.count(
        "นักเรียน", "Students", unit="คน", group="สถานศึกษา")
    teachers: Mapped[int | None] = meta.count(
        "ครู", "Teachers", unit="คน", group="สถานศึกษา")

    def __str__(self) -> str:
        parts = [m.shown for m in (self.level, self.affiliation) if m is not None]
        return " ".join(parts) or _("สถานศึกษา")


class Section4Festival(ChildRowMixin, db.Model):
    """ประเพณีและงานประจำปี."""

    TITLE_TH: ClassVar[str] = "ประเพณีและงานประจำปี"
    TITLE_EN: ClassVar[str] = "Traditions and annual festivals"

    __tablename__ = "section4_festival"

    submission_id: Mapped[int] = _parent_fk("section4_social")
    name: Mapped[str | None] = meta.text(
        "ชื่อประเพณี/งานประจำปี", "Festival", length=200, group="ประเพณีและงานประจำปี")
    month: Mapped[int | None] = meta.month(
        "เดือนที่จัด", "Month", group="ประเพณีและงานประจำปี",
        range_message="เดือนที่จัดต้องเป็นเลข 1–12 (1 = มกราคม … 12 = ธันวาคม กรอกไว้ {value})")
    activity: Mapped[str | None] = meta.longtext(
        "กิจกรรม", "Activities", group="ประเพณีและงานประจำปี")

    def __str__(self) -> str:
        return self.name or _("ประเพณี")


# --- ด้านที่ 5 ---------------------------------------------------------------------------------

class Section5Health(SectionMixin, db.Model):
    """ด้านที่ 5 ข้อมูลด้านสาธารณสุข."""

    __tablename__ = "section5_health"
    SECTION_NO = 5
    TITLE_TH = "ข้อมูลด้านสาธารณสุข"
    TITLE_EN = "Public health"
    SLUG = "health"

    # สถานพยาบาล
    public_hospitals: Mapped[int | None] = meta.count(
        "โรงพยาบาลของรัฐ", "Public hospitals", unit="แห่ง", group="สถานพยาบาล")
    public_hospital_beds: Mapped[int | None] = meta.count(
        "เตียงโรงพยาบาลของรัฐ", "Public hospital beds", unit="เตียง", group="สถานพยาบาล")
    private_hospitals: Mapped[int | None] = meta.count(
        "โรงพยาบาลเอกชน", "Private hospitals", unit="แห่ง", group="สถานพยาบาล")
    private_hospital_beds: Mapped[int | None] = meta.count(
        "เตียงโรงพยาบาลเอกชน", "Private hospital beds", unit="เตียง", group="สถานพยาบาล")
    health_promoting_hospitals: Mapped[int | None] = meta.count(
        "โรงพยาบาลส่งเสริมสุขภาพตำบล (รพ.สต.)", "Subdistrict health-promoting hospitals",
        unit="แห่ง", required=True, help="ใส่ 0 หากไม่มี", group="สถานพยาบาล")
    municipal_health_centres: Mapped[int | None] = meta.count(
        "ศูนย์บริการสาธารณสุขของ อปท.", "Municipal health centres", unit="แห่ง",
        group="สถานพยาบาล")
    private_clinics: Mapped[int | None] = meta.count(
        "คลินิกเอกชน", "Private clinics", unit="แห่ง", group="สถานพยาบาล")
    pharmacies: Mapped[int | None] = meta.count(
        "ร้านขายยา", "Pharmacies", unit="แห่ง", group="สถานพยาบาล")

    # บุคลากรด้านสาธารณสุข
    doctors: Mapped[int | None] = meta.count(
        "แพทย์", "Doctors", unit="คน", group="บุคลากรด้านสาธารณสุข")
    nurses: Mapped[int | None] = meta.count(
        "พยาบาล", "Nurses", unit="คน", group="บุคลากรด้านสาธารณสุข")
    dentists: Mapped[int | None] = meta.count(
        "ทันตแพทย์", "Dentists", unit="คน", group="บุคลากรด้านสาธารณสุข")
    pharmacists: Mapped[int | None] = meta.count(
        "เภสัชกร", "Pharmacists", unit="คน", group="บุคลากรด้านสาธารณสุข")
    health_officers: Mapped[int | None] = meta.count(
        "นักวิชาการ/เจ้าพนักงานสาธารณสุข", "Public-health officers", unit="คน",
        group="บุคลากรด้านสาธารณสุข")
    village_health_volunteers: Mapped[int | None] = meta.count(
        "อาสาสมัครสาธารณสุขประจำหมู่บ้าน (อสม.)", "Village health volunteers", unit="คน",
        required=True, group="บุคลากรด้านสาธารณสุข")

    # สุขอนามัยและการเจ็บป่วย
    households_toilet_pct: Mapped[Decimal | None] = meta.percent(
        "ครัวเรือนที่มีส้วมถูกสุขลักษณะ", "Households with a toilet", required=True,
        group="สุขอนามัยและการเจ็บป่วย")
    top_diseases: Mapped[str | None] = meta.longtext(
        "โรคที่พบบ่อย 5 อันดับแรก", "Top five diseases",
        help="เรียงจากมากไปน้อย เช่น ความดันโลหิตสูง เบาหวาน ไข้เลือดออก",
        group="สุขอนามัยและการเจ็บป่วย")
    local_health_fund: Mapped[bool | None] = meta.flag(
        "กองทุนหลักประกันสุขภาพระดับท้องถิ่น", "Local health-insurance fund",
        group="สุขอนามัยและการเจ็บป่วย")


# --- ด้านที่ 6 ---------------------------------------------------------------------------------

def _vehicle_years(rule: Custom, inputs: Inputs) -> list[str]:
    """Each vehicle's year acquired ≤ the fiscal year (a row already wrong is skipped)."""
    fiscal_year = inputs.context.fiscal_year
    if fiscal_year is None:
        return []
    found = []
    for n, row in enumerate(inputs.children.get("vehicles") or (), start=1):
        year = num(getter(row)("year_acquired"))
        if ("vehicles", n) not in inputs.bad_rows and year is not None and year > fiscal_year:
            found.append(_(rule.message).format(title=Section6Vehicle.title(), n=n, year=year,
                                             fiscal_year=fiscal_year))
    return found


def _cap_vehicle_years(values: Any, children: Any, context: RuleContext) -> None:
    for row in children.get("vehicles") or ():
        if context.fiscal_year is not None and (row.get("year_acquired") or 0) > \
                context.fiscal_year:
            row["year_acquired"] = context.fiscal_year


def _future_vehicle(values: Any, children: Any, context: RuleContext) -> None:
    children.setdefault("vehicles", []).append({"year_acquired": context.fiscal_year + 1})


class Section6Disaster(SectionMixin, db.Model):
    """ด้านที่ 6 ข้อมูลด้านการป้องกันและบรรเทาสาธารณภัย."""

    __tablename__ = "section6_disaster"
    SECTION_NO = 6
    TITLE_TH = "ข้อมูลด้านการป้องกันและบรรเทาสาธารณภัย"
    TITLE_EN = "Disaster prevention and mitigation"
    SLUG = "disaster"

    # อัคคีภัย
    fires: Mapped[int | None] = meta.count(
        "เพลิงไหม้ในรอบปี", "Fires this year", unit="ครั้ง/ปี", required=True,
        help="ใส่ 0 หากไม่เกิดเพลิงไหม้", group="อัคคีภัย")
    fire_deaths: Mapped[int | None] = meta.count(
        "ผู้เสียชีวิตจากเพลิงไหม้", "Fire deaths", unit="คน", group="อัคคีภัย")
    fire_injuries: Mapped[int | None] = meta.count(
        "ผู้บาดเจ็บจากเพลิงไหม้", "Fire injuries", unit="คน", group="อัคคีภัย")
    fire_losses: Mapped[Decimal | None] = meta.money(
        "มูลค่าความเสียหายจากเพลิงไหม้", "Fire losses", group="อัคคีภัย")

    # บุคลากรและหน่วยกู้ภัย
    firefighters: Mapped[int | None] = meta.count(
        "พนักงานดับเพลิง", "Firefighters", unit="คน", required=True,
        group="บุคลากรและหน่วยกู้ภัย")
    civil_defence_volunteers: Mapped[int | None] = meta.count(
        "อาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.)", "Civil-defence volunteers", unit="คน",
        required=True, group="บุคลากรและหน่วยกู้ภัย", aggregate="additive")
    drill_participants: Mapped[int | None] = meta.count(
        "ผู้ผ่านการฝึกซ้อมแผนป้องกันภัย", "Drill participants", unit="คน",
        group="บุคลากรและหน่วยกู้ภัย")
    rescue_units: Mapped[int | None] = meta.count(
        "หน่วยกู้ภัย/หน่วยกู้ชีพ (EMS)", "Rescue/EMS units", unit="หน่วย",
        group="บุคลากรและหน่วยกู้ภัย")

    # พื้นที่เสี่ยงภัย
    villages_flood_risk: Mapped[int | None] = meta.count(
        "หมู่บ้านเสี่ยงอุทกภัย", "Villages at risk of flood", unit="หมู่บ้าน",
        group="พื้นที่เสี่ยงภัย")
    villages_drought_risk: Mapped[int | None] = meta.count(
        "หมู่บ้านเสี่ยงภัยแล้ง", "Villages at risk of drought", unit="หมู่บ้าน",
        group="พื้นที่เสี่ยงภัย")
    villages_landslide_risk: Mapped[int | None] = meta.count(
        "หมู่บ้านเสี่ยงดินโคลนถล่ม", "Villages at risk of landslide", unit="หมู่บ้าน",
        group="พื้นที่เสี่ยงภัย")
    villages_storm_risk: Mapped[int | None] = meta.count(
        "หมู่บ้านเสี่ยงวาตภัย", "Villages at risk of storm", unit="หมู่บ้าน",
        group="พื้นที่เสี่ยงภัย")
    households_affected: Mapped[int | None] = meta.count(
        "ครัวเรือนที่ประสบภัยในปีนี้", "Households affected this year", unit="ครัวเรือน",
        group="พื้นที่เสี่ยงภัย")

    vehicles: Mapped[list[Section6Vehicle]] = relationship(
        cascade="all, delete-orphan", backref="section", order_by="Section6Vehicle.position")

    RULES = (
        Custom(fn=_vehicle_years, at="vehicles", reads_children=("vehicles",),
               fix=_cap_vehicle_years, breaks=_future_vehicle,
               message="{title} รายการที่ {n}: ปีที่ได้มา (พ.ศ. {year})"
                       " ต้องไม่เกินปีงบประมาณ พ.ศ. {fiscal_year}"),
    )


class Section6Vehicle(ChildRowMixin, db.Model):
    """รถและอุปกรณ์ป้องกันและบรรเทาสาธารณภัย — one row per vehicle or machine."""

    TITLE_TH: ClassVar[str] = "รถและอุปกรณ์ป้องกันและบรรเทาสาธารณภัย"
    TITLE_EN: ClassVar[str] = "Disaster vehicles and equipment"

    __tablename__ = "section6_vehicle"

    submission_id: Mapped[int] = _parent_fk("section6_disaster")
    kind: Mapped[VehicleKind | None] = meta.choice(
        VehicleKind, "ประเภท", "Kind", group="รถและอุปกรณ์")
    capacity: Mapped[Decimal | None] = meta.decimal(
        "ความจุ/ขนาด", "Capacity", help="เช่น ความจุน้ำ 6,000 ลิตร หรือความสูงบันได 18 เมตร",
        group="รถและอุปกรณ์")
    capacity_unit: Mapped[str | None] = meta.text(
        "หน่วยของความจุ", "Capacity unit", length=20, help="เช่น ลิตร, เมตร, แรงม้า",
        group="รถและอุปกรณ์")
    year_acquired: Mapped[int | None] = meta.year_be(
        "ปีที่ได้มา", "Year acquired", help="ปี พ.ศ. ไม่เกินปีงบประมาณ", group="รถและอุปกรณ์")
    source: Mapped[str | None] = meta.text(
        "แหล่งที่มา", "Source", length=200, help="เช่น งบประมาณ อปท., เงินอุดหนุน, รับบริจาค",
        group="รถและอุปกรณ์")
    price: Mapped[Decimal | None] = meta.money("ราคา", "Price", group="รถและอุปกรณ์")

    def __str__(self) -> str:
        return self.kind.shown if self.kind is not None else _("รถ/อุปกรณ์")



# --- ด้านที่ 7 ---------------------------------------------------------------------------------

class Section7Environment(SectionMixin, db.Model):
    """ด้านที่ 7 ข้อมูลด้านสิ่งแวดล้อม."""

    __tablename__ = "section7_environment"
    SECTION_NO = 7
    TITLE_TH = "ข้อมูลด้านสิ่งแวดล้อม"
    TITLE_EN = "Environment"
    SLUG = "environment"

    # ภูมิอากาศ
    temperature_max: Mapped[Decimal | None] = meta.decimal(
        "อุณหภูมิสูงสุด", "Maximum temperature", unit="องศาเซลเซียส", min=-10, max=50,
        group="ภูมิอากาศ")
    temperature_min: Mapped[Decimal | None] = meta.decimal(
        "อุณหภูมิต่ำสุด", "Minimum temperature", unit="องศาเซลเซียส", min=-10, max=50,
        group="ภูมิอากาศ")
    rainfall: Mapped[Decimal | None] = meta.decimal(
        "ปริมาณน้ำฝนเฉลี่ย", "Average rainfall", unit="มม./ปี", group="ภูมิอากาศ")

    # น้ำท่วมและการระบายน้ำ
    waterways: Mapped[int | None] = meta.count(
        "คลอง ลำธาร ห้วย", "Waterways", unit="สาย", group="น้ำท่วมและการระบายน้ำ")
    flood_area_pct: Mapped[Decimal | None] = meta.percent(
        "พื้นที่น้ำท่วมถึง", "Flood-prone area", group="น้ำท่วมและการระบายน้ำ")
    flood_days: Mapped[int | None] = meta.count(
        "ระยะเวลาน้ำท่วมขัง", "Flood days", unit="วัน/ปี", max=366,
        group="น้ำท่วมและการระบายน้ำ")
    drainage_pumps: Mapped[int | None] = meta.count(
        "เครื่องสูบน้ำ", "Drainage pumps", unit="เครื่อง", group="น้ำท่วมและการระบายน้ำ")

    # น้ำเสีย
    wastewater: Mapped[Decimal | None] = meta.decimal(
        "ปริมาณน้ำเสีย", "Wastewater", unit="ลบ.ม./วัน", group="น้ำเสีย")
    wastewater_treated: Mapped[Decimal | None] = meta.decimal(
        "น้ำเสียที่ได้รับการบำบัด", "Treated wastewater", unit="ลบ.ม./วัน",
        help="ไม่เกินปริมาณน้ำเสีย", group="น้ำเสีย")
    has_wastewater_treatment: Mapped[bool | None] = meta.flag(
        "มีระบบบำบัดน้ำเสีย", "Wastewater treatment system", group="น้ำเสีย")

    # ขยะมูลฝอย
    waste_generated: Mapped[Decimal | None] = meta.decimal(
        "ปริมาณขยะมูลฝอยที่เกิดขึ้น", "Solid waste generated", unit="ตัน/วัน", required=True,
        group="ขยะมูลฝอย", aggregate="territorial")
    waste_collected: Mapped[Decimal | None] = meta.decimal(
        "ปริมาณขยะมูลฝอยที่เก็บขนได้", "Solid waste collected", unit="ตัน/วัน",
        required=True, help="ไม่เกินปริมาณขยะที่เกิดขึ้น", group="ขยะมูลฝอย")
    waste_disposed: Mapped[Decimal | None] = meta.decimal(
        "ปริมาณขยะมูลฝอยที่กำจัดอย่างถูกต้อง", "Solid waste disposed correctly",
        unit="ตัน/วัน", help="ไม่เกินปริมาณขยะที่เก็บขนได้", group="ขยะมูลฝอย")
    waste_disposal_method: Mapped[WasteDisposal | None] = meta.choice(
        WasteDisposal, "วิธีกำจัดขยะมูลฝอย", "Disposal method", required=True,
        group="ขยะมูลฝอย")
    waste_trucks: Mapped[int | None] = meta.count(
        "รถเก็บขนขยะมูลฝอย", "Waste trucks", unit="คัน", group="ขยะมูลฝอย")
    landfill_area: Mapped[Decimal | None] = meta.decimal(
        "พื้นที่กำจัดขยะมูลฝอย", "Landfill area", unit="ไร่", group="ขยะมูลฝอย")

    # ทรัพยากรธรรมชาติ
    forest_area: Mapped[Decimal | None] = meta.decimal(
        "พื้นที่ป่าไม้", "Forest area", unit="ไร่", group="ทรัพยากรธรรมชาติ")

    RULES = (
        AtMost(small="wastewater_treated", big="wastewater", check="treated_le_wastewater",
               message="น้ำเสียที่ได้รับการบำบัด ({small} ลบ.ม./วัน) ต้องไม่เกินปริมาณน้ำเสีย"
                       " ({big} ลบ.ม./วัน)"),
        AtMost(small="waste_collected", big="waste_generated", check="collected_le_generated",
               message="ขยะมูลฝอยที่เก็บขนได้ ({small} ตัน/วัน)"
                       " ต้องไม่เกินปริมาณขยะมูลฝอยที่เกิดขึ้น ({big} ตัน/วัน)"),
        AtMost(small="waste_disposed", big="waste_collected", check="disposed_le_collected",
               message="ขยะมูลฝอยที่กำจัดอย่างถูกต้อง ({small} ตัน/วัน)"
                       " ต้องไม่เกินปริมาณขยะมูลฝอยที่เก็บขนได้ ({big} ตัน/วัน)"),
    )


# --- ด้านที่ 8 ---------------------------------------------------------------------------------

class Section8Finance(SectionMixin, db.Model):
    """ด้านที่ 8 ข้อมูลด้านการเงินการคลัง."""

    __tablename__ = "section8_finance"
    SECTION_NO = 8
    TITLE_TH = "ข้อมูลด้านการเงินการคลัง"
    TITLE_EN = "Finance"
    SLUG = "finance"

    # รายรับจริง
    revenue_taxes: Mapped[Decimal | None] = meta.money(
        "หมวดภาษีอากร", "Taxes and duties", required=True, help="ใส่ 0 หากไม่มีรายรับหมวดนี้",
        group="รายรับจริง")
    revenue_fees: Mapped[Decimal | None] = meta.money(
        "หมวดค่าธรรมเนียม ค่าปรับ และใบอนุญาต", "Fees, fines and licences", required=True,
        group="รายรับจริง")
    revenue_property: Mapped[Decimal | None] = meta.money(
        "หมวดรายได้จากทรัพย์สิน", "Property income", required=True, group="รายรับจริง")
    revenue_utilities: Mapped[Decimal | None] = meta.money(
        "หมวดรายได้จากสาธารณูปโภคและการพาณิชย์", "Utilities and commerce", required=True,
        group="รายรับจริง")
    revenue_misc: Mapped[Decimal | None] = meta.money(
        "หมวดรายได้เบ็ดเตล็ด", "Miscellaneous", required=True, group="รายรับจริง")
    revenue_capital: Mapped[Decimal | None] = meta.money(
        "หมวดรายได้จากทุน", "Capital revenue", required=True, group="รายรับจริง")
    revenue_shared_taxes: Mapped[Decimal | None] = meta.money(
        "หมวดภาษีจัดสรร", "Shared taxes", required=True,
        help="ภาษีที่รัฐจัดเก็บแล้วจัดสรรให้ อปท.", group="รายรับจริง")
    revenue_general_grants: Mapped[Decimal | None] = meta.money(
        "หมวดเงินอุดหนุนทั่วไป", "General grants", required=True, group="รายรับจริง")
    revenue_specific_grants: Mapped[Decimal | None] = meta.money(
        "เงินอุดหนุนเฉพาะกิจ", "Specific grants", required=True, group="รายรับจริง")
    revenue_total: Mapped[Decimal | None] = meta.money(
        "รวมรายรับจริง", "Total revenue", derived=True, help="คำนวณจากผลรวมทุกหมวด",
        group="รายรับจริง", aggregate="additive")

    # รายจ่ายจริง
    expenditure_central: Mapped[Decimal | None] = meta.money(
        "งบกลาง", "Central fund", required=True, help="ใส่ 0 หากไม่มีรายจ่ายงบนี้",
        group="รายจ่ายจริง")
    expenditure_personnel: Mapped[Decimal | None] = meta.money(
        "งบบุคลากร", "Personnel", required=True, group="รายจ่ายจริง")
    expenditure_operations: Mapped[Decimal | None] = meta.money(
        "งบดำเนินงาน", "Operations", required=True, group="รายจ่ายจริง")
    expenditure_investment: Mapped[Decimal | None] = meta.money(
        "งบลงทุน", "Investment", required=True, group="รายจ่ายจริง")
    expenditure_subsidies: Mapped[Decimal | None] = meta.money(
        "งบเงินอุดหนุน", "Subsidies", required=True, group="รายจ่ายจริง")
    expenditure_other: Mapped[Decimal | None] = meta.money(
        "งบรายจ่ายอื่น", "Other expenditure", required=True, group="รายจ่ายจริง")
    expenditure_total: Mapped[Decimal | None] = meta.money(
        "รวมรายจ่ายจริง", "Total expenditure", derived=True, help="คำนวณจากผลรวมทุกงบ",
        group="รายจ่ายจริง", aggregate="additive")

    # ภาษีท้องถิ่น
    tax_land_building: Mapped[Decimal | None] = meta.money(
        "ภาษีที่ดินและสิ่งปลูกสร้าง", "Land and building tax", group="ภาษีท้องถิ่น")
    tax_signboard: Mapped[Decimal | None] = meta.money(
        "ภาษีป้าย", "Signboard tax", group="ภาษีท้องถิ่น")
    slaughter_duty: Mapped[Decimal | None] = meta.money(
        "อากรการฆ่าสัตว์", "Slaughter duty", group="ภาษีท้องถิ่น")

    # ฐานะการคลัง
    accumulated_reserve: Mapped[Decimal | None] = meta.money(
        "เงินสะสม", "Accumulated reserve", group="ฐานะการคลัง")
    reserve_fund: Mapped[Decimal | None] = meta.money(
        "ทุนสำรองเงินสะสม", "Reserve fund", group="ฐานะการคลัง")
    outstanding_loans: Mapped[Decimal | None] = meta.money(
        "เงินกู้คงค้าง", "Outstanding loans", group="ฐานะการคลัง")

    # Set by the accounting-system import, never by the form.
    from_accounting_import: Mapped[bool | None] = meta.flag(
        "นำเข้าจากระบบบัญชีคอมพิวเตอร์ (e-LAAS)", "Imported from the accounting system",
        readonly=True, help="ระบบกำหนดให้เมื่อนำเข้าข้อมูล แก้ไขในแบบฟอร์มไม่ได้",
        group="ที่มาของข้อมูล")

    REVENUE_FIELDS: ClassVar[tuple[str, ...]] = (
        "revenue_taxes", "revenue_fees", "revenue_property", "revenue_utilities",
        "revenue_misc", "revenue_capital", "revenue_shared_taxes", "revenue_general_grants",
        "revenue_specific_grants")
    EXPENDITURE_FIELDS: ClassVar[tuple[str, ...]] = (
        "expenditure_central", "expenditure_personnel", "expenditure_operations",
        "expenditure_investment", "expenditure_subsidies", "expenditure_other")

    RULES = (
        SumOf(total="revenue_total", parts=REVENUE_FIELDS,
              message="รวมรายรับจริงต้องเท่ากับผลรวมรายรับทุกหมวด ({sum} บาท)"
                      " แต่กรอกไว้ {total} บาท"),
        SumOf(total="expenditure_total", parts=EXPENDITURE_FIELDS,
              message="รวมรายจ่ายจริงต้องเท่ากับผลรวมรายจ่ายทุกงบ ({sum} บาท)"
                      " แต่กรอกไว้ {total} บาท"),
    )

    # The e-LAAS import also says the figures came from the accounting system (read-only flag).
    SOURCE_FLAGS: ClassVar[dict[str, str]] = {"e-laas": "from_accounting_import"}

    @classmethod
    def totals_of(cls, values: Mapping[str, Any]) -> dict[str, Decimal | None]:
        """The derived totals of `values` by their classes (None while any class is empty)."""
        out = {}
        for total, parts in (("revenue_total", cls.REVENUE_FIELDS),
                             ("expenditure_total", cls.EXPENDITURE_FIELDS)):
            found = [values.get(name) for name in parts]
            out[total] = None if None in found else sum(found, Decimal(0))
        return out

    def compute_totals(self) -> None:
        """Set the derived totals from their classes (None while any class is empty)."""
        for total, value in self.totals_of({n: getattr(self, n) for n in
                                            self.REVENUE_FIELDS + self.EXPENDITURE_FIELDS}).items():
            setattr(self, total, value)


# --- registries ----------------------------------------------------------------------------

SECTIONS: tuple[type[SectionMixin], ...] = (
    Section1General, Section2Infrastructure, Section3Economy, Section4Social, Section5Health,
    Section6Disaster, Section7Environment, Section8Finance,
)

# Repeating rows per section: (relationship attribute, child model).
CHILDREN: dict[type, list[tuple[str, type]]] = {
    Section1General: [("recorders", Section1Recorder)],
    Section3Economy: [("occupation_groups", Section3OccupationGroup)],
    Section4Social: [("education_rows", Section4Education), ("festivals", Section4Festival)],
    Section6Disaster: [("vehicles", Section6Vehicle)],
}

# How many child rows a complete section has: (section, attribute) -> (min, max or None).
ROW_LIMITS: dict[tuple[type, str], tuple[int, int | None]] = {
    (Section1General, "recorders"): (1, 2),
    (Section4Social, "education_rows"): (1, None),
}

_BY_SLUG = {cls.SLUG: cls for cls in SECTIONS}
_BY_NO = {cls.SECTION_NO: cls for cls in SECTIONS}


def section_by_slug(slug: str) -> type[SectionMixin]:
    """The section model for a URL slug such as "general"; KeyError when unknown."""
    return _BY_SLUG[slug]


def section_by_no(no: int) -> type[SectionMixin]:
    """The section model for its number 1–8; KeyError when unknown."""
    return _BY_NO[no]
