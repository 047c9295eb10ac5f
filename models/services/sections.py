"""The one write path of LAO data (issue 22): a section's values — typed into the clerk's form or
read from an imported file — are checked and written here, and nowhere else.

    stored = load(Section7Environment, where, user)          # set-based, in the user's scope
    checked = check(Section7Environment, [(stored, SectionEdit(...)), ...])
    write(Section7Environment, [c for c in checked if not c.refused], user)

`check` builds the rules' context once per edit (the fiscal year, ด้าน 1's households, last
year's values), runs the rule registry (models/rules/values.py), applies what a section
declares beyond its rules (derived totals, a flag another system sets, a subdistrict that must
lie in the LAO's district), keeps another system's values as they are, and says per edit what
would change and what is refused and why — the edit rule (workflow.edit_refusal: never a
certified, closed or past-deadline year), a stale form, a blocking rule.  `write` sets the
changed values and the stamps through the ORM (so the lock guard, optimistic locking and the
audit log see every field), replaces the child rows it was given, and refreshes the stored ⚠
findings and the submission's counters in a fixed number of statements per call.

The form (views/sections.py) checks one edit with what its page already read
(`Stored.from_overview`); the importer (models/exchange/imports.py) checks its plan and its
commit in chunks.  Neither reads, checks, stamps or counts a value any other way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import aliased, selectinload

from workflow import Context, _, edit_refusal

from ..base import db, utcnow
from ..catalogue import columns as meta
from ..catalogue.columns import catalogue_columns
from ..catalogue.reading import parse_int_id
from ..catalogue.rule_kinds import Finding, RuleContext
from ..rules import peers
from ..rules.completeness import missing_fields
from ..rules.locks import edit_context
from ..rules.scoping import scoped
from ..rules.values import blocking, check_section, warnings
from ..tables.batches import source_label
from ..tables.geography import Subdistrict
from ..tables.organizations import Organization
from ..tables.sections import CHILDREN, Section1General
from ..tables.submissions import FiscalYear, SectionWarning, Submission

CHUNK = 500          # submissions read and written per round trip


@dataclass
class SectionEdit:
    """What one edit gives for one submission's section."""

    submission_id: int
    values: dict[str, Any]                       # column key → value (None clears it)
    # Child table (relationship name) → its rows as dicts, replacing the stored rows as a whole:
    # matched by `id` where the rows carry one (the form), else by position (an import).
    children: dict[str, list[dict[str, Any]]] | None = None
    loaded_version: int | None = None            # the version the form was shown (stale check)
    confirm: bool = False                        # saving confirms carried values (the form)


@dataclass
class Stored:
    """What the path reads per submission before an edit: the row and the rules' facts."""

    submission: Any
    row: Any
    context: Context                             # the edit rule's facts (workflow)
    dla_code: str = ""
    name: str = ""
    district_code: str = ""
    households: int | None = None                # ด้าน 1's, for the other sections' rules
    previous: dict[str, Any] | None = None       # this section's values of the year before
    history: list[dict[str, Any]] = field(default_factory=list)   # every earlier year's

    @classmethod
    def from_overview(cls, section_cls: type, overview: Any) -> Stored:
        """From a page's SubmissionOverview (everything but last year's values is read)."""
        sub = overview.submission
        general = overview.rows.get(Section1General.SECTION_NO)
        years = earlier_values(section_cls, [sub.id]).get(sub.id, [])
        return cls(submission=sub, row=overview.rows[section_cls.SECTION_NO],
                   context=overview.context(live=False), dla_code=sub.organization.dla_code,
                   name=sub.organization.name_th, district_code=sub.district_code,
                   households=general.households if general is not None else None,
                   previous=years[0] if years else None, history=years)


@dataclass(frozen=True)
class Change:
    key: str
    old: Any
    new: Any


