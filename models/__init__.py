"""INFO's data model (SPEC §2, §5): one module per domain, all sharing `db`."""

from .base import db, utcnow
from .geography import District, Province, Subdistrict
from .organizations import (ORG_TYPE_SHORT, InfoAdministrator, LaoWebsite, Organization,
                            OrgType, TouristCategory, TouristPlace)
from .accounts import (AccountAction, AccountLog, AccountRequest, AccountStatus, PasswordReset,
                       RequestStatus, User)
from .submissions import CertificationEvent, FiscalYear, SectionWarning, Submission, YearStatus
from .audit import AuditLog, AuditOp
from . import sections  # noqa: F401  (registers the 8 section tables)
from . import locks  # noqa: F401  (installs the before_flush lock guard)
from .locks import SubmissionLocked
from .imports import ImportBatch, ImportMode, ImportSource, ImportStatus

__all__ = [
    "db", "utcnow", "Province", "District", "Subdistrict", "Organization", "OrgType",
    "ORG_TYPE_SHORT", "LaoWebsite", "InfoAdministrator", "TouristPlace", "TouristCategory",
    "User", "AccountStatus", "AccountAction", "AccountLog", "AccountRequest", "PasswordReset",
    "RequestStatus", "FiscalYear", "YearStatus", "Submission", "CertificationEvent",
    "SectionWarning",
    "AuditLog", "AuditOp", "SubmissionLocked", "ImportBatch", "ImportMode", "ImportSource",
    "ImportStatus",
]
