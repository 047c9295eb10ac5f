"""Geography and demo data: Uthai Thani (the letter's province), a large province, or the nation.

Everything is idempotent (rows are keyed by code, username or LAO-year) and bulk-inserted, so
`--scale national` (~7,850 LAOs × years × 8 sections) finishes in minutes.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import geothai
from sqlalchemy import insert, select

from models import (AccountStatus, CertificationEvent, District, FiscalYear, Organization,
                    OrgType, Province, Subdistrict, Submission, User, YearStatus, db)
from models.tables.accounts import _hasher
from models.rules.completeness import sections_complete
from .values import section_rows
from models.tables.sections import CHILDREN, SECTIONS
from workflow import Action, Role, Status, today_in_thailand

DEMO_PROVINCE = "61"        # อุทัยธานี, the province of the letter
LARGE_PROVINCE = "30"       # นครราชสีมา: ~300 LAOs, for bulk-certification at scale
OPEN_YEAR = 2570
OPEN_YEAR_DEADLINE = date(2026, 12, 30)   # ๓๐ ธันวาคม ๒๕๖๙


def open_year_deadline(today: date | None = None) -> date:
    """The demo round's deadline: 30 ธ.ค. 2569 while that day is still ahead; a demo seeded
    after it gets 30 days from the seeding day, so its clerks can still save and certify
    (and the tests that play them still pass) whenever it is run."""
    today = today or today_in_thailand()
    return OPEN_YEAR_DEADLINE if today <= OPEN_YEAR_DEADLINE else today + timedelta(days=30)


def returned_extension(today: date | None = None) -> date:
    """Until when the demo's returned LAOs may correct: 16 days after the round's deadline
    (15 ม.ค. 2570 for the letter's round)."""
    return open_year_deadline(today) + timedelta(days=16)


BATCH = 2000
# National mix (DLA 2020–2023): 76 / 30 / 195 / 2,247 / 5,300 / 2 = 7,850.
NATIONAL_MIX = {OrgType.PAO: 76, OrgType.CITY_MUNICIPALITY: 30, OrgType.TOWN_MUNICIPALITY: 195,
                OrgType.SUBDISTRICT_MUNICIPALITY: 2247, OrgType.SAO: 5300,
                OrgType.BANGKOK: 1, OrgType.PATTAYA: 1}
TYPE_DIGIT = {OrgType.PAO: "2", OrgType.CITY_MUNICIPALITY: "3", OrgType.PATTAYA: "3",
              OrgType.TOWN_MUNICIPALITY: "4", OrgType.SUBDISTRICT_MUNICIPALITY: "5",
              OrgType.SAO: "6", OrgType.BANGKOK: "1"}
NAME_PREFIX = {OrgType.PAO: "องค์การบริหารส่วนจังหวัด", OrgType.CITY_MUNICIPALITY: "เทศบาลนคร",
               OrgType.TOWN_MUNICIPALITY: "เทศบาลเมือง",
               OrgType.SUBDISTRICT_MUNICIPALITY: "เทศบาลตำบล", OrgType.SAO: "องค์การบริหารส่วนตำบล"}
# Districts that hold a เทศบาลนคร (a plausible, not an official, list).
CITY_DISTRICTS = ("3001", "5001", "4001", "4101", "9011", "9001", "8001", "8301", "6501", "6001",
                  "3401", "8401", "5201", "5701", "9501", "9201", "1201", "1206", "1101", "7401",
                  "7301", "2007", "2101", "1303", "1401", "6306", "8404", "7001", "2401", "3101")


@dataclass
class PlannedOrg:
    org_type: OrgType
    name_th: str
    name_en: str | None
    province_code: str
    district_code: str
    subdistrict_code: str | None
    dla_code: str = ""


# --- geography -------------------------------------------------------------------------------

def seed_geography() -> dict[str, int]:
    """Insert whatever of geothai's provinces, districts and subdistricts is missing."""
    have = {name: set(db.session.scalars(select(model.code)))
            for name, model in (("province", Province), ("district", District),
                                ("subdistrict", Subdistrict))}
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    rows = {
        Province: [dict(code=p.code, name_th=p.name_th, name_en=p.name_en)
                   for p in provinces if p.code not in have["province"]],
        District: [dict(code=d.code, province_code=d.province_code, name_th=d.name_th,
                        name_en=d.name_en) for d in districts if d.code not in have["district"]],
        Subdistrict: [dict(code=s.code, district_code=s.district_code,
                           province_code=s.province_code, name_th=s.name_th, name_en=s.name_en,
                           postal_code=s.postal_codes[0] if s.postal_codes else None)
                      for s in subdistricts if s.code not in have["subdistrict"]],
    }
    for model, batch in rows.items():
        _bulk_insert(model, batch)
    db.session.commit()
    return {model.__tablename__: len(batch) for model, batch in rows.items()}


def _bulk_insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if chunk:
            db.session.execute(insert(model), chunk)


# --- organizations ---------------------------------------------------------------------------

def _geo():
    provinces = {p.code: p for p in geothai.provinces()}
    districts = {d.code: d for p in provinces for d in geothai.districts(p)}
    subs_by_district = {code: list(geothai.subdistricts(code)) for code in districts}
    return provinces, districts, subs_by_district


def _short_district_name(name: str) -> str:
    return name.removeprefix("เขต")


def plan_province(province_code: str, provinces, districts, subs_by_district) -> list[PlannedOrg]:
    """A realistic LAO set for one province: one อบจ., a เทศบาลเมือง in the capital district,
    a เทศบาลตำบล at each other district seat, and an อบต. for every other subdistrict."""
    province = provinces[province_code]
    plan = []
    capital = min(c for c in districts if districts[c].province_code == province_code)
    capital_subs = subs_by_district[capital]
    plan.append(PlannedOrg(OrgType.PAO, f"องค์การบริหารส่วนจังหวัด{province.name_th}",
                           f"{province.name_en} Provincial Administrative Organization",
                           province_code, capital, capital_subs[0].code))
    for code in sorted(c for c in districts if districts[c].province_code == province_code):
        subs = subs_by_district[code]
        seat, rest = subs[0], subs[1:]
        if code == capital:
            plan.append(PlannedOrg(OrgType.TOWN_MUNICIPALITY, f"เทศบาลเมือง{province.name_th}",
                                   f"{province.name_en} Town Municipality",
                                   province_code, code, seat.code))
        else:
            name = _short_district_name(districts[code].name_th)
            plan.append(PlannedOrg(OrgType.SUBDISTRICT_MUNICIPALITY, f"เทศบาลตำบล{name}",
                                   f"{districts[code].name_en} Subdistrict Municipality",
                                   province_code, code, seat.code))
        for sub in rest:
            plan.append(PlannedOrg(OrgType.SAO, f"องค์การบริหารส่วนตำบล{sub.name_th}",
                                   f"{sub.name_en} Subdistrict Administrative Organization",
                                   province_code, code, sub.code))
    return plan


def plan_national(rng: random.Random, provinces, districts, subs_by_district) -> list[PlannedOrg]:
    """~7,850 LAOs with the real type mix, spread over every province."""
    plan: list[PlannedOrg] = []
    capitals = {}
    for pcode in sorted(provinces):
        capitals[pcode] = min(c for c in districts if districts[c].province_code == pcode)
    plan.append(PlannedOrg(OrgType.BANGKOK, "กรุงเทพมหานคร", "Bangkok Metropolitan Administration",
                           "10", "1001", subs_by_district["1001"][0].code))
    plan.append(PlannedOrg(OrgType.PATTAYA, "เมืองพัทยา", "Pattaya City", "20", "2004",
                           subs_by_district["2004"][0].code))
    for pcode, p in sorted(provinces.items()):
        if pcode == "10":
            continue
        plan.append(PlannedOrg(OrgType.PAO, f"องค์การบริหารส่วนจังหวัด{p.name_th}", None,
                               pcode, capitals[pcode], subs_by_district[capitals[pcode]][0].code))
    used_seats: set[str] = set()
    for code in CITY_DISTRICTS[:NATIONAL_MIX[OrgType.CITY_MUNICIPALITY]]:
        seat = subs_by_district[code][0]
        used_seats.add(seat.code)
        plan.append(PlannedOrg(OrgType.CITY_MUNICIPALITY, f"เทศบาลนคร{seat.name_th}", None,
                               districts[code].province_code, code, seat.code))
    non_bkk = [c for c in sorted(districts) if not c.startswith("10") and c != "2004"]
    town_districts = [capitals[p] for p in sorted(provinces) if p != "10"
                      and subs_by_district[capitals[p]][0].code not in used_seats]
    others = [c for c in non_bkk if c not in town_districts and c not in CITY_DISTRICTS]
    rng.shuffle(others)
    town_districts += others[:NATIONAL_MIX[OrgType.TOWN_MUNICIPALITY] - len(town_districts)]
    for code in town_districts:
        seat = subs_by_district[code][0]
        used_seats.add(seat.code)
        plan.append(PlannedOrg(OrgType.TOWN_MUNICIPALITY, f"เทศบาลเมือง{seat.name_th}", None,
                               districts[code].province_code, code, seat.code))
    subs = [s for c in non_bkk for s in subs_by_district[c] if s.code not in used_seats]
    rng.shuffle(subs)
    n_tt = NATIONAL_MIX[OrgType.SUBDISTRICT_MUNICIPALITY]
    n_sao = NATIONAL_MIX[OrgType.SAO]
    tt, sao = subs[:n_tt], subs[n_tt:]
    # Fewer subdistricts than ทต. + อบต.: some subdistricts hold both, as in real life.
    sao += tt[:max(0, n_sao - len(sao))]
    for kind, group in ((OrgType.SUBDISTRICT_MUNICIPALITY, tt), (OrgType.SAO, sao[:n_sao])):
        for s in group:
            plan.append(PlannedOrg(kind, f"{NAME_PREFIX[kind]}{s.name_th}", None,
                                   s.province_code, s.district_code, s.code))
    return plan


def assign_codes(plan: Iterable[PlannedOrg]) -> list[PlannedOrg]:
    """DLA-style 7-digit codes: type digit + district code + running number."""
    seq: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for org in sorted(plan, key=lambda o: (o.district_code, TYPE_DIGIT[o.org_type],
                                           o.subdistrict_code or "")):
        digit = TYPE_DIGIT[org.org_type]
        seq[(digit, org.district_code)] += 1
        org.dla_code = f"{digit}{org.district_code}{seq[(digit, org.district_code)]:02d}"
        out.append(org)
    return out


def plan_organizations(scale: str, rng: random.Random,
                       extra_provinces: tuple[str, ...] = ()) -> list[PlannedOrg]:
    provinces, districts, subs = _geo()
    if scale == "national":
        return assign_codes(plan_national(rng, provinces, districts, subs))
    plan = plan_province(DEMO_PROVINCE, provinces, districts, subs)
    if scale == "province":
        plan += plan_province(LARGE_PROVINCE, provinces, districts, subs)
    for code in extra_provinces:
        plan += plan_province(code, provinces, districts, subs)
    return assign_codes(plan)


# --- the whole demo --------------------------------------------------------------------------

def seed_demo(*, scale: str, years: int, password: str, seed: int = 2570,
              echo: Callable[[str], None] = print,
              extra_provinces: tuple[str, ...] = ()) -> list[str]:
    """Create organizations, users, fiscal years, submissions and their 8 sections."""
    rng = random.Random(seed)
    seed_geography()
    plan = plan_organizations(scale, rng, extra_provinces)
    existing = set(db.session.scalars(select(Organization.dla_code)))
    _bulk_insert(Organization, [dict(dla_code=o.dla_code, name_th=o.name_th, name_en=o.name_en,
                                     org_type=o.org_type, province_code=o.province_code,
                                     district_code=o.district_code,
                                     subdistrict_code=o.subdistrict_code, active=True)
                                for o in plan if o.dla_code not in existing])
    db.session.commit()
    codes = [o.dla_code for o in plan]
    wanted = set(codes)
    orgs = [o for o in db.session.scalars(select(Organization).order_by(Organization.dla_code))
            if o.dla_code in wanted]
    echo(f"organizations: {len(orgs)} ({len(orgs) - len(existing & set(codes))} new)")

    users = _seed_users(orgs, password)
    db.session.commit()
    echo(f"accounts: {users['new']} new")

    be_years = list(range(OPEN_YEAR - years + 1, OPEN_YEAR + 1))
    _seed_years(be_years)
    made = _seed_submissions(orgs, be_years, rng, users)
    from models.services.records import backfill_websites
    backfill_websites()  # บันทึกเว็บไซต์ อปท. holds what ด้าน 1 names
    db.session.commit()
    echo(f"submissions: {made} new")
    return demo_logins(orgs, password)


def _seed_users(orgs: list[Organization], password: str) -> dict:
    # One argon2id hash for every demo account: they share the password, and hashing
    # 8,000 passwords one by one would take a quarter of an hour.
    shared_hash = _hasher.hash(password)
    have = set(db.session.scalars(select(User.username)))
    rows = []

    def add(username, role, full_name, area=None, **scope):
        # A bulk insert skips the ORM's before_flush hook: the account's province is set here.
        if username not in have:
            have.add(username)
            rows.append(dict(username=username, password_hash=shared_hash, role=role,
                             full_name=full_name, status=AccountStatus.ACTIVE,
                             session_token=secrets.token_urlsafe(32),
                             area_province_code=area, **scope))

    add("admin", Role.DLA_ADMIN, "ผู้ดูแลระบบ INFO กรมส่งเสริมการปกครองท้องถิ่น")
    province_names = dict(db.session.execute(select(Province.code, Province.name_th)).all())
    district_names = dict(db.session.execute(select(District.code, District.name_th)).all())
    for pcode in sorted({o.province_code for o in orgs}):
        add(f"prov-{pcode}", Role.PROVINCE_OFFICER,
            f"เจ้าหน้าที่ สถจ.{province_names[pcode]}", area=pcode, province_code=pcode)
    for dcode in sorted({o.district_code for o in orgs}):
        add(f"dist-{dcode}", Role.DISTRICT_OFFICER,
            f"ท้องถิ่นอำเภอ{district_names[dcode]}", area=dcode[:2], district_code=dcode)
    for org in orgs:
        add(f"lao-{org.dla_code}", Role.LAO_EDITOR, f"เจ้าหน้าที่ {org.name_th}",
            area=org.province_code, organization_id=org.id)
    _bulk_insert(User, rows)
    ids = dict(db.session.execute(select(User.username, User.id)).all())
    return {"new": len(rows), "ids": ids}


def _seed_years(be_years: list[int]) -> None:
    have = set(db.session.scalars(select(FiscalYear.be_year)))
    rows = []
    for be in be_years:
        if be in have:
            continue
        ce_start = be - 544
        rows.append(dict(
            be_year=be,
            status=YearStatus.OPEN if be == OPEN_YEAR else YearStatus.CLOSED,
            opens_on=date(ce_start, 10, 1),
            deadline=open_year_deadline() if be == OPEN_YEAR else date(ce_start, 12, 30),
            opened_at=datetime(ce_start, 10, 1, 1, 0, tzinfo=timezone.utc),
            closed_at=None if be == OPEN_YEAR else datetime(ce_start + 1, 9, 30, 10, 0,
                                                            tzinfo=timezone.utc)))
    _bulk_insert(FiscalYear, rows)


# The open year's mix: every state, with drafts that are incomplete, complete, returned.
OPEN_YEAR_STATES = (("draft_incomplete", 0.25), ("draft_complete", 0.15), ("returned", 0.05),
                    ("lao_certified", 0.30), ("province_certified", 0.25))


def _plan_state(be: int, index: int, rng: random.Random) -> str:
    if be == OPEN_YEAR:
        if index < len(OPEN_YEAR_STATES):   # the first LAOs show every state, for the demo
            return OPEN_YEAR_STATES[index][0]
        return rng.choices([s for s, _ in OPEN_YEAR_STATES],
                           [w for _, w in OPEN_YEAR_STATES])[0]
    if be == OPEN_YEAR - 1:
        return rng.choices(["province_certified", "lao_certified", "draft_complete"],
                           [0.8, 0.12, 0.08])[0]
    return "province_certified"


def _seed_submissions(orgs: list[Organization], be_years: list[int], rng: random.Random,
                      users: dict) -> int:
    have = set(db.session.execute(select(Submission.organization_id, Submission.fiscal_year)).all())
    ids = users["ids"]
    made = 0
    pending: list[tuple] = []
    for index, org in enumerate(orgs):
        previous = None
        sub_geo = db.session.get(Subdistrict, org.subdistrict_code) if len(orgs) < 500 else None
        for be in be_years:
            state = _plan_state(be, index, rng)
            rows = section_rows(rng, org.org_type, be, complete=(state != "draft_incomplete"),
                                subdistrict_code=org.subdistrict_code,
                                postal_code=sub_geo.postal_code if sub_geo else None,
                                base=previous)
            previous = rows
            if (org.id, be) in have:
                continue
            status, events = _history(state, org, be, rng, ids)
            pending.append((rows, status, events, state, org, be))
            if len(pending) >= BATCH // 4:
                made += _flush_submissions(pending, rng)
                pending = []
    made += _flush_submissions(pending, rng)
    return made


def _flush_submissions(pending, rng: random.Random) -> int:
    if not pending:
        return 0
    sub_rows = []
    extension = returned_extension()
    for rows, status, events, state, org, be in pending:
        children = {cls: {name: rows.get(child, []) for name, child in CHILDREN.get(cls, ())}
                    for cls in SECTIONS}
        complete = sections_complete({cls: rows[cls][0] for cls in SECTIONS}, children)
        lao_event = next((e for e in reversed(events) if e["action"] is Action.CERTIFY_LAO), None)
        prov_event = next((e for e in reversed(events)
                           if e["action"] is Action.CERTIFY_PROVINCE), None)
        sub_rows.append(dict(
            organization_id=org.id, fiscal_year=be, province_code=org.province_code,
            district_code=org.district_code, org_type=org.org_type, status=status,
            sections_complete=complete,
            received_at=lao_event["created_at"] if lao_event and status is not Status.DRAFT else None,
            lao_certified_at=lao_event["created_at"] if lao_event and status is not Status.DRAFT else None,
            lao_certified_by_id=lao_event["actor_id"] if lao_event and status is not Status.DRAFT else None,
            province_certified_at=prov_event["created_at"] if prov_event and status is Status.PROVINCE_CERTIFIED else None,
            province_certified_by_id=prov_event["actor_id"] if prov_event and status is Status.PROVINCE_CERTIFIED else None,
            return_reason=next((e["reason"] for e in events if e["action"] is Action.RETURN_TO_LAO), None),
            extension_until=extension if state == "returned" else None,
            version=1 + len(events)))
    new_ids = db.session.scalars(
        insert(Submission).returning(Submission.id, sort_by_parameter_order=True), sub_rows).all()
    section_batches: dict[type, list[dict]] = defaultdict(list)
    event_rows = []
    for sub_id, (rows, _status, events, state, _org, be) in zip(new_ids, pending, strict=True):
        # Drafts of the open year were pre-filled from last year; the clerk has confirmed
        # (saved) some sections, the rest still carry last year's values.
        carried = set()
        if be == OPEN_YEAR and state.startswith("draft"):
            carried = set(rng.sample(SECTIONS, rng.randint(0, 5)))
        for cls, values in rows.items():
            for value in values:
                row = {**value, "submission_id": sub_id}
                if cls in SECTIONS:
                    row["carried_forward"] = cls in carried
                section_batches[cls].append(row)
        event_rows += [{**e, "submission_id": sub_id} for e in events]
    for cls in SECTIONS:  # parents before children (foreign keys)
        _bulk_insert(cls, section_batches.pop(cls, []))
    for cls, batch in section_batches.items():
        _bulk_insert(cls, batch)
    _bulk_insert(CertificationEvent, event_rows)
    return len(new_ids)


def _history(state: str, org, be: int, rng: random.Random, ids: dict):
    """The final status and the certification events that lead to it."""
    start = datetime.combine(date(be - 544, 10, 1), time(9, 0), tzinfo=timezone.utc)
    lao_user = ids.get(f"lao-{org.dla_code}")
    prov_user = ids.get(f"prov-{org.province_code}")
    # The open year's history must lie in the past: squeeze it between opening day and now.
    span = max(2, min(80, (datetime.now(timezone.utc) - start).days - 1))
    # One draw per day count whatever the span: randint consumes a number of random bits that
    # depends on its range, so a span that grows with today's date would change every value
    # drawn after it (the demo, and the tests' fixtures, would differ from one day to the next).
    when = start + timedelta(days=1 + int(rng.random() * max(1, span // 2)),
                             minutes=rng.randint(0, 600))

    def event(action, src, dst, actor, role, reason=None):
        nonlocal when
        row = dict(action=action, from_status=src, to_status=dst, actor_id=actor,
                   actor_role=role, reason=reason, created_at=when)
        when = when + timedelta(days=int(rng.random() * (span // 4 + 1)),
                                minutes=rng.randint(1, 300))
        return row

    D, L, P = Status.DRAFT, Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED
    if state in ("draft_incomplete", "draft_complete"):
        return D, []
    events = [event(Action.CERTIFY_LAO, D, L, lao_user, Role.LAO_EDITOR)]
    if state == "returned":
        events.append(event(Action.RETURN_TO_LAO, L, D, prov_user, Role.PROVINCE_OFFICER,
                            "จำนวนประชากรรวมไม่ตรงกับข้อมูลทะเบียนราษฎร กรุณาตรวจสอบ"))
        return D, events
    if state == "lao_certified":
        return L, events
    events.append(event(Action.CERTIFY_PROVINCE, L, P, prov_user, Role.PROVINCE_OFFICER))
    return P, events


def demo_logins(orgs: list[Organization], password: str = "") -> list[str]:
    """The accounts to try: one per role, and one LAO per state of the open year."""
    lines = ["Demo logins (sign in at /login):",
             f"  {'admin':<14} dla_admin — ผู้ดูแลระบบ INFO ทั้งประเทศ"]
    if not orgs:
        return lines
    pcode = DEMO_PROVINCE if any(o.province_code == DEMO_PROVINCE for o in orgs) \
        else orgs[0].province_code
    province = db.session.get(Province, pcode)
    lines.append(f"  {'prov-' + pcode:<14} province_officer — สถจ.{province.name_th}")
    dcode = min(o.district_code for o in orgs if o.province_code == pcode)
    district = db.session.get(District, dcode)
    lines.append(f"  {'dist-' + dcode:<14} district_officer — ท้องถิ่นอำเภอ{district.name_th}")
    subs = dict(db.session.execute(
        select(Submission.organization_id, Submission.status)
        .where(Submission.fiscal_year == OPEN_YEAR)).all())
    shown = set()
    for org in orgs:
        status = subs.get(org.id)
        if org.province_code == pcode and status is not None and status not in shown:
            shown.add(status)
            lines.append(f"  {'lao-' + org.dla_code:<14} lao_editor — {org.name_th} "
                         f"(ปี {OPEN_YEAR}: {status.label_th})")
    if password:
        lines.append(f"  password for every demo account: {password}")
    return lines
