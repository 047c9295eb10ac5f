"""The validation rulebook (SPEC §5, models/rules/values.py): pure functions, no app, no database.

For every rule: a good value gives no finding for its field, a bad value gives the expected
Thai message with the right blocking flag.
"""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from demo.values import section_rows
from models.tables.organizations import OrgType
from models.rules.values import Finding, RuleContext, blocking, check_section, warnings
from models.tables.sections import (
    CHILDREN, SECTIONS, Section1General, Section2Infrastructure, Section3Economy,
    Section4Social, Section5Health, Section6Disaster, Section7Environment, Section8Finance,
)


def _for(findings: list[Finding], field: str) -> list[Finding]:
    return [f for f in findings if f.field == field]


def _assert_refused(findings: list[Finding], field: str, fragment: str, is_blocking: bool):
    mine = _for(findings, field)
    assert len(mine) == 1, findings
    assert fragment in mine[0].message, mine[0].message
    assert mine[0].blocking is is_blocking


# --- pass 1: one column at a time ---------------------------------------------------------------

COLUMN_RULES = [
    # (section, field, good value, bad value, message fragment)
    pytest.param(Section3Economy, "factories", 0, -1, "โรงงานอุตสาหกรรม ต้องไม่ติดลบ",
                 id="count-not-negative"),
    pytest.param(Section8Finance, "revenue_taxes", D("0.00"), D("-0.01"),
                 "หมวดภาษีอากร ต้องไม่ติดลบ", id="money-not-negative"),
    pytest.param(Section7Environment, "rainfall", D("1250.50"), D("-3"),
                 "ปริมาณน้ำฝนเฉลี่ย ต้องไม่ติดลบ", id="decimal-not-negative"),
    pytest.param(Section5Health, "households_toilet_pct", D("100"), D("100.01"),
                 "ต้องอยู่ระหว่าง 0–100", id="percent-over-100"),
    pytest.param(Section1General, "turnout_pct", D("0"), D("-1"), "ต้องอยู่ระหว่าง 0–100",
                 id="percent-negative"),
    pytest.param(Section7Environment, "flood_days", 366, 367,
                 "ระยะเวลาน้ำท่วมขัง ต้องอยู่ระหว่าง 0–366 วัน/ปี", id="count-max"),
    pytest.param(Section7Environment, "temperature_max", D("-10"), D("50.5"),
                 "ตั้งแต่ -10 ถึง 50 องศาเซลเซียส", id="temperature-range"),
    pytest.param(Section1General, "office_moo", 1, 0, "หมู่ที่ ต้องอยู่ระหว่าง 1–99",
                 id="moo-range"),
    pytest.param(Section1General, "latitude", D("5.6"), D("5.599999"),
                 "พิกัดต้องอยู่ในประเทศไทย: ละติจูดต้องอยู่ระหว่าง 5.6–20.5", id="lat-south"),
    pytest.param(Section1General, "latitude", D("20.5"), D("21.0"),
                 "พิกัดต้องอยู่ในประเทศไทย", id="lat-north"),
    pytest.param(Section1General, "longitude", D("97.3"), D("97.2"),
                 "พิกัดต้องอยู่ในประเทศไทย: ลองจิจูดต้องอยู่ระหว่าง 97.3–105.7", id="lon-west"),
    pytest.param(Section1General, "longitude", D("105.7"), D("151.2"),
                 "ลองจิจูดต้องอยู่ระหว่าง 97.3–105.7 องศาตะวันออก", id="lon-east"),
    pytest.param(Section1General, "postal_code", "61110", "6111",
                 "รหัสไปรษณีย์ต้องเป็นตัวเลข 5 หลัก", id="postal-4-digits"),
    pytest.param(Section1General, "postal_code", "10200", "102000",
                 "รหัสไปรษณีย์ต้องเป็นตัวเลข 5 หลัก", id="postal-6-digits"),
    pytest.param(Section1General, "postal_code", "10200", "1020A",
                 "รหัสไปรษณีย์ต้องเป็นตัวเลข 5 หลัก", id="postal-letter"),
    pytest.param(Section1General, "postal_code", "60140", "๖๐๑๔๐",
                 "รหัสไปรษณีย์ต้องเป็นตัวเลข 5 หลัก", id="postal-thai-digits"),
    pytest.param(Section1General, "office_road", "ถ" * 255, "ถ" * 256,
                 "ถนน ยาวได้ไม่เกิน 255 ตัวอักษร (กรอกไว้ 256 ตัวอักษร)", id="text-length"),
    pytest.param(Section1General, "phone", "056-511965", "0" * 51,
                 "ยาวได้ไม่เกิน 50 ตัวอักษร", id="phone-length"),
    pytest.param(Section1General, "website_url", "https://www.a.go.th", "https://a.th/" + "x" * 300,
                 "ที่อยู่เว็บไซต์ ยาวได้ไม่เกิน 300 ตัวอักษร", id="url-length"),
    pytest.param(Section1General, "population_male", 404_654, D("404654.5"),
                 "ประชากรชาย ต้องเป็นจำนวนเต็ม", id="count-whole-decimal"),
    pytest.param(Section3Economy, "hotels", D("3"), "2.5", "โรงแรม/รีสอร์ต ต้องเป็นจำนวนเต็ม",
                 id="count-whole-str"),
    pytest.param(Section6Disaster, "fires", "1,234", 2.5, "ต้องเป็นจำนวนเต็ม",
                 id="count-whole-float"),
    pytest.param(Section3Economy, "banks", 2, "สองแห่ง", "ธนาคาร ต้องเป็นตัวเลข",
                 id="number-not-text"),
    pytest.param(Section8Finance, "reserve_fund", D("1.50"), D("NaN"), "ต้องเป็นตัวเลข",
                 id="number-not-nan"),
    pytest.param(Section3Economy, "banks", 2, True, "ต้องเป็นตัวเลข", id="number-not-bool"),
    pytest.param(Section8Finance, "outstanding_loans", D("99999999999999.99"),
                 D("100000000000000"), "เงินกู้คงค้าง มีค่ามากเกินไป",
                 id="money-fits-column"),
    pytest.param(Section3Economy, "tourists_per_year", 2_147_483_647, 2_147_483_648,
                 "มีค่ามากเกินไป", id="count-fits-integer"),
    pytest.param(Section1General, "area_sq_km", D("0.01"), D("0"),
                 "พื้นที่ต้องมากกว่า 0 ตร.กม.", id="area-zero"),
    pytest.param(Section1General, "area_sq_km", D("1568.74"), D("-5"),
                 "พื้นที่ต้องมากกว่า 0 ตร.กม.", id="area-negative"),
]