@dataclass
class Checked:
    """One edit read against what is stored: what would change, what is found, what refuses."""

    stored: Stored
    edit: SectionEdit
    merged: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    child_changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)       # in the current language
    kept_findings: list[Finding] = field(default_factory=list)  # in Thai: what is stored
    refusals: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)   # refusals for another system's fields
    conflict: bool = False                            # the form was shown an older version
    editable: bool = True                             # the edit rule allows writing the year

    @property
    def refused(self) -> bool:
        return bool(self.refusals or self.locked or self.conflict)

    @property
    def writes(self) -> bool:
        return bool(self.changes or self.child_changes or self.edit.confirm)

    @property
    def warnings(self) -> list[Finding]:
        return warnings(self.findings)


# --- reading what is stored ----------------------------------------------------------------

def load(section_cls: type, where: Any, user: Any, *, lock: bool = False) -> list[Stored]:
    """The submissions matching `where` in `user`'s scope (the one scope rule), each with its
    section row and child rows, ด้าน 1's households and last year's values: a fixed number of
    statements whatever the number of rows (call per chunk of CHUNK).  `lock` takes the
    submissions' row locks first (PostgreSQL's FOR UPDATE), as a certification does."""
    query = (select(Submission, Organization.dla_code, Organization.name_th,
                    FiscalYear.status, FiscalYear.deadline)
             .join(Organization, Submission.organization_id == Organization.id)
             .join(FiscalYear, Submission.fiscal_year == FiscalYear.be_year)
             .where(where))
    query = scoped(query, Submission, user).order_by(Submission.id)
    if lock:
        query = query.with_for_update(of=Submission)
    found = db.session.execute(query).all()
    if not found:
        return []
    ids = [sub.id for sub, *_rest in found]
    options = [selectinload(getattr(section_cls, name)) for name, _c in CHILDREN.get(section_cls, ())]
    rows = {r.submission_id: r for r in db.session.scalars(
        select(section_cls).where(section_cls.submission_id.in_(ids)).options(*options))}
    households = {}
    if section_cls is not Section1General:
        households = dict(db.session.execute(
            select(Section1General.submission_id, Section1General.households)
            .where(Section1General.submission_id.in_(ids))).all())
    earlier = earlier_values(section_cls, ids)
    out = []
    for sub, code, name, year_status, deadline in found:
        if sub.id not in rows:
            continue
        out.append(Stored(submission=sub, row=rows[sub.id], dla_code=code, name=name,
                          district_code=sub.district_code,
                          context=edit_context(sub.status, year_status, deadline,
                                               sub.extension_until),
                          households=households.get(sub.id),
                          previous=(earlier.get(sub.id) or [None])[0],
                          history=earlier.get(sub.id, [])))
    return out


