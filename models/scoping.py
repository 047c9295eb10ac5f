"""The one row-scope rule: which LAO, district or province a user's rows come from (SPEC §1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, true
from sqlalchemy.sql import ColumnElement

from workflow import Role


def scope_filter(user: Any, *, org: Any = None, district: Any = None,
                 province: Any = None) -> ColumnElement[bool]:
    """A WHERE clause limiting rows to `user`'s scope.

    `org`, `district` and `province` are the columns that place a row; a role whose column is
    not given sees nothing, an anonymous or inactive user sees nothing, a dla_admin sees all.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return false()
    role = Role(user.role)
    if role is Role.DLA_ADMIN:
        return true()
    column, value = {
        Role.LAO_EDITOR: (org, user.organization_id),
        Role.DISTRICT_OFFICER: (district, user.district_code),
        Role.PROVINCE_OFFICER: (province, user.province_code),
    }[role]
    if column is None or value is None:
        return false()
    return column == value


def placement(model: type) -> dict[str, Any]:
    """The columns that place a row of `model` in the hierarchy, for `scope_filter(**…)`.

    Models not listed here are reference data (provinces, districts …) or unscoped, and a view
    or a relation over them must say its own rule.
    """
    from .accounts import User
    from .geography import District, Province, Subdistrict
    from .organizations import InfoAdministrator, LaoWebsite, Organization, TouristPlace
    from .submissions import Submission

    table = {
        Submission: dict(org=Submission.organization_id, district=Submission.district_code,
                         province=Submission.province_code),
        Organization: dict(org=Organization.id, district=Organization.district_code,
                           province=Organization.province_code),
        User: dict(org=User.organization_id, district=User.district_code,
                   province=User.province_code),
        District: dict(district=District.code, province=District.province_code),
        Subdistrict: dict(district=Subdistrict.district_code,
                          province=Subdistrict.province_code),
        Province: dict(province=Province.code),
    }
    for model_cls in (LaoWebsite, InfoAdministrator, TouristPlace):
        table[model_cls] = dict(org=model_cls.organization_id)
    return table.get(model, {})