@pytest.mark.parametrize("section, field, good, bad, fragment", COLUMN_RULES)
def test_column_rule(section, field, good, bad, fragment):
    assert _for(check_section(section, {field: good}), field) == []
    _assert_refused(check_section(section, {field: bad}), field, fragment, True)


def test_one_message_per_column():
    """A postal code that is too long is one finding (5 digits), not two (length as well)."""
    findings = check_section(Section1General, {"postal_code": "1234567"})
    assert len(findings) == 1


def test_empty_draft_passes_every_section():
    """Completeness is not a save rule: an empty or half-filled draft has nothing to refuse."""
    for section in SECTIONS:
        assert check_section(section, {}) == []
        assert check_section(section, {c.key: None for c in section.__table__.columns}) == []


def test_orm_row_is_accepted_too():
    row = Section1General(population_male=10, population_female=10, population_total=21)
    _assert_refused(check_section(Section1General, row), "population_total", "10 + 10 = 20",
                    True)


CHILD_RULES = [
    # (section, relationship, column, good value, bad value, message fragment)
    pytest.param(Section4Social, "festivals", "month", 12, 13,
                 "ประเพณีและงานประจำปี รายการที่ 2: เดือนที่จัดต้องเป็นเลข 1–12",
                 id="festival-month-13"),
    pytest.param(Section4Social, "festivals", "month", 1, 0,
                 "เดือนที่จัดต้องเป็นเลข 1–12", id="festival-month-0"),
    pytest.param(Section6Disaster, "vehicles", "year_acquired", 2400, 2399,
                 "รายการที่ 2: ปีที่ได้มา ต้องเป็นปี พ.ศ. 2400–2700", id="vehicle-year-range"),
    pytest.param(Section6Disaster, "vehicles", "year_acquired", 2560, D("2560.5"),
                 "ปีที่ได้มา ต้องเป็นจำนวนเต็ม", id="vehicle-year-whole"),
    pytest.param(Section6Disaster, "vehicles", "price", D("2500000.00"), D("-1"),
                 "ราคา ต้องไม่ติดลบ", id="vehicle-price"),
    pytest.param(Section1General, "recorders", "name", "ก" * 200, "ก" * 201,
                 "ผู้บันทึกข้อมูล รายการที่ 2: ชื่อ-สกุล ยาวได้ไม่เกิน 200 ตัวอักษร",
                 id="recorder-name-length"),
    pytest.param(Section3Economy, "occupation_groups", "members", 12, -12,
                 "สมาชิก ต้องไม่ติดลบ", id="occupation-members"),
    pytest.param(Section4Social, "education_rows", "students", 350, D("12.5"),
                 "นักเรียน ต้องเป็นจำนวนเต็ม", id="education-students"),
]


