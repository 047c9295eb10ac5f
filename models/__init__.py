"""INFO's data model (SPEC §2, §5): one module per domain, all sharing `db`."""

from .base import db, utcnow
from .rules import locks  # noqa: F401  (installs the before_flush lock guard)
from .rules.locks import SubmissionLocked
from .tables import sections  # noqa: F401  (registers the 8 section tables)
from .tables.accounts import (AccountAction, AccountLog, AccountRequest, AccountStatus, PasswordReset,
                       RequestStatus, User)
from .tables.audit import AuditLog, AuditOp
from .tables.batches import ImportBatch, ImportMode, ImportSource, ImportStatus
from .tables.geography import District, Province, Subdistrict
from .tables.organizations import (ORG_TYPE_SHORT, InfoAdministrator, LaoWebsite, Organization,
                            OrgType, TouristCategory, TouristPlace)
from .tables.submissions import (CertificationEvent, FiscalYear, PeerBand, SectionWarning, Submission,
                                 YearStatus)
from .tables.unsaved import UnsavedForm

__all__ = [
    "db", "utcnow", "Province", "District", "Subdistrict", "Organization", "OrgType",
    "ORG_TYPE_SHORT", "LaoWebsite", "InfoAdministrator", "TouristPlace", "TouristCategory",
    "User", "AccountStatus", "AccountAction", "AccountLog", "AccountRequest", "PasswordReset",
    "RequestStatus", "FiscalYear", "YearStatus", "Submission", "CertificationEvent",
    "SectionWarning",
    "PeerBand",
    "AuditLog", "AuditOp", "SubmissionLocked", "ImportBatch", "ImportMode", "ImportSource",
    "ImportStatus", "UnsavedForm",
]
