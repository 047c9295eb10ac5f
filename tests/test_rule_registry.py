"""Every rule of the registry (models/catalogue/rule_kinds.py, declared in models/tables/sections.py) is enforced on
every path: `check_section`, the section edit form, the database CHECK (where it has one) and
the demo generator.  The tests iterate the registry, so a new rule is covered by adding it.
"""

from __future__ import annotations

import html
import random
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint, select, update
from sqlalchemy.exc import IntegrityError

from demo.values import section_rows
from models import Submission, db
from models.tables.organizations import OrgType
from models.catalogue.rule_kinds import Range, registry, rules_of
from models.rules.values import RuleContext, check_section
from models.tables.sections import CHILDREN, SECTIONS, Section1General

from .formdata import form_fields

CHILD_OF = {child: (section, name) for section, pairs in CHILDREN.items()
            for name, child in pairs}
MODELS = (*SECTIONS, *CHILD_OF)
RULES = registry(MODELS)
RULE_IDS = [f"{model.__name__}.{rule.name}" for model, rule in RULES]
MIGRATIONS = Path(__file__).parent.parent / "migrations" / "versions"


def _pattern(template: str) -> re.Pattern[str]:
    """A rule's message template as a regex: its words exactly, any value in a placeholder."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".+?".join(re.escape(p) for p in parts))


def _valid(seed: int = 3, org_type: OrgType = OrgType.TOWN_MUNICIPALITY, year: int = 2568):
    rows = section_rows(random.Random(seed), org_type, year)
    context = RuleContext(fiscal_year=year,
                          households_section1=rows[Section1General][0]["households"])
    return rows, context


def _violated(model, rule, rows, context):
    """(section, values, children, the new finding's field, its message pattern)."""
    section, name = CHILD_OF.get(model, (model, None))
    values = dict(rows[section][0])
    children = {n: [dict(r) for r in rows[c]] for n, c in CHILDREN.get(section, ())}
    pattern = _pattern(rule.message)
    if name is None:
        rule.violate(values, children, context)
        return section, values, children, rule.field, pattern
    row: dict = {}
    rule.violate(row, {}, context)
    children[name].append(row)
    prefix = f"{model.TITLE_TH} รายการที่ {len(children[name])}: "
    return section, values, children, name, re.compile(re.escape(prefix) + pattern.pattern)


def test_the_registry_covers_every_section_and_kind():
    kinds = {type(rule).__name__ for _m, rule in RULES}
    assert kinds == {"Range", "Pattern", "AtMost", "SumOf", "SumAtMost", "Custom"}
    assert {m for m, rule in RULES if not isinstance(rule, Range)} >= {
        s for s in SECTIONS if s.RULES}
    assert len(RULE_IDS) == len(set(RULE_IDS))


# --- (a) check_section ----------------------------------------------------------------------

@pytest.mark.parametrize("model, rule", RULES, ids=RULE_IDS)
def test_check_section_refuses_or_warns_with_the_rules_message(model, rule):
    rows, context = _valid()
    section, values, children, field, pattern = _violated(model, rule, rows, context)
    clean = {n: rows[c] for n, c in CHILDREN.get(section, ())}
    assert check_section(section, rows[section][0], children=clean, context=context) == []
    findings = check_section(section, values, children=children, context=context)
    assert len(findings) == 1, findings
    (finding,) = findings
    assert finding.field == field and finding.blocking is rule.blocking
    assert pattern.fullmatch(finding.message), (finding.message, rule.message)


# --- (b) the section edit form --------------------------------------------------------------

_ERRORS = re.compile(r'<ul class="form-text (?:text-danger[^"]*|input-errors)">(.*?)</ul>', re.S)
_SUMMARY = re.compile(r"กรุณาแก้ไข (\d+) รายการ")


def field_messages(body: str) -> list[str]:
    """The error messages shown next to the fields of a rendered form."""
    return [html.unescape(m).strip() for block in _ERRORS.findall(body)
            for m in re.findall(r"<li>(.*?)</li>", block, re.S)]


def summary_count(body: str) -> int | None:
    match = _SUMMARY.search(body)
    return int(match.group(1)) if match else None


def _form_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(getattr(value, "value", value))


def _stored(section, sub_id):
    """The section row of `sub_id` as rows[model] lists, its version and child counts."""
    row = db.session.get(section, sub_id)
    rows = {section: [{c.key: getattr(row, c.key) for c in section.__table__.columns}]}
    counts = {}
    for name, child in CHILDREN.get(section, ()):
        rows[child] = [{c.key: getattr(r, c.key) for c in child.__table__.columns}
                       for r in getattr(row, name)]
        counts[name] = len(rows[child])
    return rows, row.version, counts


def _post_data(base: dict, section, rule, rows, values, children) -> dict | None:
    """The form post that carries the violated values, or None when the form cannot."""
    data = dict(base)
    if rule in section.RULES and not set(rule.columns) <= set(data):
        return None  # it reads a derived or read-only column: the form does not post it
    for key, value in values.items():
        if value != rows[section][0].get(key):
            if key not in data:
                return None  # a derived or read-only column: the form does not post it
            data[key] = _form_value(value)
    for name, child in CHILDREN.get(section, ()):
        for i, row in enumerate(children[name][len(rows[child]):]):
            data.update({f"{name}-{99 + i}-{k}": _form_value(v) for k, v in row.items()})
    return data


def test_the_form_refuses_each_blocking_rule_with_its_one_message(app, client, clerk):
    skipped, checked = [], 0
    pages: dict[type, dict] = {}
    for model, rule in RULES:
        if not rule.blocking:
            continue
        section = CHILD_OF.get(model, (model,))[0]
        with app.app_context():
            rows, version, counts = _stored(section, clerk)
            sub = db.session.get(Submission, clerk)
            s1 = db.session.get(Section1General, clerk)
            context = RuleContext(fiscal_year=sub.fiscal_year, households_section1=s1.households)
        if section not in pages:
            pages[section] = form_fields(client.get(
                f"/admin/edit_s{section.SECTION_NO}/edit/?id={clerk}").get_data(as_text=True))
        section, values, children, _field, pattern = _violated(model, rule, rows, context)
        data = _post_data(pages[section], section, rule, rows, values, children)
        if data is None:
            skipped.append(f"{model.__name__}.{rule.name}")
            continue
        response = client.post(f"/admin/edit_s{section.SECTION_NO}/edit/?id={clerk}", data=data)
        body = response.get_data(as_text=True)
        where = f"{model.__name__}.{rule.name}"
        assert response.status_code == 200, where
        messages = field_messages(body)
        assert len(messages) == 1 and pattern.fullmatch(messages[0]), (where, messages)
        assert summary_count(body) == 1, where
        with app.app_context():
            _rows, after, after_counts = _stored(section, clerk)
            assert (after, after_counts) == (version, counts), where
        checked += 1
    # Only what the form never posts: the derived finance totals, and ด้าน 1's copy of the
    # website (kept in บันทึกเว็บไซต์ อปท., which checks it with the same rule).
    assert sorted(skipped) == ["Section1General.custom_website_url",
                               "Section8Finance.expenditure_total_range",
                               "Section8Finance.revenue_total_range",
                               "Section8Finance.sumof_expenditure_total",
                               "Section8Finance.sumof_revenue_total"]
    assert checked == sum(rule.blocking for _m, rule in RULES) - len(skipped)


@pytest.mark.parametrize("field, typed, message", [
    ("population_male", "-5", "ประชากรชาย ต้องไม่ติดลบ (กรอกไว้ -5)"),
    ("population_male", "abc", "พิมพ์ “abc” — ใช้จุดเป็นทศนิยมและจุลภาคคั่นหลักพัน เช่น 1,250"),
    ("population_male", "1e309",
     "พิมพ์ “1e309” — ใช้จุดเป็นทศนิยมและจุลภาคคั่นหลักพัน เช่น 1,250"),
    ("latitude", "abc", "พิมพ์ “abc” — ใช้จุดเป็นทศนิยมและจุลภาคคั่นหลักพัน เช่น 1,234.50"),
    ("latitude", "1e309", "พิมพ์ “1e309” — ใช้จุดเป็นทศนิยมและจุลภาคคั่นหลักพัน เช่น 1,234.50"),
    ("latitude", "15.1234567", "ทศนิยมได้ไม่เกิน 6 ตำแหน่ง (พิมพ์ “15.1234567”)"),
    ("latitude", "-5", "พิกัดต้องอยู่ในประเทศไทย: ละติจูดต้องอยู่ระหว่าง 5.6–20.5 องศาเหนือ"
                       " (กรอกไว้ -5)"),
], ids=["count-negative", "count-text", "count-overflow", "decimal-text", "decimal-overflow",
        "decimal-places", "decimal-out-of-range"])
def test_a_mistyped_number_gets_exactly_one_message(app, client, clerk, field, typed, message):
    data = form_fields(client.get(f"/admin/edit_s1/edit/?id={clerk}").get_data(as_text=True))
    with app.app_context():
        before = db.session.get(Section1General, clerk).version
    data[field] = typed
    body = client.post(f"/admin/edit_s1/edit/?id={clerk}", data=data).get_data(as_text=True)
    assert field_messages(body) == [message]
    assert summary_count(body) == 1
    with app.app_context():
        assert db.session.get(Section1General, clerk).version == before


# --- (c) the database CHECK -----------------------------------------------------------------

def _migrated_checks() -> dict[str, str]:
    """name -> SQL of every CHECK constraint the migrations create."""
    found = {}
    for path in MIGRATIONS.glob("*.py"):
        text = path.read_text()
        found.update({name: sql for _q, sql, name in re.findall(
            r"sa\.CheckConstraint\((['\"])(.*?)\1, name=op\.f\('([^']+)'\)\)", text)})
        found.update({name: sql for name, _q, sql in re.findall(
            r"create_check_constraint\(\s*(?:op\.f\()?'([^']+)'\)?,\s*(?:'[a-z0-9_]+',\s*)?"
            r"(['\"])(.*?)\2", text)})
    # The text-length migration makes its CHECKs from a table of (table, column, length).
    from .test_text_lengths import migration_lengths
    found.update({f"ck_{table}_{column}_max_length": f"length({column}) <= {length}"
                  for table, column, length in migration_lengths()})
    return found


def test_the_checks_are_those_of_the_migrations():
    """Generated from the registry, with the names and SQL the migrations created (Alembic does
    not compare CHECKs: a rule with a new CHECK needs a migration, and this test says so)."""
    migrated = _migrated_checks()
    tables = {m.__table__.name for m in MODELS}
    modelled = {c.name: str(c.sqltext) for m in MODELS for c in m.__table__.constraints
                if isinstance(c, CheckConstraint)}
    assert modelled == {n: s for n, s in migrated.items()
                        if any(n.startswith(f"ck_{t}_") for t in tables)}
    for model, rule in RULES:
        if rule.check_sql():
            assert modelled[f"ck_{model.__table__.name}_{rule.check}"] == rule.check_sql()


def test_the_database_refuses_a_row_that_breaks_a_checked_rule(app, demo):
    """A Core UPDATE (no form, no ORM) of a demo row that breaks the rule: IntegrityError."""
    checked = [(m, r) for m, r in RULES if r.check_sql()]
    assert len(checked) > 150  # every min/max and 8 declared rules
    with app.app_context():
        for model, rule in checked:
            table = model.__table__
            key = table.c.id if model in CHILD_OF else table.c.submission_id
            with db.engine.connect() as conn:
                row = conn.execute(select(table).order_by(key).limit(1)).mappings().one()
                values = dict(row)
                rule.violate(values, {}, RuleContext())
                changed = {k: v for k, v in values.items() if v != row[k]}
                with pytest.raises(IntegrityError):
                    conn.execute(update(table).where(key == row[key.key]).values(changed))
                    pytest.fail(f"{model.__name__}.{rule.name}: stored {changed}")
                conn.rollback()


# --- (d) the demo generator -----------------------------------------------------------------

def test_the_demo_generator_never_breaks_a_registered_rule():
    checked = 0
    for seed in range(12):
        for org_type in OrgType:
            rng, base = random.Random(seed), None
            for year in (2567, 2568, 2569):
                rows = section_rows(rng, org_type, year, complete=True, base=base)
                households = rows[Section1General][0]["households"]
                for section in SECTIONS:
                    kids = {n: rows[c] for n, c in CHILDREN.get(section, ())}
                    ctx = RuleContext(fiscal_year=year, households_section1=households)
                    findings = check_section(section, rows[section][0], children=kids,
                                             context=ctx)
                    assert findings == [], (seed, org_type, year, section.__name__)
                    checked += 1
                base = rows
    assert checked == 12 * len(OrgType) * 3 * len(SECTIONS)


def test_rules_of_lists_ranges_from_the_metadata_then_the_declared_rules():
    rules = rules_of(Section1General)
    assert rules[-len(Section1General.RULES):] == Section1General.RULES
    moo = next(r for r in rules if isinstance(r, Range) and r.field == "office_moo")
    assert moo.check_sql() == "office_moo >= 1 AND office_moo <= 99"
    assert moo.refuses(Decimal(0)) and not moo.refuses(Decimal(99))