@pytest.mark.parametrize("section, name, column, good, bad, fragment", CHILD_RULES)
def test_child_row_rule(section, name, column, good, bad, fragment):
    ok = {column: good}
    assert _for(check_section(section, {}, children={name: [ok, ok]}), name) == []
    findings = check_section(section, {}, children={name: [ok, {column: bad}]})
    _assert_refused(findings, name, fragment, True)
    assert "รายการที่ 2" in findings[0].message


# --- pass 2: rules between columns and across tables ----------------------------------------

CROSS_RULES = [
    # (section, good values, bad values, context, field, fragment, blocking)
    pytest.param(
        Section1General,
        {"population_male": 404_654, "population_female": 446_494, "population_total": 851_148},
        {"population_male": 404_654, "population_female": 446_494, "population_total": 851_000},
        None, "population_total",
        "ประชากรรวมต้องเท่ากับชาย + หญิง (404,654 + 446,494 = 851,148) แต่กรอกไว้ 851,000",
        True, id="s1-total-male-female"),
    pytest.param(
        Section1General,
        {"population_total": 851_148, "households": 851_148},
        {"population_total": 851_148, "households": 851_149},
        None, "households",
        "จำนวนครัวเรือน (851,149 ครัวเรือน) ต้องไม่เกินประชากรรวม (851,148 คน)",
        True, id="s1-households-le-population"),
    pytest.param(
        Section1General,
        {"population_total": 1000, "pop_age_0_17": 200, "pop_age_18_25": 100,
         "pop_age_26_60": 500, "pop_age_over_60": 200},
        {"population_total": 1000, "pop_age_0_17": 200, "pop_age_18_25": 100,
         "pop_age_26_60": 500, "pop_age_over_60": 201},
        None, "pop_age_0_17",
        "ประชากรตามช่วงอายุรวมกันต้องเท่ากับประชากรรวม (200 + 100 + 500 + 201 = 1,001",
        True, id="s1-age-bands-sum"),
    pytest.param(
        Section1General,
        {"has_website": True, "website_url": "https://www.nakhonsawan.go.th"},
        {"has_website": True, "website_url": "www.nakhonsawan.go.th"},
        None, "website_url", "ที่อยู่เว็บไซต์ไม่ถูกต้อง ต้องขึ้นต้นด้วย http:// หรือ https://",
        True, id="s1-url-scheme"),
    pytest.param(
        Section1General,
        {"has_website": True, "website_url": "http://อบต.ไทย/เกี่ยวกับเรา"},
        {"has_website": True, "website_url": "https://www.nakhonsawan go.th"},
        None, "website_url", "ที่อยู่เว็บไซต์ไม่ถูกต้อง", True, id="s1-url-space"),
    pytest.param(
        Section1General,
        {"has_website": True, "website_url": "https://tambon.go.th:8080/"},
        {"has_website": True, "website_url": "https://localhost"},
        None, "website_url", "ที่อยู่เว็บไซต์ไม่ถูกต้อง", True, id="s1-url-host"),
    pytest.param(
        Section1General,
        {"has_website": True, "website_url": "https://a.go.th"},
        {"has_website": True, "website_url": "ftp://a.go.th"},
        None, "website_url", "ที่อยู่เว็บไซต์ไม่ถูกต้อง", True, id="s1-url-ftp"),
    pytest.param(
        Section1General,
        {"has_website": False, "website_url": None},
        {"has_website": True, "website_url": "  "},
        None, "website_url", "กรุณากรอกที่อยู่เว็บไซต์ เมื่อระบุว่ามีเว็บไซต์",
        True, id="s1-url-required-when-has-website"),
    pytest.param(
        Section2Infrastructure, {"households_electricity": 12_000},
        {"households_electricity": 12_001}, RuleContext(households_section1=12_000),
        "households_electricity",
        "ครัวเรือนที่ใช้ไฟฟ้า (12,001 ครัวเรือน) มากกว่าจำนวนครัวเรือนในด้านที่ 1 (12,000",
        False, id="s2-electricity-le-households-warning"),
    pytest.param(
        Section2Infrastructure, {"households_piped_water": 12_000},
        {"households_piped_water": 15_300}, RuleContext(households_section1=12_000),
        "households_piped_water",
        "ครัวเรือนที่ใช้น้ำประปา (15,300 ครัวเรือน) มากกว่าจำนวนครัวเรือนในด้านที่ 1",
        False, id="s2-piped-water-le-households-warning"),
    pytest.param(
        Section4Social,
        {"religion_buddhist_pct": D("99.41"), "religion_muslim_pct": D("0.59"),
         "religion_christian_pct": D("0"), "religion_other_pct": D("0")},
        {"religion_buddhist_pct": D("95.00"), "religion_muslim_pct": D("3.00"),
         "religion_christian_pct": D("1.50"), "religion_other_pct": D("0.51")},
        None, "religion_buddhist_pct",
        "ร้อยละของผู้นับถือศาสนารวมกันต้องไม่เกิน 100 (พุทธ 95.00 + อิสลาม 3.00"
        " + คริสต์ 1.50 + อื่น ๆ 0.51 = 100.01)", True, id="s4-religion-sum"),
    pytest.param(
        Section4Social,
        {"religion_buddhist_pct": D("90"), "religion_muslim_pct": D("10")},
        {"religion_buddhist_pct": D("90"), "religion_muslim_pct": D("10.5")},
        None, "religion_buddhist_pct", "ต้องไม่เกิน 100", True, id="s4-religion-sum-partial"),
    pytest.param(
        Section7Environment, {"wastewater": D("1200.50"), "wastewater_treated": D("1200.50")},
        {"wastewater": D("1200.50"), "wastewater_treated": D("1300")}, None,
        "wastewater_treated",
        "น้ำเสียที่ได้รับการบำบัด (1,300 ลบ.ม./วัน) ต้องไม่เกินปริมาณน้ำเสีย (1,200.50 ลบ.ม./วัน)",
        True, id="s7-treated-le-wastewater"),
    pytest.param(
        Section7Environment, {"waste_generated": D("12.40"), "waste_collected": D("12.40")},
        {"waste_generated": D("12.40"), "waste_collected": D("12.41")}, None,
        "waste_collected",
        "ขยะมูลฝอยที่เก็บขนได้ (12.41 ตัน/วัน) ต้องไม่เกินปริมาณขยะมูลฝอยที่เกิดขึ้น",
        True, id="s7-collected-le-generated"),
    pytest.param(
        Section7Environment, {"waste_collected": D("10"), "waste_disposed": D("9.99")},
        {"waste_collected": D("10"), "waste_disposed": D("10.5")}, None,
        "waste_disposed",
        "ขยะมูลฝอยที่กำจัดอย่างถูกต้อง (10.5 ตัน/วัน) ต้องไม่เกินปริมาณขยะมูลฝอยที่เก็บขนได้",
        True, id="s7-disposed-le-collected"),
    pytest.param(
        Section8Finance,
        {**{k: D("1000000.00") for k in Section8Finance.REVENUE_FIELDS},
         "revenue_total": D("9000000.00")},
        {**{k: D("1000000.00") for k in Section8Finance.REVENUE_FIELDS},
         "revenue_total": D("9000000.01")},
        None, "revenue_total",
        "รวมรายรับจริงต้องเท่ากับผลรวมรายรับทุกหมวด (9,000,000.00 บาท) แต่กรอกไว้ 9,000,000.01",
        True, id="s8-revenue-total"),
    pytest.param(
        Section8Finance,
        {**{k: D("250.25") for k in Section8Finance.EXPENDITURE_FIELDS},
         "expenditure_total": D("1501.50")},
        {**{k: D("250.25") for k in Section8Finance.EXPENDITURE_FIELDS},
         "expenditure_total": D("1500")},
        None, "expenditure_total",
        "รวมรายจ่ายจริงต้องเท่ากับผลรวมรายจ่ายทุกงบ (1,501.50 บาท) แต่กรอกไว้ 1,500 บาท",
        True, id="s8-expenditure-total"),
]


