"""Models of the integrations app, one module per concern."""

from .health import IntegrationIssue
from .integration import (
    ApiCall,
    Integration,
    IntegrationStatus,
    derive_account_key,
    validate_platform,
)
from .invitation import INVITATION_LIFETIME, Invitation
from .mirror import (
    MirroredAppointment,
    MirroredCustomer,
    MirroredLocation,
    MirroredProvider,
    MirroredService,
    SyncRun,
)
from .ops import WorkerHeartbeat
from .tenancy import Membership, Salon, validate_currency, validate_timezone

__all__ = [
    "INVITATION_LIFETIME",
    "ApiCall",
    "Integration",
    "IntegrationIssue",
    "IntegrationStatus",
    "Invitation",
    "Membership",
    "MirroredAppointment",
    "MirroredCustomer",
    "MirroredLocation",
    "MirroredProvider",
    "MirroredService",
    "Salon",
    "SyncRun",
    "WorkerHeartbeat",
    "derive_account_key",
    "validate_currency",
    "validate_platform",
    "validate_timezone",
]
