"""Plausible, internally consistent demo values for the 8 sections of one LAO-year.

Used by the demo seed and by the national-scale seed (≈ 7,850 LAOs × 3 years), so it returns
plain dictionaries ready for bulk `insert()`, never ORM objects, and stays well under a
millisecond or two per LAO-year.  Values scale with the organization type (an อบต. of 6,000
people, a เทศบาลนคร of 120,000, Bangkok of 5.5 million) and obey the rules of SPEC §5: total =
male + female, age bands sum to the total, collected waste ≤ generated, revenue total = sum of
its classes, and so on — each section's registered `RULES` repair what generation or drift
left broken.  Passing last year's rows as `base` gives this year's by a small drift, so
year-over-year comparisons look like real data.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from models.catalogue import columns as meta
from models.tables.organizations import OrgType
from models.catalogue.rule_kinds import RuleContext
from models.tables.sections import (
    CHILDREN, SECTIONS, EducationAffiliation, EducationLevel, OrgSize, Section1General,
    Section1Recorder, Section2Infrastructure, Section3Economy, Section3OccupationGroup,
    Section4Education, Section4Festival, Section4Social, Section5Health, Section6Disaster,
    Section6Vehicle, Section7Environment, Section8Finance, VehicleKind, WasteDisposal,
)

Rows = dict[type, list[dict[str, Any]]]

__all__ = ["section_rows", "Rows"]

# Registered population per organization type (min, max).
POPULATION = {
    OrgType.SAO: (3_000, 12_000),
    OrgType.SUBDISTRICT_MUNICIPALITY: (2_000, 15_000),
    OrgType.TOWN_MUNICIPALITY: (10_000, 60_000),
    OrgType.CITY_MUNICIPALITY: (50_000, 250_000),
    OrgType.PAO: (150_000, 900_000),
    OrgType.BANGKOK: (5_450_000, 5_550_000),
    OrgType.PATTAYA: (115_000, 125_000),
}
AREA_SQ_KM = {
    OrgType.SAO: (30, 250),
    OrgType.SUBDISTRICT_MUNICIPALITY: (4, 120),
    OrgType.TOWN_MUNICIPALITY: (5, 60),
    OrgType.CITY_MUNICIPALITY: (15, 100),
    OrgType.PAO: (2_000, 20_000),
    OrgType.BANGKOK: (1568.74, 1568.74),
    OrgType.PATTAYA: (208.10, 208.10),
}
# 0 = rural village land, 1 = dense city.
URBAN = {
    OrgType.SAO: 0.1, OrgType.SUBDISTRICT_MUNICIPALITY: 0.35, OrgType.TOWN_MUNICIPALITY: 0.7,
    OrgType.CITY_MUNICIPALITY: 0.9, OrgType.PAO: 0.3, OrgType.BANGKOK: 1.0,
    OrgType.PATTAYA: 0.95,
}
SIZE_WEIGHTS = {  # (ใหญ่, กลาง, เล็ก)
    OrgType.SAO: (5, 60, 35), OrgType.SUBDISTRICT_MUNICIPALITY: (5, 50, 45),
    OrgType.TOWN_MUNICIPALITY: (40, 55, 5), OrgType.CITY_MUNICIPALITY: (100, 0, 0),
    OrgType.PAO: (90, 10, 0), OrgType.BANGKOK: (100, 0, 0), OrgType.PATTAYA: (100, 0, 0),
}
# (executives, council members, civil servants min–max, employees min–max)
STAFF = {
    OrgType.SAO: (4, 6, (15, 45), (15, 60)),
    OrgType.SUBDISTRICT_MUNICIPALITY: (4, 12, (20, 70), (25, 90)),
    OrgType.TOWN_MUNICIPALITY: (5, 18, (80, 250), (100, 350)),
    OrgType.CITY_MUNICIPALITY: (6, 24, (300, 1200), (400, 1500)),
    OrgType.PAO: (6, 36, (150, 600), (200, 900)),
    OrgType.BANGKOK: (10, 50, (75_000, 80_000), (20_000, 25_000)),
    OrgType.PATTAYA: (6, 24, (600, 800), (900, 1200)),
}
# Revenue per registered inhabitant, baht a year.
REVENUE_PER_CAPITA = {
    OrgType.SAO: (3_500, 9_000), OrgType.SUBDISTRICT_MUNICIPALITY: (5_000, 10_000),
    OrgType.TOWN_MUNICIPALITY: (6_000, 10_000), OrgType.CITY_MUNICIPALITY: (6_000, 11_000),
    OrgType.PAO: (700, 2_000), OrgType.BANGKOK: (14_000, 17_000),
    OrgType.PATTAYA: (15_000, 25_000),
}
MUNICIPAL = {OrgType.SUBDISTRICT_MUNICIPALITY, OrgType.TOWN_MUNICIPALITY,
             OrgType.CITY_MUNICIPALITY, OrgType.PATTAYA}

PLACE_NAMES = (
    "หนองฉาง", "ทัพทัน", "หนองขาหย่าง", "สะแกกรัง", "น้ำซึม", "เขาบางแกรก", "ทุ่งนาไทย",
    "หนองสรวง", "บ้านไร่", "ห้วยคต", "ลานสัก", "ป่าอ้อ", "เนินแจง", "ดอนขวาง", "หาดทนง",
    "เกาะเทโพ", "ท่าซุง", "หนองแก", "หนองพังค่า", "ทุ่งใหญ่", "โคกหม้อ", "บ้านเก่า",
    "วังหิน", "หนองยาง", "ดงขวาง", "สว่างอารมณ์", "บ่อยาง", "เขาขี้ฝอย", "ห้วยแห้ง",
)
PROVINCE_NAMES = ("นครสวรรค์", "ชัยนาท", "สุพรรณบุรี", "กาญจนบุรี", "ตาก", "กำแพงเพชร",
                  "พิษณุโลก", "เพชรบูรณ์", "ลพบุรี", "สิงห์บุรี")
ROADS = ("ถนนศรีอุทัย", "ถนนท่าช้าง", "ถนนพหลโยธิน", "ถนนสายเอเชีย", "ถนนมิตรภาพ",
         "ถนนเพชรเกษม", "ถนนสุขุมวิท", "ถนนอุทัย-หนองฉาง", "ถนนรพช.", "ถนนเทศบาล 1",
         "ถนนสายหลักประจำตำบล", "ถนนราษฎร์บำรุง")
TERRAIN = (
    "พื้นที่ราบลุ่ม มีแม่น้ำไหลผ่าน ดินอุดมสมบูรณ์ เหมาะแก่การทำนาและการเกษตร",
    "พื้นที่ส่วนใหญ่เป็นที่ราบสลับเนินเขา ทางทิศตะวันตกเป็นภูเขาและป่าไม้",
    "พื้นที่ราบสูง ดินร่วนปนทราย มีลำห้วยไหลผ่านหลายสาย",
    "พื้นที่ราบลุ่มริมแม่น้ำ ฤดูฝนมีน้ำท่วมขังบางส่วน",
    "พื้นที่ภูเขาสูงสลับซับซ้อน มีที่ราบแคบ ๆ ระหว่างหุบเขา",
)
URBAN_TERRAIN = (
    "พื้นที่ราบ เป็นชุมชนเมือง มีถนนสายหลักตัดผ่าน ที่ดินส่วนใหญ่ใช้อยู่อาศัยและพาณิชยกรรม",
    "พื้นที่ราบริมแม่น้ำ เป็นย่านการค้าและที่อยู่อาศัยหนาแน่น",
)
COAST_TERRAIN = "พื้นที่ราบชายฝั่งทะเล มีหาดทราย ป่าชายเลน และเนินเขาด้านใน"
CLIMATE_CENTRAL = ("มี 3 ฤดู คือ ฤดูร้อน (มี.ค.–พ.ค.) ฤดูฝน (มิ.ย.–ต.ค.) และฤดูหนาว (พ.ย.–ก.พ.)"
                   " อุณหภูมิเฉลี่ยประมาณ 28 องศาเซลเซียส")
CLIMATE_NORTH = ("ฤดูร้อนอากาศร้อนจัด ฤดูหนาวอากาศหนาวเย็น อุณหภูมิต่ำสุดราว 10 องศาเซลเซียส"
                 " ฝนตกชุกช่วงเดือนสิงหาคม–กันยายน")
CLIMATE_SOUTH = ("อากาศร้อนชื้น มี 2 ฤดู คือ ฤดูร้อนและฤดูฝน ได้รับอิทธิพลจากลมมรสุม"
                 "ตะวันตกเฉียงใต้และตะวันออกเฉียงเหนือ ฝนตกชุกเกือบตลอดปี")
CROPS_CENTRAL = ("ข้าว", "อ้อย", "มันสำปะหลัง", "ข้าวโพดเลี้ยงสัตว์", "ถั่วเขียว", "มะม่วง",
                 "ผักสวนครัว")
CROPS_NORTH = ("ข้าว", "ลำไย", "ข้าวโพดเลี้ยงสัตว์", "ลิ้นจี่", "กระเทียม", "ถั่วเหลือง")
CROPS_SOUTH = ("ยางพารา", "ปาล์มน้ำมัน", "ทุเรียน", "มังคุด", "เงาะ", "มะพร้าว")
DISEASES = ("โรคความดันโลหิตสูง", "โรคเบาหวาน", "โรคไข้เลือดออก", "โรคระบบทางเดินหายใจ",
            "โรคอุจจาระร่วง", "โรคกล้ามเนื้อและกระดูก", "โรคหัวใจและหลอดเลือด", "โรคไตเรื้อรัง",
            "โรคไข้หวัดใหญ่", "โรคผิวหนัง")
FESTIVALS = (
    ("ประเพณีสงกรานต์", 4, "สรงน้ำพระ รดน้ำดำหัวผู้สูงอายุ ก่อเจดีย์ทราย"),
    ("ประเพณีลอยกระทง", 11, "ประกวดกระทง ประกวดนางนพมาศ ลอยกระทงริมน้ำ"),
    ("ประเพณีแห่เทียนเข้าพรรษา", 7, "แห่เทียนพรรษาและถวายเทียนแด่วัดในพื้นที่"),
    ("ประเพณีตักบาตรเทโวโรหณะ", 10, "ตักบาตรพระสงฆ์ในวันออกพรรษา"),
    ("ประเพณีบุญบั้งไฟ", 5, "ขบวนแห่บั้งไฟ จุดบั้งไฟขอฝน"),
    ("ประเพณีทำบุญกลางบ้าน", 3, "ทำบุญเลี้ยงพระ สวดมนต์ประจำหมู่บ้าน"),
    ("ประเพณีสารทไทย", 9, "ทำบุญอุทิศส่วนกุศลแก่บรรพบุรุษ กวนกระยาสารท"),
    ("งานประเพณีแข่งเรือยาว", 10, "แข่งขันเรือยาวประเพณี ออกร้านจำหน่ายสินค้าชุมชน"),
    ("งานวันผู้สูงอายุ", 4, "รดน้ำขอพรผู้สูงอายุ ตรวจสุขภาพ"),
    ("งานปิดทองไหว้พระประจำปี", 2, "ปิดทองไหว้พระ มหรสพสมโภช"),
    ("ประเพณีทำบุญขึ้นปีใหม่", 1, "ทำบุญตักบาตรต้อนรับปีใหม่"),
)
OCCUPATION_GROUPS = (
    ("กลุ่มทอผ้าพื้นเมือง", "ผ้าทอมือ"), ("กลุ่มแม่บ้านเกษตรกร", "น้ำพริกแกง"),
    ("กลุ่มจักสานไม้ไผ่", "ตะกร้าและกระบุงไม้ไผ่"), ("กลุ่มเลี้ยงปลาในกระชัง", "ปลาแรดแดดเดียว"),
    ("กลุ่มผลิตปุ๋ยอินทรีย์", "ปุ๋ยหมักชีวภาพ"), ("กลุ่มวิสาหกิจชุมชนแปรรูปกล้วย", "กล้วยตาก"),
    ("กลุ่มสมุนไพรพื้นบ้าน", "ยาหม่องและลูกประคบสมุนไพร"), ("กลุ่มเพาะเห็ด", "เห็ดนางฟ้า"),
    ("กลุ่มผลิตข้าวกล้อง", "ข้าวกล้องงอก"), ("กลุ่มดอกไม้ประดิษฐ์", "ดอกไม้จันทน์"),
    ("กลุ่มขนมไทย", "ขนมทองม้วน"),
)
MALE_NAMES = ("สมชาย", "สมศักดิ์", "ประเสริฐ", "วิชัย", "สุรชัย", "ธนพล", "อนุชา", "กิตติศักดิ์",
              "ณัฐพล", "พงศกร")
FEMALE_NAMES = ("สุดารัตน์", "กาญจนา", "วันเพ็ญ", "ศิริพร", "นงลักษณ์", "ปิยะนุช", "อรุณี",
                "จันทร์เพ็ญ", "พัชรี", "รัตนา")
SURNAMES = ("ใจดี", "ศรีสุข", "บุญมา", "ทองคำ", "แก้วมณี", "พรหมวงศ์", "สุขสวัสดิ์", "มีสุข",
            "วงศ์ใหญ่", "อินทร์แก้ว", "ปานทอง", "จันทร์หอม", "สมบูรณ์ชัย", "เพชรรัตน์")
POSITIONS = {
    OrgType.SAO: ("ปลัด อบต.", "รองปลัด อบต.", "หัวหน้าสำนักปลัด อบต."),
    OrgType.PAO: ("ปลัด อบจ.", "ผู้อำนวยการกองยุทธศาสตร์และงบประมาณ"),
    OrgType.BANGKOK: ("ผู้อำนวยการกองนโยบายและแผนงาน",),
    OrgType.PATTAYA: ("ปลัดเมืองพัทยา", "ผู้อำนวยการสำนักแผนงาน"),
}
MUNICIPAL_POSITIONS = ("ปลัดเทศบาล", "รองปลัดเทศบาล", "หัวหน้าฝ่ายแผนงานและงบประมาณ")
COMMON_POSITIONS = ("นักวิเคราะห์นโยบายและแผน", "นักจัดการงานทั่วไป", "เจ้าพนักงานธุรการ")
URL_SYLLABLES = ("ban", "nong", "tha", "khao", "don", "wang", "huai", "sai", "thung", "pak",
                 "na", "khok", "bo", "lan", "sak", "kaeo", "yai", "mai")
VEHICLE_SOURCES = ("งบประมาณ อปท.", "เงินอุดหนุนเฉพาะกิจ", "เงินสะสม", "รับบริจาค",
                   "รับโอนจากหน่วยงานอื่น")
# kind: (capacity min, max, unit, price min, max, weight)
VEHICLES = {
    VehicleKind.FIRE_ENGINE: (2_000, 10_000, "ลิตร", 2_500_000, 8_000_000, 30),
    VehicleKind.WATER_TENDER: (6_000, 12_000, "ลิตร", 2_000_000, 4_000_000, 25),
    VehicleKind.LADDER_TRUCK: (18, 54, "เมตร", 15_000_000, 40_000_000, 4),
    VehicleKind.RESCUE_VEHICLE: (1, 3, "ตัน", 1_200_000, 2_500_000, 20),
    VehicleKind.FIRE_BOAT: (40, 250, "แรงม้า", 300_000, 2_000_000, 5),
    VehicleKind.PORTABLE_PUMP: (5, 20, "แรงม้า", 30_000, 150_000, 16),
}
EDUCATION = {  # level: (share of population as students, students per school urban/rural)
    EducationLevel.CHILD_DEVELOPMENT: (0.015, 60, 35),
    EducationLevel.PRE_PRIMARY: (0.02, 120, 40),
    EducationLevel.PRIMARY: (0.07, 700, 120),
    EducationLevel.SECONDARY: (0.06, 1500, 400),
    EducationLevel.VOCATIONAL: (0.01, 1200, 500),
}

# Fields that a year does not change (the area stays, the villages stay).
STABLE = frozenset({"area_sq_km", "villages_full", "villages_partial", "latitude", "longitude",
                    "office_house_no", "office_moo", "office_road", "office_subdistrict_code",
                    "postal_code", "phone", "website_url", "has_website", "org_size",
                    "boundary_north", "boundary_south", "boundary_east", "boundary_west",
                    "terrain", "climate", "executives", "council_members",
                    # child rows: a festival keeps its month, a fire engine its size and price
                    "month", "capacity", "price"})
# Fields that drift by at most ±2 % (registered population moves slowly).
SLOW = frozenset({"population_male", "population_female", "households", "pop_age_0_17",
                  "pop_age_18_25", "pop_age_26_60", "pop_age_over_60", "eligible_voters",
                  "temples", "health_promoting_hospitals", "land_residential",
                  "land_commercial", "land_government", "land_recreation", "land_agriculture",
                  "land_education", "land_vacant", "forest_area", "households_electricity",
                  "households_piped_water", "farm_households", "village_health_volunteers",
                  "allowance_elderly", "allowance_disabled"})


def _d2(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def _d6(x: float) -> Decimal:
    return Decimal(f"{x:.6f}")


class _Ctx:
    """What the section generators share about the LAO-year being generated."""

    __slots__ = ("rng", "org_type", "be_year", "urban", "pop", "hh", "villages", "area",
                 "lat", "lon", "rural", "adults", "over_60", "disabled", "ag_rai", "forest_rai",
                 "water_lao")

    def __init__(self, rng: random.Random, org_type: OrgType, be_year: int) -> None:
        self.rng = rng
        self.org_type = org_type
        self.be_year = be_year
        self.urban = URBAN[org_type]
        self.rural = 1 - self.urban
        # Preset from last year's rows when a section has to be generated afresh.
        self.pop: int | None = None
        self.hh: int | None = None
        self.villages: int | None = None
        self.area: float | None = None


def _plan(model: type) -> list[tuple[str, str, dict[str, Any]]]:
    """(attribute, kind, info) of every catalogue column of a model."""
    return [(c.key, c.info["kind"], c.info) for c in meta.catalogue_columns(model)]


_PLANS: dict[type, list[tuple[str, str, dict[str, Any]]]] = {}
_REQUIRED: dict[type, list[str]] = {}


def _plans() -> dict[type, list[tuple[str, str, dict[str, Any]]]]:
    if not _PLANS:
        for model in SECTIONS + tuple(c for v in CHILDREN.values() for _, c in v):
            _PLANS[model] = _plan(model)
            _REQUIRED[model] = [k for k, _, info in _PLANS[model] if info.get("required")]
    return _PLANS


# --- generic values, overridden per section below -------------------------------------------

def _generic(kind: str, info: dict[str, Any], ctx: _Ctx) -> Any:
    """A dull but valid value for any catalogue column nobody wrote a rule for."""
    rng = ctx.rng
    lo, hi = info.get("min"), info.get("max")
    if kind == "count":
        return rng.randint(int(lo or 0), int(hi) if hi is not None else 5)
    if kind in ("decimal", "money"):
        return _d2(rng.uniform(float(lo or 0), float(hi) if hi is not None else 100))
    if kind == "percent":
        return _d2(rng.uniform(0, 100))
    if kind == "flag":
        return rng.random() < 0.5
    if kind == "choice":
        return rng.choice(list(info["choices"]))
    if kind == "date":
        return date(ctx.be_year - 545, 12, 31)
    if kind == "year_be":
        return ctx.be_year - rng.randint(0, 20)
    if kind == "lat":
        return _d6(ctx.lat)
    if kind == "lon":
        return _d6(ctx.lon)
    if kind in ("text", "longtext"):
        return info["label_th"][:20]
    return None


def _fill(model: type, values: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    for key, kind, info in _PLANS[model]:
        if key not in values:
            values[key] = _generic(kind, info, ctx)
    return values


# --- the sections -----------------------------------------------------------------------------

def _person(rng: random.Random) -> str:
    if rng.random() < 0.45:
        return f"นาย{rng.choice(MALE_NAMES)} {rng.choice(SURNAMES)}"
    prefix = "นาง" if rng.random() < 0.6 else "นางสาว"
    return f"{prefix}{rng.choice(FEMALE_NAMES)} {rng.choice(SURNAMES)}"


def _area_code(ctx: _Ctx) -> str:
    if ctx.org_type is OrgType.BANGKOK:
        return "02"
    if ctx.lat < 11:
        return ctx.rng.choice(("077", "075", "074", "073"))
    if ctx.lat > 17:
        return ctx.rng.choice(("053", "054", "055"))
    if ctx.lon > 101.5 and ctx.lat > 14:
        return ctx.rng.choice(("042", "043", "044", "045"))
    if ctx.lon > 100.8 and ctx.lat < 14:
        return ctx.rng.choice(("038", "039"))
    return ctx.rng.choice(("056", "035", "036", "034", "032"))


def _phone(ctx: _Ctx) -> str:
    code = _area_code(ctx)
    n = ctx.rng.randint(1_000_000 if code == "02" else 100_000,
                        9_999_999 if code == "02" else 999_999)
    return f"{code}-{n}"


def _boundary(ctx: _Ctx) -> str:
    rng = ctx.rng
    if ctx.org_type is OrgType.PAO:
        return f"ติดต่อกับจังหวัด{rng.choice(PROVINCE_NAMES)}"
    return f"ติดต่อกับตำบล{rng.choice(PLACE_NAMES)} อำเภอ{rng.choice(PLACE_NAMES)}"


def _section1(ctx: _Ctx, subdistrict_code: str | None, postal_code: str | None) -> dict:
    rng, t = ctx.rng, ctx.org_type
    pop = ctx.pop or rng.randint(*POPULATION[t])
    male = round(pop * rng.uniform(0.475, 0.5))
    hh = ctx.hh or round(pop / rng.uniform(2.4, 3.4))
    a0 = round(pop * rng.uniform(0.17, 0.24))
    a18 = round(pop * rng.uniform(0.08, 0.11))
    a60 = round(pop * rng.uniform(0.14, 0.24))
    area = ctx.area or rng.uniform(*AREA_SQ_KM[t])
    if ctx.villages is not None:
        full, partial = ctx.villages, 0
    elif t is OrgType.PAO:
        full, partial = round(pop / rng.uniform(350, 500)), 0
    elif t is OrgType.SAO:
        full, partial = rng.randint(6, 20), rng.randint(0, 3)
    elif t is OrgType.SUBDISTRICT_MUNICIPALITY:
        full, partial = rng.randint(3, 15), rng.randint(0, 4)
    elif t is OrgType.TOWN_MUNICIPALITY:
        full, partial = rng.randint(0, 6), rng.randint(0, 3)
    else:
        full = partial = 0
    communities = {OrgType.SAO: 0, OrgType.PAO: 0, OrgType.BANGKOK: rng.randint(1950, 2050)
                   }.get(t, max(1, round(pop / rng.uniform(800, 2000))))
    adults = pop - a0
    farmers = round(adults * ctx.rural * rng.uniform(0.3, 0.7))
    factory = round(adults * rng.uniform(0.02, 0.15))
    other = round((adults - farmers - factory) * rng.uniform(0.3, 0.7))
    executives, council, servants, employees = STAFF[t]
    if t is OrgType.SAO:
        council = max(6, full + partial)
    size = rng.choices((OrgSize.LARGE, OrgSize.MEDIUM, OrgSize.SMALL), SIZE_WEIGHTS[t])[0]
    has_site = rng.random() < 0.97
    slug = "".join(rng.choice(URL_SYLLABLES) for _ in range(rng.randint(2, 3)))
    coastal = ctx.lat < 11 or (ctx.lat < 13.5 and ctx.lon > 100.8)
    terrain = (rng.choice(URBAN_TERRAIN) if ctx.urban >= 0.7 and rng.random() < 0.8
               else COAST_TERRAIN if coastal and rng.random() < 0.3 else rng.choice(TERRAIN))
    climate = (CLIMATE_SOUTH if ctx.lat < 11 else CLIMATE_NORTH if ctx.lat > 17
               else CLIMATE_CENTRAL)
    ctx.pop, ctx.hh, ctx.villages, ctx.area = pop, hh, full + partial, area
    ctx.adults, ctx.over_60 = adults, a60
    ctx.disabled = round(pop * rng.uniform(0.015, 0.03))
    return {
        "org_type": t, "org_size": size,
        "office_house_no": (f"{rng.randint(1, 299)}" if rng.random() < 0.8
                            else f"{rng.randint(1, 99)}/{rng.randint(1, 9)}"),
        "office_moo": rng.randint(1, 12), "office_road": rng.choice(ROADS),
        "office_subdistrict_code": subdistrict_code,
        "postal_code": postal_code or f"{rng.randint(10, 96)}{rng.randint(0, 18) * 10:03d}",
        "latitude": _d6(ctx.lat), "longitude": _d6(ctx.lon), "phone": _phone(ctx),
        "has_website": has_site, "website_url": f"https://www.{slug}.go.th" if has_site else None,
        "area_sq_km": _d2(area),
        "boundary_north": _boundary(ctx), "boundary_south": _boundary(ctx),
        "boundary_east": _boundary(ctx), "boundary_west": _boundary(ctx),
        "terrain": terrain, "climate": climate,
        "villages_full": full, "villages_partial": partial, "communities": communities,
        "population_male": male, "population_female": pop - male, "population_total": pop,
        "households": hh, "population_as_of": date(ctx.be_year - 545, 12, 31),
        "non_registered_population": round(pop * rng.uniform(0.02, 0.05 + 0.12 * ctx.urban)),
        "disabled_persons": ctx.disabled,
        "pop_age_0_17": a0, "pop_age_18_25": a18, "pop_age_26_60": pop - a0 - a18 - a60,
        "pop_age_over_60": a60,
        "occupation_farmers": farmers, "occupation_factory": factory, "occupation_other": other,
        "eligible_voters": round(adults * rng.uniform(0.95, 1.0)),
        "turnout_pct": _d2(rng.uniform(55, 85)),
        "executives": executives, "council_members": council,
        "civil_servants": rng.randint(*servants), "employees": rng.randint(*employees),
    }


def _recorders(ctx: _Ctx) -> list[dict]:
    rng = ctx.rng
    own = POSITIONS.get(ctx.org_type, MUNICIPAL_POSITIONS)
    rows = []
    for i in range(rng.randint(1, 2)):
        position = rng.choice(COMMON_POSITIONS if i else own + COMMON_POSITIONS)
        phone = (f"0{rng.choice('689')}{rng.randint(0, 9)}-{rng.randint(100, 999)}-"
                 f"{rng.randint(1000, 9999)}" if rng.random() < 0.5 else _phone(ctx))
        rows.append({"position": i, "name": _person(rng), "position_title": position,
                     "phone": phone})
    return rows


ROAD_SURFACES = (  # surface, rural share, urban share, mean length km
    ("asphalt", 0.12, 0.35, 2.0), ("concrete", 0.35, 0.55, 0.6), ("laterite", 0.25, 0.04, 1.5),
    ("crushed_rock", 0.12, 0.03, 1.2), ("earth", 0.14, 0.01, 1.0), ("other", 0.02, 0.02, 0.5),
)


def _section2(ctx: _Ctx) -> dict:
    rng, u, r = ctx.rng, ctx.urban, ctx.rural
    v = {}
    if ctx.org_type is OrgType.PAO:  # only the roads the PAO itself maintains
        n_roads = rng.uniform(80, 400)
    else:
        n_roads = ctx.villages * 6 + ctx.pop / 700
    for surface, rural_share, urban_share, km in ROAD_SURFACES:
        count = round(n_roads * (rural_share * r + urban_share * u) * rng.uniform(0.7, 1.3))
        v[f"road_{surface}_count"] = count
        v[f"road_{surface}_km"] = _d2(count * km * rng.uniform(0.6, 1.4))
    v["bridges"] = round(n_roads * rng.uniform(0.02, 0.08))
    hh = ctx.hh
    v["households_electricity"] = round(hh * rng.uniform(0.97, 1.0))
    v["electricity_area_pct"] = _d2(rng.uniform(85, 100))
    v["villages_electricity"] = ctx.villages
    v["street_lights"] = round(n_roads * rng.uniform(3, 10))
    v["water_village_systems"] = round(ctx.villages * rng.uniform(0.4, 1.0))
    v["water_pwa_systems"] = round(rng.uniform(0, 2) + ctx.pop * u / 40_000)
    ctx.water_lao = rng.randint(0, 3) if ctx.org_type is not OrgType.BANGKOK else 0
    v["water_lao_systems"] = ctx.water_lao
    piped = round(hh * rng.uniform(0.6 + 0.3 * u, 0.99))
    v["households_piped_water"] = piped
    v["water_capacity"] = _d2(piped * rng.uniform(0.5, 1.0))
    scale = (ctx.area / 100) ** 0.5
    v["streams"] = round(rng.uniform(1, 12) * scale)
    v["ponds"] = round(rng.uniform(1, 15) * scale)
    v["weirs"] = round(rng.uniform(0, 12) * scale * r)
    v["shallow_wells"] = round(rng.uniform(0, 30) * scale * r)
    v["artesian_wells"] = round(rng.uniform(2, 40) * scale * r)
    v["reservoirs"] = round(rng.uniform(1, 12) * scale)
    v["post_offices"] = round(rng.uniform(0, 1.5) + ctx.pop / 40_000)
    v["radio_stations"] = round(rng.uniform(0, 2) + ctx.pop * u / 60_000)
    v["internet_points"] = round(rng.uniform(1, 10) + ctx.pop / 8_000)
    v["cell_towers"] = round(ctx.pop / rng.uniform(1_200, 2_500) + ctx.area / 25)
    v["pa_coverage_pct"] = _d2(rng.uniform(60, 100) if r > 0.5 else rng.uniform(30, 90))
    rai = ctx.area * 625
    shares = {
        "land_residential": 0.03 + 0.30 * u, "land_commercial": 0.005 + 0.10 * u,
        "land_government": 0.005 + 0.03 * u, "land_recreation": 0.002 + 0.03 * u,
        "land_education": 0.003 + 0.01 * u, "land_vacant": rng.uniform(0.02, 0.08),
    }
    forest = rng.uniform(0, 0.25) * r
    used = 0.0
    for key, share in shares.items():
        share *= rng.uniform(0.7, 1.3)
        used += share
        v[key] = _d2(rai * share)
    agriculture = max(0.0, 1 - used - forest) * rng.uniform(0.8, 0.98)
    v["land_agriculture"] = _d2(rai * agriculture)
    ctx.ag_rai, ctx.forest_rai = rai * agriculture, rai * forest
    return v


def _section3(ctx: _Ctx) -> dict:
    rng, u, pop = ctx.rng, ctx.urban, ctx.pop
    crops = CROPS_SOUTH if ctx.lat < 11 else CROPS_NORTH if ctx.lat > 17 else CROPS_CENTRAL
    big = {OrgType.BANGKOK: 20, OrgType.PATTAYA: 40, OrgType.PAO: 3}.get(ctx.org_type, 1)
    sites = round(rng.uniform(0, 5) * big + pop / 60_000)
    tourists = round(sites * rng.uniform(1_000, 20_000 + 20_000 * u) * (1 + 5 * (big > 3)))
    factories = round(rng.uniform(0, 6) * ctx.rural + pop * u / rng.uniform(1_500, 4_000))
    return {
        "average_income": _d2(rng.uniform(55_000, 95_000) + 150_000 * u * rng.random()),
        "farm_households": round(ctx.hh * (1 - u) * rng.uniform(0.4, 0.9)),
        "farm_area": _d2(ctx.ag_rai * rng.uniform(0.85, 1.0)),
        "main_crops": " ".join(rng.sample(crops, rng.randint(2, 4))),
        "livestock_farms": round(rng.uniform(1, 30) * ctx.rural * (ctx.area / 100) ** 0.5),
        "fishery_households": round(ctx.hh * rng.uniform(0, 0.05)),
        "gas_stations": round(rng.uniform(0, 2) + pop / 5_000),
        "shopping_centres": round(pop * u / rng.uniform(30_000, 60_000)),
        "fresh_markets": round(rng.uniform(0, 2) + pop / 15_000),
        "general_stores": round(pop / rng.uniform(70, 150)),
        "pawnshops": round(pop * u / rng.uniform(40_000, 80_000)),
        "slaughterhouses": rng.randint(0, 2) + round(pop / 200_000),
        "hotels": round(rng.uniform(0, 2) + pop * u / rng.uniform(3_000, 8_000)),
        "banks": round(rng.uniform(0, 1) + pop * u / rng.uniform(5_000, 10_000)),
        "restaurants": round(pop / rng.uniform(150, 400)),
        "factories": factories,
        "factory_workers": round(factories * rng.uniform(10, 120)),
        "tourist_sites": sites, "tourists_per_year": tourists,
        "tourism_revenue": _d2(tourists * rng.uniform(500, 3_000)),
    }


def _occupation_groups(ctx: _Ctx) -> list[dict]:
    rng = ctx.rng
    return [{"position": i, "name": name, "product": product, "members": rng.randint(8, 60)}
            for i, (name, product) in enumerate(rng.sample(OCCUPATION_GROUPS,
                                                           rng.randint(1, 4)))]


def _section4(ctx: _Ctx) -> dict:
    rng, pop, u = ctx.rng, ctx.pop, ctx.urban
    if ctx.lat < 7.0:
        muslim = rng.uniform(60, 90)
    elif ctx.lat < 8.7:
        muslim = rng.uniform(10, 40)
    else:
        muslim = rng.uniform(0, 3)
    christian = rng.uniform(0, 5 if ctx.lat > 17.5 else 1.5)
    other = rng.uniform(0, 1)
    buddhist = 100 - muslim - christian - other - rng.uniform(0, 1)
    return {
        "religion_buddhist_pct": _d2(buddhist), "religion_muslim_pct": _d2(muslim),
        "religion_christian_pct": _d2(christian), "religion_other_pct": _d2(other),
        "temples": round(ctx.villages * rng.uniform(0.4, 0.9) + pop / rng.uniform(3_000, 6_000)),
        "mosques": round(muslim / 100 * pop / rng.uniform(1_000, 2_000)),
        "churches": round(christian / 100 * pop / rng.uniform(200, 600)),
        "shrines": round(rng.uniform(0, 2) + pop * u / 10_000),
        "nfe_centres": 1 + round(pop / 50_000),
        "reading_rooms": round(ctx.villages * rng.uniform(0.3, 1.0) + pop / 20_000),
        "public_libraries": round(rng.uniform(0, 1) + pop * u / 40_000),
        "sports_fields": round(ctx.villages * rng.uniform(0.3, 0.8) + pop / 6_000),
        "playgrounds": round(ctx.villages * rng.uniform(0.2, 0.6) + pop / 5_000),
        "allowance_elderly": round(ctx.over_60 * rng.uniform(0.75, 0.95)),
        "allowance_disabled": round(ctx.disabled * rng.uniform(0.7, 0.95)),
        "allowance_hiv": round(pop * rng.uniform(0.0005, 0.002)),
        "police_stations": round(rng.uniform(0, 1) + pop / 40_000),
        "police_volunteers": round(ctx.villages * 2 + pop / rng.uniform(1_500, 3_000)),
        "road_accidents": round(pop / rng.uniform(200, 600)),
        "drug_cases": round(pop / rng.uniform(300, 1_200)),
    }


def _education(ctx: _Ctx) -> list[dict]:
    rng, u = ctx.rng, ctx.urban
    combos = [(EducationLevel.CHILD_DEVELOPMENT, EducationAffiliation.LAO),
              (EducationLevel.PRIMARY, EducationAffiliation.OBEC)]
    extra = [(EducationLevel.PRE_PRIMARY, EducationAffiliation.OBEC),
             (EducationLevel.SECONDARY, EducationAffiliation.OBEC),
             (EducationLevel.PRIMARY, EducationAffiliation.LAO if u > 0.3
              else EducationAffiliation.OTHER),
             (EducationLevel.SECONDARY, EducationAffiliation.LAO if u > 0.3
              else EducationAffiliation.OTHER),
             (EducationLevel.VOCATIONAL, EducationAffiliation.OTHER)]
    combos += rng.sample(extra, rng.randint(0, 3))
    rows = []
    for i, (level, affiliation) in enumerate(combos):
        share, urban_size, rural_size = EDUCATION[level]
        students = max(10, round(ctx.pop * share * rng.uniform(0.3, 0.8)))
        schools = max(1, round(students / (urban_size * u + rural_size * (1 - u))
                               / rng.uniform(0.7, 1.3)))
        classrooms = max(schools, round(students / rng.uniform(15, 35)))
        rows.append({"position": i, "level": level, "affiliation": affiliation,
                     "schools": schools, "classrooms": classrooms, "students": students,
                     "teachers": max(1, round(classrooms * rng.uniform(0.9, 1.5)))})
    return rows


def _festivals(ctx: _Ctx) -> list[dict]:
    return [{"position": i, "name": name, "month": month, "activity": activity}
            for i, (name, month, activity) in enumerate(ctx.rng.sample(FESTIVALS,
                                                                       ctx.rng.randint(1, 4)))]


def _section5(ctx: _Ctx) -> dict:
    rng, pop, t, u = ctx.rng, ctx.pop, ctx.org_type, ctx.urban
    if t is OrgType.BANGKOK:
        public, rpst, centres = rng.randint(120, 140), 0, 69
    elif t is OrgType.PAO:
        public, rpst, centres = round(pop / 70_000), round(ctx.villages / 8), 0
    else:
        public = 1 if rng.random() < 0.1 + 0.9 * (u >= 0.7) else 0
        public += round(pop * u / 150_000)
        rpst = round(ctx.villages / rng.uniform(5, 9)) if u < 0.5 else rng.randint(0, 1)
        centres = round(rng.uniform(1, 2) + pop / 30_000) if t in MUNICIPAL else 0
    beds = round(public * rng.uniform(30, 120 + 400 * u))
    private = round(pop * u / rng.uniform(40_000, 90_000))
    private_beds = round(private * rng.uniform(50, 300))
    clinics = round(pop / rng.uniform(1_500, 4_000))
    pharmacies = round(pop / rng.uniform(1_500, 4_000))
    doctors = round(beds / rng.uniform(6, 12) + private_beds / 15 + clinics * 0.5)
    return {
        "public_hospitals": public, "public_hospital_beds": beds,
        "private_hospitals": private, "private_hospital_beds": private_beds,
        "health_promoting_hospitals": rpst, "municipal_health_centres": centres,
        "private_clinics": clinics, "pharmacies": pharmacies,
        "doctors": doctors, "nurses": round(beds * 0.6 + private_beds * 0.4 + rpst * 2),
        "dentists": round(doctors / rng.uniform(4, 7)),
        "pharmacists": round(doctors / rng.uniform(3, 5) + pharmacies * 0.3),
        "health_officers": round(rpst * rng.uniform(2, 4) + centres * 4),
        "village_health_volunteers": round(ctx.hh / rng.uniform(8, 12)),
        "households_toilet_pct": _d2(rng.uniform(95, 100)),
        "top_diseases": " ".join(f"{i}) {name}" for i, name in
                                 enumerate(rng.sample(DISEASES, 5), 1)),
        "local_health_fund": rng.random() < 0.95,
    }


FIREFIGHTERS = {
    OrgType.SAO: (3, 12), OrgType.SUBDISTRICT_MUNICIPALITY: (5, 15),
    OrgType.TOWN_MUNICIPALITY: (15, 40), OrgType.CITY_MUNICIPALITY: (40, 120),
    OrgType.PAO: (0, 10), OrgType.BANGKOK: (1_700, 1_900), OrgType.PATTAYA: (70, 100),
}


def _section6(ctx: _Ctx) -> dict:
    rng, pop, villages = ctx.rng, ctx.pop, ctx.villages
    fires = round(pop / rng.uniform(2_000, 6_000)) + rng.randint(0, 3)
    volunteers = round(pop * rng.uniform(0.01, 0.03))
    return {
        "fires": fires,
        "fire_deaths": round(fires * rng.uniform(0, 0.02)) + (rng.random() < 0.05),
        "fire_injuries": rng.randint(0, fires // 2),
        "fire_losses": _d2(fires * rng.uniform(5_000, 300_000)),
        "firefighters": rng.randint(*FIREFIGHTERS[ctx.org_type]),
        "civil_defence_volunteers": volunteers,
        "drill_participants": round(volunteers * rng.uniform(0.2, 0.8)),
        "rescue_units": 1 + round(rng.uniform(0, 2) + pop / 100_000),
        "villages_flood_risk": round(villages * rng.uniform(0, 0.6)),
        "villages_drought_risk": round(villages * rng.uniform(0, 0.5)),
        "villages_landslide_risk": round(villages * rng.uniform(0, 0.15)),
        "villages_storm_risk": round(villages * rng.uniform(0, 0.3)),
        "households_affected": round(ctx.hh * rng.uniform(0, 0.1)),
    }


def _vehicle(ctx: _Ctx, position: int, kind: VehicleKind, year: int) -> dict:
    rng = ctx.rng
    cap_lo, cap_hi, unit, price_lo, price_hi, _ = VEHICLES[kind]
    return {"position": position, "kind": kind,
            "capacity": _d2(round(rng.uniform(cap_lo, cap_hi) / (1 if cap_hi < 100 else 500))
                            * (1 if cap_hi < 100 else 500)),
            "capacity_unit": unit, "year_acquired": year,
            "source": rng.choice(VEHICLE_SOURCES),
            "price": _d2(round(rng.uniform(price_lo, price_hi), -3))}


_KINDS = tuple(VEHICLES)
_KIND_WEIGHTS = tuple(v[5] for v in VEHICLES.values())


def _vehicles(ctx: _Ctx) -> list[dict]:
    rng = ctx.rng
    n = rng.randint(1, 6)
    kinds = [VehicleKind.FIRE_ENGINE] + rng.choices(_KINDS, _KIND_WEIGHTS, k=n - 1)
    return [_vehicle(ctx, i, kind, ctx.be_year - rng.randint(0, 25))
            for i, kind in enumerate(kinds)]


def _section7(ctx: _Ctx) -> dict:
    rng, pop, u = ctx.rng, ctx.pop, ctx.urban
    if ctx.lat > 17:
        t_max, t_min, rain = rng.uniform(38, 43), rng.uniform(6, 14), rng.uniform(1_000, 1_500)
    elif ctx.lat < 11:
        t_max, t_min, rain = rng.uniform(34, 37), rng.uniform(19, 23), rng.uniform(1_800, 3_500)
    else:
        t_max, t_min, rain = rng.uniform(37, 42), rng.uniform(13, 19), rng.uniform(1_000, 1_600)
    flood_pct = rng.uniform(0, 40) if rng.random() < 0.7 else 0.0
    treatment = rng.random() < 0.1 + 0.7 * u
    wastewater = pop * rng.uniform(0.12, 0.2)
    per_person = rng.uniform(0.7, 1.0) + 0.7 * u
    generated = pop * per_person / 1_000
    collected = generated * rng.uniform(0.3 + 0.55 * u, 0.8 + 0.2 * u)
    if u >= 0.6:
        methods = (WasteDisposal.SANITARY_LANDFILL, WasteDisposal.INCINERATOR,
                   WasteDisposal.OTHER_LAO)
    else:
        methods = (WasteDisposal.OPEN_DUMP, WasteDisposal.OPEN_BURNING, WasteDisposal.COMPOST,
                   WasteDisposal.OTHER_LAO, WasteDisposal.SANITARY_LANDFILL, WasteDisposal.OTHER)
    method = rng.choice(methods)
    landfill = (WasteDisposal.SANITARY_LANDFILL, WasteDisposal.OPEN_DUMP)
    return {
        "temperature_max": _d2(t_max), "temperature_min": _d2(t_min), "rainfall": _d2(rain),
        "waterways": round(rng.uniform(1, 15) * (ctx.area / 100) ** 0.5 + pop * u / 5_000),
        "flood_area_pct": _d2(flood_pct),
        "flood_days": rng.randint(1, 30) if flood_pct else 0,
        "drainage_pumps": round(rng.uniform(0, 4) + pop * u / 15_000),
        "wastewater": _d2(wastewater),
        "wastewater_treated": _d2(wastewater * rng.uniform(0.3, 0.9) if treatment else 0),
        "has_wastewater_treatment": treatment,
        "waste_generated": _d2(generated), "waste_collected": _d2(collected),
        "waste_disposed": _d2(collected * rng.uniform(0.4, 1.0)),
        "waste_disposal_method": method,
        "waste_trucks": max(1 if u > 0.3 else 0, round(collected / rng.uniform(4, 8))),
        "landfill_area": _d2(rng.uniform(5, 60) * (1 + u * pop / 100_000)
                             if method in landfill else 0),
        "forest_area": _d2(ctx.forest_rai),
    }


def _shares(rng: random.Random, ranges: dict[str, tuple[float, float]]) -> dict[str, float]:
    raw = {k: rng.uniform(lo, hi) for k, (lo, hi) in ranges.items()}
    total = sum(raw.values())
    return {k: x / total for k, x in raw.items()}


def _section8(ctx: _Ctx) -> dict:
    rng, t = ctx.rng, ctx.org_type
    revenue = ctx.pop * rng.uniform(*REVENUE_PER_CAPITA[t])
    own_tax = (0.25, 0.4) if t in (OrgType.PAO, OrgType.BANGKOK, OrgType.PATTAYA) else (
        (0.04, 0.10) if t in MUNICIPAL else (0.02, 0.05))
    shares = _shares(rng, {
        "revenue_taxes": own_tax, "revenue_fees": (0.005, 0.02),
        "revenue_property": (0.005, 0.02),
        "revenue_utilities": (0.01, 0.04) if ctx.water_lao else (0.0, 0.005),
        "revenue_misc": (0.001, 0.005), "revenue_capital": (0.0, 0.001),
        "revenue_shared_taxes": (0.35, 0.5), "revenue_general_grants": (0.3, 0.45),
        "revenue_specific_grants": (0.03, 0.12)})
    v: dict[str, Any] = {k: _d2(revenue * s) for k, s in shares.items()}
    spent = revenue * rng.uniform(0.8, 0.98)
    shares = _shares(rng, {
        "expenditure_central": (0.15, 0.3), "expenditure_personnel": (0.25, 0.38),
        "expenditure_operations": (0.15, 0.28), "expenditure_investment": (0.1, 0.25),
        "expenditure_subsidies": (0.03, 0.1), "expenditure_other": (0.0, 0.01)})
    v.update({k: _d2(spent * s) for k, s in shares.items()})
    taxes = float(v["revenue_taxes"])
    if t is OrgType.PAO:  # a PAO levies neither land-and-building tax nor signboard tax
        v["tax_land_building"] = v["tax_signboard"] = v["slaughter_duty"] = Decimal("0.00")
    else:
        v["tax_land_building"] = _d2(taxes * rng.uniform(0.3, 0.7))
        v["tax_signboard"] = _d2(taxes * rng.uniform(0.02, 0.15))
        v["slaughter_duty"] = _d2(min(taxes * 0.02, rng.uniform(0, 20_000)))
    v["accumulated_reserve"] = _d2(revenue * rng.uniform(0.2, 0.8))
    v["reserve_fund"] = _d2(revenue * rng.uniform(0.1, 0.3))
    v["outstanding_loans"] = _d2(revenue * rng.uniform(0.02, 0.2)
                                 if rng.random() < 0.25 else 0)
    v["from_accounting_import"] = rng.random() < 0.7
    v["revenue_total"] = v["expenditure_total"] = None  # derived: set by _totals()
    return v


# --- consistency ----------------------------------------------------------------------------

def _cap(d: dict[str, Any], key: str, limit: Any) -> None:
    value = d.get(key)
    if value is not None and limit is not None and value > limit:
        d[key] = limit


def _enforce(rows: Rows, be_year: int) -> None:
    """Re-impose the registered rules of every section, then the plausibility caps."""
    context = RuleContext(fiscal_year=be_year)
    for model in SECTIONS:
        if model is Section2Infrastructure:  # after ด้าน 1 is repaired: its households count
            context = RuleContext(fiscal_year=be_year,
                                  households_section1=rows[Section1General][0]["households"])
        children = {name: rows[child] for name, child in CHILDREN.get(model, ())}
        for rule in model.RULES:
            rule.repair(rows[model][0], children, context)
        for _name, child in CHILDREN.get(model, ()):
            for row in rows[child]:
                for rule in child.RULES:
                    rule.repair(row, {}, context)
    _plausible(rows)


def _plausible(rows: Rows) -> None:
    """Caps that are not product rules but keep the demo believable (a clerk may well enter
    more voters than adults; real data does not have them)."""
    s1 = rows[Section1General][0]
    total = s1["population_total"]
    adults = total - s1["pop_age_0_17"] if total is not None and s1["pop_age_0_17"] else total
    _cap(s1, "eligible_voters", adults)
    _cap(s1, "disabled_persons", total)
    hh = s1["households"]
    villages = (s1["villages_full"] or 0) + (s1["villages_partial"] or 0)

    _cap(rows[Section2Infrastructure][0], "villages_electricity", villages)

    s3 = rows[Section3Economy][0]
    _cap(s3, "farm_households", hh)
    _cap(s3, "fishery_households", hh)

    s4 = rows[Section4Social][0]
    _cap(s4, "allowance_elderly", s1["pop_age_over_60"])
    _cap(s4, "allowance_disabled", s1["disabled_persons"])

    s6 = rows[Section6Disaster][0]
    for key in ("villages_flood_risk", "villages_drought_risk", "villages_landslide_risk",
                "villages_storm_risk"):
        _cap(s6, key, villages)
    _cap(s6, "households_affected", hh)

    s7 = rows[Section7Environment][0]
    if s7["temperature_min"] is not None and s7["temperature_max"] is not None \
            and s7["temperature_min"] > s7["temperature_max"]:
        s7["temperature_min"], s7["temperature_max"] = s7["temperature_max"], s7["temperature_min"]

    s8 = rows[Section8Finance][0]
    local = [s8[k] for k in ("tax_land_building", "tax_signboard", "slaughter_duty")]
    if s8["revenue_taxes"] is not None and None not in local and sum(local) > s8["revenue_taxes"]:
        s8["tax_land_building"] = max(Decimal("0.00"),
                                      s8["revenue_taxes"] - local[1] - local[2])


def _totals(s8: dict[str, Any]) -> None:
    """The derived finance totals: the sum of their classes, empty while a class is empty."""
    for total_key, parts in (("revenue_total", Section8Finance.REVENUE_FIELDS),
                             ("expenditure_total", Section8Finance.EXPENDITURE_FIELDS)):
        values = [s8[k] for k in parts]
        s8[total_key] = None if None in values else sum(values, Decimal(0))


# --- drift from last year -------------------------------------------------------------------

def _drift_value(rng: random.Random, key: str, kind: str, info: dict[str, Any],
                 value: Any) -> Any:
    if value is None or key in STABLE:
        return value
    spread = 0.02 if key in SLOW else 0.10
    if kind == "count":
        new = round(value * (1 + rng.uniform(-spread, spread)))
        if info.get("max") is not None:
            new = min(new, info["max"])
        return max(int(info.get("min") or 0), new)
    if kind in ("decimal", "money"):
        new = float(value) * (1 + rng.uniform(-spread, spread))
        lo, hi = info.get("min"), info.get("max")
        if hi is not None:
            new = min(new, float(hi))
        return _d2(max(float(lo) if lo is not None else 0.0, new))
    if kind == "percent":  # shares move by a few points, not by a tenth of themselves
        return _d2(min(100.0, max(0.0, float(value) * (1 + rng.uniform(-0.03, 0.03)))))
    return value


def _drift(ctx: _Ctx, base: Rows, complete_rows: Rows | None) -> Rows:
    """This year's rows from last year's: numbers move a little, names and places stay."""
    rng = ctx.rng
    rows: Rows = {}
    for model, plan in _PLANS.items():
        old = base.get(model, [])
        new_rows = []
        for i, row in enumerate(old):
            new = {"position": row["position"]} if "position" in row else {}
            for key, kind, info in plan:
                new[key] = _drift_value(rng, key, kind, info, row.get(key))
            new_rows.append(new)
        rows[model] = new_rows
    # A value left empty last year gets a fresh one (the clerk completes it this year).
    for model in SECTIONS:
        row = rows[model][0] if rows[model] else None
        if row is None or any(row[k] is None for k in _REQUIRED[model]):
            fresh = complete_rows[model][0] if complete_rows else {}
            if row is None:
                rows[model] = [dict(fresh)]
            else:
                for key in _REQUIRED[model]:
                    if row[key] is None:
                        row[key] = fresh[key]
    rows[Section1General][0]["org_type"] = ctx.org_type
    rows[Section1General][0]["population_as_of"] = date(ctx.be_year - 545, 12, 31)
    # Now and then a new fire engine or pump arrives.
    vehicles = rows[Section6Vehicle]
    if len(vehicles) < 6 and rng.random() < 0.15:
        kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
        vehicles.append(_vehicle(ctx, len(vehicles), kind, ctx.be_year))
    if not rows[Section1Recorder]:
        rows[Section1Recorder] = _recorders(ctx)
    elif rng.random() < 0.2:  # staff turnover
        rows[Section1Recorder][0].update(_recorders(ctx)[0], position=0)
    if not rows[Section4Education]:
        rows[Section4Education] = _education(ctx)
    return rows


# --- public entry point ---------------------------------------------------------------------

def section_rows(rng: random.Random, org_type: OrgType, be_year: int, *, complete: bool = True,
                 subdistrict_code: str | None = None, postal_code: str | None = None,
                 lat_lon: tuple[float, float] | None = None,
                 base: Rows | None = None) -> Rows:
    """Values for the 8 sections and their child rows of one LAO-year, keyed by model class; the
    `submission_id` key is left out (the caller adds it).

    The 8 section models come first (one dict each), then the child models (a list each, with
    `position`), so inserting in key order satisfies the foreign keys.  `base` is last year's
    result for the same LAO: this year's values are then a drift of ±0–10 % from it.
    `complete=False` empties a few required fields of one to three sections.
    """
    _plans()
    ctx = _Ctx(rng, org_type, be_year)
    if lat_lon is not None:
        ctx.lat, ctx.lon = lat_lon
    else:
        old = base[Section1General][0] if base is not None else {}
        lat, lon = old.get("latitude"), old.get("longitude")
        ctx.lat = float(lat) if lat is not None else rng.uniform(6.0, 20.0)
        ctx.lon = float(lon) if lon is not None else rng.uniform(98.5, 105.0)

    needs_fresh = base is None or any(
        not base.get(m) or any(base[m][0].get(k) is None for k in _REQUIRED[m])
        for m in SECTIONS)
    if base is not None:  # keep a fresh value on last year's scale
        s1 = base[Section1General][0]
        male, female = s1.get("population_male"), s1.get("population_female")
        ctx.pop = s1.get("population_total") or (male + female if male and female else None)
        ctx.hh = s1.get("households")
        if s1.get("villages_full") is not None and s1.get("villages_partial") is not None:
            ctx.villages = s1["villages_full"] + s1["villages_partial"]
        ctx.area = float(s1["area_sq_km"]) if s1.get("area_sq_km") is not None else None
    fresh: Rows | None = None
    if needs_fresh:
        fresh = {Section1General: [_section1(ctx, subdistrict_code, postal_code)],
                 Section2Infrastructure: [_section2(ctx)], Section3Economy: [_section3(ctx)],
                 Section4Social: [_section4(ctx)], Section5Health: [_section5(ctx)],
                 Section6Disaster: [_section6(ctx)], Section7Environment: [_section7(ctx)],
                 Section8Finance: [_section8(ctx)],
                 Section1Recorder: _recorders(ctx), Section3OccupationGroup:
                 _occupation_groups(ctx), Section4Education: _education(ctx),
                 Section4Festival: _festivals(ctx), Section6Vehicle: _vehicles(ctx)}
        for model, rows_ in fresh.items():
            for row in rows_:
                _fill(model, row, ctx)
    if base is None:
        rows = fresh
    else:
        rows = _drift(ctx, base, fresh)
        if subdistrict_code is not None:
            rows[Section1General][0]["office_subdistrict_code"] = subdistrict_code
        if postal_code is not None:
            rows[Section1General][0]["postal_code"] = postal_code
        if lat_lon is not None:
            rows[Section1General][0]["latitude"] = _d6(lat_lon[0])
            rows[Section1General][0]["longitude"] = _d6(lat_lon[1])
    assert rows is not None

    _enforce(rows, be_year)
    if not complete:
        for model in rng.sample(SECTIONS, rng.randint(1, 3)):
            required = _REQUIRED[model]
            for key in rng.sample(required, min(len(required), rng.randint(1, 3))):
                rows[model][0][key] = None
    _totals(rows[Section8Finance][0])
    return rows