@pytest.mark.parametrize("section, good, bad, context, field, fragment, is_blocking",
                         CROSS_RULES)
def test_cross_field_rule(section, good, bad, context, field, fragment, is_blocking):
    assert _for(check_section(section, good, context=context), field) == []
    _assert_refused(check_section(section, bad, context=context), field, fragment,
                    is_blocking)


@pytest.mark.parametrize("section, values", [
    pytest.param(Section1General, {"population_male": 10, "population_total": 11},
                 id="total-without-female"),
    pytest.param(Section1General, {"population_total": 1000, "pop_age_0_17": 200,
                                   "pop_age_18_25": 100, "pop_age_26_60": 500},
                 id="three-age-bands-only"),
    pytest.param(Section1General, {"has_website": False, "website_url": "ไม่มี"},
                 id="url-ignored-without-website"),
    pytest.param(Section1General, {"has_website": None, "website_url": None},
                 id="website-unanswered"),
    pytest.param(Section2Infrastructure, {"households_electricity": 99_999},
                 id="electricity-without-section1"),
    pytest.param(Section8Finance, {"revenue_taxes": D("5"), "revenue_total": D("1")},
                 id="revenue-total-with-missing-classes"),
    pytest.param(Section8Finance, {k: D("5") for k in Section8Finance.REVENUE_FIELDS},
                 id="revenue-total-not-supplied"),
])
def test_cross_field_rule_needs_its_inputs(section, values):
    assert check_section(section, values) == []


