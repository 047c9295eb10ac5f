"""The one row-scope rule: which LAO, district or province a user's rows come from (SPEC §1).

`placement(model)` says, once per model, where its rows live: the columns holding the row's
LAO, district and province, reached through a joined model when the row does not hold them
itself (a section row through its submission, a tourist place through its organization).
`scoped(query, model, user)` applies it to a query; every view, relation dropdown, ajax lookup,
service and export goes through it, so a new screen cannot forget a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import false, select, true
from sqlalchemy.sql.functions import coalesce
from sqlalchemy.sql import ColumnElement

from workflow import Role


@dataclass(frozen=True)
class Placement:
    """Where rows of one model live: the placing columns, and the join that reaches them."""

    org: Any = None
    district: Any = None
    province: Any = None
    via: Any = None          # the model holding the columns, joined first (None: the row's own)
    on: Any = None           # the join condition to `via`

    def columns(self) -> dict[str, Any]:
        return dict(org=self.org, district=self.district, province=self.province)


def _placed(user: Any) -> tuple[Role, Any] | None:
    """(role, the LAO id / district / province code that places the user's rows; None for
    a dla_admin), or None for an anonymous or inactive user: what every scope reads."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    role = Role(user.role)
    if role is Role.DLA_ADMIN:     # the whole country (the CLI's user has no place at all)
        return role, None
    return role, getattr(user, {Role.LAO_EDITOR: "organization_id",
                                Role.DISTRICT_OFFICER: "district_code",
                                Role.PROVINCE_OFFICER: "province_code"}[role])


def scope_filter(user: Any, *, org: Any = None, district: Any = None,
                 province: Any = None) -> ColumnElement[bool]:
    """A WHERE clause limiting rows to `user`'s scope.

    `org`, `district` and `province` are the columns that place a row; a role whose column is
    not given sees nothing, an anonymous or inactive user sees nothing, a dla_admin sees all.
    """
    placed = _placed(user)
    if placed is None:
        return false()
    role, value = placed
    if role is Role.DLA_ADMIN:
        return true()
    column = {Role.LAO_EDITOR: org, Role.DISTRICT_OFFICER: district,
              Role.PROVINCE_OFFICER: province}[role]
    if column is None or value is None:
        return false()
    return column == value


def scope_key(user: Any) -> str:
    """A short name of `user`'s scope for what is kept per scope (a workbook file): `th` for
    the whole country, p30 / d3001 / o123 for a province, a district, an LAO; `none` for no
    rows.  Two users with the same key see the same rows (both read `_placed`)."""
    placed = _placed(user)
    if placed is None:
        return "none"
    role, value = placed
    if role is Role.DLA_ADMIN:
        return "th"
    if value is None:
        return "none"
    return {Role.LAO_EDITOR: "o", Role.DISTRICT_OFFICER: "d",
            Role.PROVINCE_OFFICER: "p"}[role] + str(value)


@cache
def _placements() -> dict[type, Placement]:
    from ..tables.accounts import AccountLog, AccountRequest, User
    from ..tables.audit import AuditLog
    from ..tables.geography import District, Province, Subdistrict
    from ..tables.batches import ImportBatch
    from ..tables.organizations import InfoAdministrator, LaoWebsite, Organization, TouristPlace
    from ..tables.sections import CHILDREN, SECTIONS
    from ..tables.submissions import CertificationEvent, FiscalYear, SectionWarning, Submission

    own_submission = Placement(org=Submission.organization_id,
                               district=Submission.district_code,
                               province=Submission.province_code)
    own_org = Placement(org=Organization.id, district=Organization.district_code,
                        province=Organization.province_code)

    def through_submission(column) -> Placement:
        return Placement(**own_submission.columns(), via=Submission,
                         on=column == Submission.id)

    def through_organization(column) -> Placement:
        return Placement(**own_org.columns(), via=Organization, on=column == Organization.id)

    table = {
        Submission: own_submission,
        Organization: own_org,
        # An account lives in its province whatever its role (area_province_code), so the
        # province officer's scope holds its clerks' and district officers' accounts.
        User: Placement(org=User.organization_id, district=User.district_code,
                        province=User.area_province_code),
        AccountRequest: Placement(org=AccountRequest.organization_id,
                                  district=AccountRequest.district_code,
                                  province=AccountRequest.province_code),
        AccountLog: Placement(org=AccountLog.organization_id, district=AccountLog.district_code,
                              province=AccountLog.province_code),
        Province: Placement(province=Province.code),
        District: Placement(district=District.code, province=District.province_code),
        Subdistrict: Placement(district=Subdistrict.district_code,
                               province=Subdistrict.province_code),
        # National reference data: no place, so only the whole-country scope reads it.
        FiscalYear: Placement(),
        CertificationEvent: through_submission(CertificationEvent.submission_id),
        SectionWarning: through_submission(SectionWarning.submission_id),   # ⚠ findings
        # A change of a per-LAO record holds its LAO; a change of a section holds only its
        # submission, whose LAO places it.
        AuditLog: Placement(**own_org.columns(), via=Organization, on=Organization.id == coalesce(
            AuditLog.organization_id,
            select(Submission.organization_id).where(Submission.id == AuditLog.submission_id)
            .correlate(AuditLog).scalar_subquery())),
        # An import run lives where its importer works (an LAO's run in its LAO and province).
        ImportBatch: Placement(org=ImportBatch.organization_id, district=ImportBatch.district_code,
                               province=ImportBatch.province_code),
    }
    # The yearly sections and their repeating rows belong to their submission's LAO.
    for section_cls in SECTIONS:
        table[section_cls] = through_submission(section_cls.submission_id)
        for _name, child_cls in CHILDREN.get(section_cls, ()):
            table[child_cls] = through_submission(child_cls.submission_id)
    # Per-LAO records belong to their organization.
    for record_cls in (LaoWebsite, InfoAdministrator, TouristPlace):
        table[record_cls] = through_organization(record_cls.organization_id)
    return table


def placement(model: type) -> Placement | None:
    """Where rows of `model` live; None for a model the rule does not know (nobody but a
    dla_admin reads it through a scoped path).  An empty Placement is national data."""
    return _placements().get(model)


def scoped_models() -> tuple[type, ...]:
    """Every model the scope rule knows."""
    return tuple(_placements())


def row_scope(user: Any, model: type) -> ColumnElement[bool]:
    """The WHERE clause of `user`'s rows of `model` (its `via` model must be in the query)."""
    place = placement(model)
    if place is None:
        return scope_filter(user)
    return scope_filter(user, **place.columns())


def scoped(query: Any, model: type, user: Any) -> Any:
    """`query` (a Select or an ORM Query over `model`) narrowed to `user`'s rows.

    The join to the placing model is added only when the filter needs it: a dla_admin's scope
    is the whole country, and an anonymous user's is nothing.
    """
    clause = row_scope(user, model)
    place = placement(model)
    if place is not None and place.via is not None \
            and clause is not true() and clause is not false():
        query = query.join(place.via, place.on)
    return query.where(clause)
