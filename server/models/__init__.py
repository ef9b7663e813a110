"""Every table of the app; importing this package registers them all with the metadata."""

from server.models.base import Tracked, UTCDateTime, new_id, utcnow
from server.models.catalogue import (
    FeeSchedule,
    FeeScheduleItem,
    Part,
    ServicePolicyRecord,
    WarrantyPolicy,
)
from server.models.conflicts import Conflict
from server.models.notices import AssignmentNotice, SmsDelivery
from server.models.notifications import Notification
from server.models.orders import (
    AppointmentChange,
    Complaint,
    Customer,
    FollowUp,
    LoanerIssue,
    LoanerUnit,
    OrderDerivation,
    ServiceOrder,
    TimelineEvent,
    Unit,
)
from server.models.people import Device, Role, User
from server.models.push import PushDelivery, PushSubscription
from server.models.security import (
    AuditLog,
    Passkey,
    QuarantinedMutation,
    SignInFailure,
    UserSession,
    WebAuthnChallenge,
)
from server.models.sync import (
    AppliedMutation,
    Blob,
    BlobGrant,
    BlobHolder,
    BlobUpload,
    RowVersion,
    ScopeChange,
    SyncState,
)
from server.models.visit import PartUsed, Payment, Photo, Rating, Receipt, ReceiptLine, Signature

__all__ = [
    "AssignmentNotice",
    "SmsDelivery",
    "AppliedMutation",
    "AppointmentChange",
    "Blob",
    "BlobGrant",
    "BlobHolder",
    "BlobUpload",
    "AuditLog",
    "Complaint",
    "Conflict",
    "Customer",
    "Device",
    "FeeSchedule",
    "FeeScheduleItem",
    "FollowUp",
    "LoanerIssue",
    "LoanerUnit",
    "Notification",
    "OrderDerivation",
    "Part",
    "Passkey",
    "PartUsed",
    "Payment",
    "Photo",
    "QuarantinedMutation",
    "PushDelivery",
    "PushSubscription",
    "Rating",
    "Receipt",
    "ReceiptLine",
    "Role",
    "RowVersion",
    "ScopeChange",
    "ServicePolicyRecord",
    "ServiceOrder",
    "Signature",
    "SyncState",
    "SignInFailure",
    "TimelineEvent",
    "Tracked",
    "UTCDateTime",
    "Unit",
    "User",
    "WarrantyPolicy",
    "UserSession",
    "WebAuthnChallenge",
    "new_id",
    "utcnow",
]