def test_cross_field_rule_skipped_when_an_operand_is_already_wrong():
    """-5 households is one message (not negative), not also 'more than the population'."""
    findings = check_section(Section1General, {"population_male": -5, "population_female": 10,
                                               "population_total": 5})
    assert [f.field for f in findings] == ["population_male"]


def test_vehicle_year_le_fiscal_year():
    vehicles = [{"year_acquired": 2568}, {"year_acquired": 2540}, {"year_acquired": 2569}]
    ctx = RuleContext(fiscal_year=2568)
    findings = check_section(Section6Disaster, {}, children={"vehicles": vehicles}, context=ctx)
    _assert_refused(findings, "vehicles",
                    "รถและอุปกรณ์ป้องกันและบรรเทาสาธารณภัย รายการที่ 3: ปีที่ได้มา (พ.ศ. 2569)"
                    " ต้องไม่เกินปีงบประมาณ พ.ศ. 2568", True)
    assert "2,5" not in findings[0].message  # years are never written with a separator
    assert check_section(Section6Disaster, {}, children={"vehicles": vehicles[:2]},
                         context=ctx) == []
    # Without a fiscal year there is nothing to compare with.
    assert check_section(Section6Disaster, {}, children={"vehicles": vehicles}) == []


# --- pass 3: year over year -----------------------------------------------------------------

YOY = [
    # (section, field, previous, good new, bad new, fragment)
    pytest.param(Section1General, "population_male", 10_000, 15_000, 15_001,
                 "ประชากรชาย เปลี่ยนแปลงจากปีก่อนเกินร้อยละ 50: ปีก่อน 10,000 คน"
                 " ปีนี้ 15,001 คน (เพิ่มขึ้นร้อยละ 50.0)", id="count-up"),
    pytest.param(Section6Disaster, "firefighters", 40, 20, 19,
                 "ปีก่อน 40 คน ปีนี้ 19 คน (ลดลงร้อยละ 52.5)", id="count-down"),
    pytest.param(Section8Finance, "revenue_taxes", D("2000000.00"), D("2900000.00"),
                 D("3100000.00"), "ปีก่อน 2,000,000.00 บาท ปีนี้ 3,100,000.00 บาท",
                 id="money-up"),
    pytest.param(Section7Environment, "waste_generated", D("10.00"), D("5.00"), D("4.99"),
                 "ลดลงร้อยละ 50.1", id="decimal-down"),
    pytest.param(Section5Health, "households_toilet_pct", D("40"), D("60"), D("61"),
                 "เพิ่มขึ้นร้อยละ 52.5", id="percent-up"),
]