def previous_values(section_cls: type, submission_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Submission id → this section's values of the LAO's latest earlier year (the rules'
    year-over-year ⚠)."""
    return {sub_id: years[0] for sub_id, years in earlier_values(section_cls,
                                                                 submission_ids).items()}


def earlier_values(section_cls: type, submission_ids: Sequence[int]
                   ) -> dict[int, list[dict[str, Any]]]:
    """Submission id → this section's values of every earlier year of the LAO, newest first
    (the year-over-year ⚠ reads the first, the history ⚠ all of them), in one statement: the
    one previous-years lookup of every path."""
    if not submission_ids:
        return {}
    columns, statement = _earlier_statement(section_cls)
    found: dict[int, list[dict[str, Any]]] = {}
    for sub_id, *values in db.session.execute(statement, {"ids": list(submission_ids)}):
        found.setdefault(sub_id, []).append({c.key: v for c, v in zip(columns, values)})
    return found


@cache
def _earlier_statement(section_cls: type) -> tuple[list[Any], Any]:
    """earlier_values' statement, built once per section (every save runs it: building it
    costs more CPU than running it, issue 13)."""
    table = section_cls.__table__
    columns = list(table.columns)
    earlier = aliased(Submission, name="earlier_submission")
    return columns, (select(Submission.id, *columns)
                     .join(earlier, and_(earlier.organization_id == Submission.organization_id,
                                         earlier.fiscal_year < Submission.fiscal_year))
                     .join(table, table.c.submission_id == earlier.id)
                     .where(Submission.id.in_(bindparam("ids", expanding=True)))
                     .order_by(Submission.id, earlier.fiscal_year.desc()))


# --- checking ------------------------------------------------------------------------------

def check(section_cls: type, edits: Iterable[tuple[Stored, SectionEdit]], *,
          source: Any = None,
          thai: Callable[[], AbstractContextManager] | None = None) -> list[Checked]:
    """Each edit read against its stored row: the merged values, the changes, the rules'
    findings and every reason it may not be written.  Writes nothing.

    `source`: the other system an import comes from (models/tables/batches.ImportSource), or
    None.  `thai`: a context in which messages are Thai (the stored ⚠ findings are read by the
    province in either language), when the current language is not."""
    pairs = list(edits)
    columns = catalogue_columns(section_cls)
    places = _districts_of(section_cls, pairs)
    out = []
    for stored, edit in pairs:
        row = stored.row
        old = {c.key: getattr(row, c.key) for c in columns}
        values = dict(edit.values)
        locked = []
        stamps = row.imported or {}
        for key in list(values):
            stamp = stamps.get(key)
            if stamp and stamp.get("source") != getattr(source, "value", source):
                # Another system's value: kept as stored.  A file that would change it is
                # refused for it; the form shows it read-only and ignores a crafted post.
                if not _same(values[key], old.get(key)):
                    locked.append(_("%(label)s นำเข้าจาก %(source)s "
                                    "แก้ไขได้โดยการนำเข้าจากระบบนั้นเท่านั้น",
                                    label=meta.label(_column(section_cls, key).info),
                                    source=source_label(stamp.get("source"))))
                del values[key]
        merged = {**old, **values}
        _derive(section_cls, merged, source=source, given=values)
        changes = [Change(c.key, old[c.key], merged[c.key]) for c in columns
                   if not _same(merged[c.key], old[c.key])]
        children = edit.children
        child_changes = _child_changes(section_cls, row, children) if children is not None else []
        checked = Checked(stored=stored, edit=edit, merged=merged, changes=changes,
                          child_changes=child_changes, locked=locked,
                          conflict=edit.loaded_version is not None
                          and edit.loaded_version != row.version)
        refusal = edit_refusal(stored.context)
        checked.editable = refusal is None
        if not checked.writes and not locked:
            out.append(checked)     # nothing to write: a certified year re-imported as it is
            continue
        if refusal:
            checked.refusals.append(refusal)
        for key, district in places.items():
            if key in values and values[key] is not None and not _same(values[key], old[key]) \
                    and district.get(str(values[key])) != stored.district_code:
                checked.refusals.append(_("ตำบลรหัส %(code)s ไม่อยู่ในอำเภอของ อปท. นี้",
                                          code=str(values[key])[:10]))
        context = RuleContext(fiscal_year=stored.submission.fiscal_year,
                              households_section1=stored.households, previous=stored.previous,
                              history=stored.history)
        checked.findings = check_section(section_cls, merged, children=children, context=context)
        checked.kept_findings = checked.findings
        if thai is not None:
            with thai():
                checked.kept_findings = check_section(section_cls, merged, children=children,
                                                      context=context)
        checked.refusals += [f.message for f in blocking(checked.findings)]
        out.append(checked)
    return out


def _column(section_cls: type, key: str) -> Any:
    return section_cls.__table__.c[key]


def _same(a: Any, b: Any) -> bool:
    return a == b or (a is None and b is None)


def _derive(section_cls: type, merged: dict[str, Any], *, source: Any, given: dict) -> None:
    """What a section declares beyond its rules: derived totals (ด้าน 8's revenue and
    expenditure), and a flag a source system sets (e-LAAS: "imported from the accounting
    system")."""
    totals = getattr(section_cls, "totals_of", None)
    if totals is not None:
        merged.update(totals(merged))
    flag = getattr(section_cls, "SOURCE_FLAGS", {}).get(getattr(source, "value", source))
    if flag and given:
        merged[flag] = True


def _districts_of(section_cls: type, pairs: list[tuple[Stored, SectionEdit]]
                  ) -> dict[str, dict[str, str]]:
    """Column key → {subdistrict code → its district} for the columns a section declares must
    name a subdistrict of the LAO's own district, for the codes these edits give (one
    statement, only when a code changes)."""
    out = {}
    for key in getattr(section_cls, "IN_LAO_DISTRICT", ()):
        codes = {str(edit.values[key]) for stored, edit in pairs
                 if edit.values.get(key) is not None
                 and not _same(edit.values[key], getattr(stored.row, key))}
        out[key] = dict(db.session.execute(
            select(Subdistrict.code, Subdistrict.district_code)
            .where(Subdistrict.code.in_(sorted(codes)))).all()) if codes else {}
    return out


def _child_columns(child_cls: type) -> list[Any]:
    return [c for c in catalogue_columns(child_cls)
            if not c.info.get("derived") and not c.info.get("readonly")]


def _pairs(section_cls: type, row: Any, name: str, rows: list[dict[str, Any]]
           ) -> tuple[list[tuple[Any, dict[str, Any]]], list[Any]]:
    """(stored child or None, given row) for each given row, and the stored rows left over."""
    existing = sorted(getattr(row, name), key=lambda c: (c.position or 0, c.id or 0))
    by_id = {c.id: c for c in existing}
    ids = [parse_int_id(r.get("id")) for r in rows]
    if any(i is not None for i in ids):             # the form: by the child's own id
        matched = [(by_id.get(i) if i is not None else None, r) for i, r in zip(ids, rows)]
    else:                                           # a file: by position
        matched = [(existing[n] if n < len(existing) else None, r)
                   for n, r in enumerate(rows)]
    used = {id(c) for c, _r in matched if c is not None}
    return matched, [c for c in existing if id(c) not in used]


def _child_changes(section_cls: type, row: Any, children: dict[str, list[dict]]
                   ) -> list[Change]:
    """What replacing the child rows given would change, one Change per field of a row
    ("vehicles.2.capacity": the second row's capacity), rows added and removed included."""
    out = []
    for name, child_cls in CHILDREN.get(section_cls, ()):
        if name not in children:
            continue
        matched, surplus = _pairs(section_cls, row, name, children[name])
        columns = _child_columns(child_cls)
        for n, (child, given) in enumerate(matched, start=1):
            for c in columns:
                if c.key in given or child is None:
                    old = getattr(child, c.key) if child is not None else None
                    if not _same(given.get(c.key), old):
                        out.append(Change(f"{name}.{n}.{c.key}", old, given.get(c.key)))
            if child is None and not any(given.get(c.key) is not None for c in columns):
                out.append(Change(f"{name}.{n}", None, None))     # an empty row added
        for n, child in enumerate(surplus, start=len(matched) + 1):
            removed = [Change(f"{name}.{n}.{c.key}", getattr(child, c.key), None)
                       for c in columns if getattr(child, c.key) is not None]
            out += removed or [Change(f"{name}.{n}", None, None)]
    return out


# --- writing -------------------------------------------------------------------------------

def write(section_cls: type, checked: Sequence[Checked], actor: Any, *, source: Any = None,
          batch_id: int | None = None, now: datetime | None = None) -> None:
    """Write every edit of `checked` (the caller leaves out the refused ones) in the caller's
    transaction: the changed values, the child rows given, the stamps (who, when, no longer
    carried from last year; another system's name on the fields it gave), then the ⚠ findings
    and the submission's counters — set-based, a fixed number of statements per call."""
    now = now or utcnow()
    actor_id = getattr(actor, "id", None)
    moved: list[tuple[int, list[Finding], int]] = []
    for item in checked:
        row = item.stored.row
        if source is not None and item.edit.values:
            stamp = {"source": getattr(source, "value", source),
                     "at": now.isoformat(timespec="seconds"), "batch": batch_id}
            imported = {**(row.imported or {}), **{k: stamp for k in item.edit.values
                                                   if k in item.merged}}
            if imported != (row.imported or {}):
                row.imported = imported
        if not item.writes:
            continue
        was_complete = not missing_fields(section_cls, row)
        for change in item.changes:
            setattr(row, change.key, change.new)
        if item.edit.children is not None and item.child_changes:
            _write_children(section_cls, row, item.edit.children)
        row.carried_forward = False
        row.updated_by_id = actor_id
        row.updated_at = now            # touched even when only child rows changed: a new version
        delta = int(not missing_fields(section_cls, row)) - int(was_complete)
        moved.append((row.submission_id, item.kept_findings, delta))
    db.session.flush()
    refresh_counters(section_cls, moved)


def _write_children(section_cls: type, row: Any, children: dict[str, list[dict]]) -> None:
    for name, child_cls in CHILDREN.get(section_cls, ()):
        if name not in children:
            continue
        matched, surplus = _pairs(section_cls, row, name, children[name])
        rows = getattr(row, name)
        top = max((c.position or 0 for c in rows), default=-1)
        for n, (child, given) in enumerate(matched):
            if child is None:
                top += 1
                child = child_cls(position=n if "id" not in given else top)
                rows.append(child)
            for column in _child_columns(child_cls):
                if column.key in given and not _same(given[column.key],
                                                     getattr(child, column.key)):
                    setattr(child, column.key, given[column.key])
        for child in surplus:
            rows.remove(child)
            db.session.delete(child)    # (an orphan alone is not in session.deleted: no audit)


def refresh_counters(section_cls: type, moved: Sequence[tuple[int, list[Finding], int]]) -> None:
    """For each (submission id, its ⚠ findings of this section, how its sections-complete count
    moves: -1, 0 or +1): the stored findings of this section replaced — a finding that comes
    back word for word (the same values) keeps its explanation — the peer findings evaluated
    for the saved values (models/rules/peers.evaluate), the counters moved.  The other seven
    sections did not change, so only this one is looked at.  A fixed number of statements,
    whatever the number of submissions."""
    if not moved:
        return
    ids = sorted({sub_id for sub_id, _f, _d in moved})
    no = section_cls.SECTION_NO
    mine = and_(SectionWarning.submission_id.in_(ids), SectionWarning.section_no == no,
                SectionWarning.kind != peers.PEER)
    explained = {(r.submission_id, r.field, r.message): r for r in db.session.execute(
        select(SectionWarning.submission_id, SectionWarning.field, SectionWarning.message,
               SectionWarning.explanation, SectionWarning.explained_by_id,
               SectionWarning.explained_at)
        .where(mine, SectionWarning.explanation.is_not(None)))}
    db.session.execute(delete(SectionWarning).where(mine))
    kept = []
    for sub_id, found, _d in moved:
        for f in found:
            if f.blocking:
                continue
            row = dict(submission_id=sub_id, section_no=no, field=f.field or "",
                       message=f.message, explanation=None, explained_by_id=None,
                       explained_at=None)
            if (was := explained.get((sub_id, row["field"], f.message))) is not None:
                row.update(explanation=was.explanation, explained_by_id=was.explained_by_id,
                           explained_at=was.explained_at)
            kept.append(row)
    if kept:
        db.session.execute(insert(SectionWarning), kept)
    peers.evaluate([section_cls], Submission.id.in_(ids))
    steps = [dict(sub_id=sub_id, delta=delta) for sub_id, _f, delta in moved if delta]
    table = Submission.__table__
    if steps:
        db.session.execute(
            update(table).where(table.c.id == bindparam("sub_id"))
            .values(sections_complete=table.c.sections_complete + bindparam("delta")), steps)
    counts = select(func.count()).select_from(SectionWarning).where(
        SectionWarning.submission_id == Submission.id).scalar_subquery()
    db.session.execute(update(Submission).where(Submission.id.in_(ids))
                       .values(warnings_count=counts)
                       .execution_options(synchronize_session=False))


def save_section(section_cls: type, stored: Stored, edit: SectionEdit, actor: Any, *,
                 thai: Callable[[], AbstractContextManager] | None = None) -> Checked:
    """Check one edit and, when nothing refuses it, write it (the caller commits)."""
    (checked,) = check(section_cls, [(stored, edit)], thai=thai)
    if not checked.refused:
        write(section_cls, [checked], actor)
    return checked


__all__ = ["SectionEdit", "Stored", "Change", "Checked", "load", "previous_values",
           "earlier_values", "check",
           "write", "refresh_counters", "save_section", "CHUNK"]