@pytest.mark.parametrize("section, field, previous, good, bad, fragment", YOY)
def test_year_over_year_warning(section, field, previous, good, bad, fragment):
    ctx = RuleContext(previous={field: previous})
    assert check_section(section, {field: good}, context=ctx) == []
    findings = check_section(section, {field: bad}, context=ctx)
    _assert_refused(findings, field, fragment, False)
    assert "โปรดตรวจสอบ" in findings[0].message


@pytest.mark.parametrize("section, field, previous, new", [
    pytest.param(Section3Economy, "factories", None, 40, id="no-previous-value"),
    pytest.param(Section3Economy, "factories", 0, 40, id="previous-zero"),
    pytest.param(Section3Economy, "factories", 40, 0, id="now-zero"),
    pytest.param(Section2Infrastructure, "bridges", 2, 40, id="not-required"),
    pytest.param(Section8Finance, "revenue_total", D("100"), D("900"), id="derived"),
    pytest.param(Section1General, "latitude", D("6.0"), D("15.0"), id="not-a-quantity"),
])
def test_year_over_year_not_flagged(section, field, previous, new):
    ctx = RuleContext(previous={field: previous})
    assert check_section(section, {field: new}, context=ctx) == []


def test_year_over_year_needs_a_previous_year():
    assert check_section(Section3Economy, {"factories": 40}) == []
    assert check_section(Section3Economy, {"factories": 40},
                         context=RuleContext(previous={})) == []


# --- helpers --------------------------------------------------------------------------------

def test_blocking_and_warnings_split_the_findings():
    findings = check_section(
        Section2Infrastructure, {"households_electricity": 120, "street_lights": -1},
        context=RuleContext(households_section1=100, previous={"households_electricity": 50}))
    assert [f.field for f in blocking(findings)] == ["street_lights"]
    assert [f.field for f in warnings(findings)] == ["households_electricity"] * 2
    assert all(isinstance(f, Finding) for f in findings)


# --- the demo generator's values pass -----------------------------------------------------------

def _demo_lao_years(count: int, seed: int = 2568):
    """(org type, fiscal year, rows, last year's rows) for `count` LAO-years, 3 years a LAO."""
    rng = random.Random(seed)
    types = (OrgType.SAO, OrgType.SUBDISTRICT_MUNICIPALITY, OrgType.TOWN_MUNICIPALITY,
             OrgType.CITY_MUNICIPALITY, OrgType.PAO, OrgType.BANGKOK, OrgType.PATTAYA)
    produced, lao = 0, 0
    while produced < count:
        org_type, base = types[lao % len(types)], None
        for year in (2566, 2567, 2568):
            rows = section_rows(rng, org_type, year, complete=lao % 3 != 2, base=base)
            yield org_type, year, rows, base
            base = rows
            produced += 1
            if produced == count:
                return
        lao += 1


def _check_all(year, rows, base):
    households = rows[Section1General][0]["households"]
    for section in SECTIONS:
        kids = {name: rows[child] for name, child in CHILDREN.get(section, ())}
        previous = base[section][0] if base is not None else None
        ctx = RuleContext(fiscal_year=year, households_section1=households, previous=previous)
        yield section, check_section(section, rows[section][0], children=kids, context=ctx)


def test_demo_values_pass_every_blocking_rule():
    checked = 0
    for org_type, year, rows, base in _demo_lao_years(50):
        for section, findings in _check_all(year, rows, base):
            assert blocking(findings) == [], (org_type, year, section.__name__, findings)
            checked += 1
    assert checked == 50 * len(SECTIONS)


def test_demo_values_raise_no_warning_either():
    """The generator drifts ±10 % a year and keeps ด้าน 2 within ด้าน 1: nothing to flag."""
    for org_type, year, rows, base in _demo_lao_years(50, seed=7):
        for section, findings in _check_all(year, rows, base):
            assert findings == [], (org_type, year, section.__name__, findings)
