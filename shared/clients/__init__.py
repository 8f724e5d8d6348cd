"""Typed clients of the Auth, User, Request, Shift and Analytics services.

Build them once per process with :meth:`ServiceClients.create` and close them with ``aclose()``.
Handlers call their methods and get msgspec Structs back (:mod:`shared.clients.models`) or an
error from :mod:`shared.clients.errors`; they never touch httpx.
"""

from shared.clients.analytics import AnalyticsClient
from shared.clients.auth import AuthClient
from shared.clients.base import ServiceClient
from shared.clients.breaker import BreakerBoard
from shared.clients.container import SERVICES, ServiceClients
from shared.clients.context import (
    bind_request_id,
    current_request_id,
    request_id_scope,
    request_id_var,
)
from shared.clients.errors import (
    BadRequest,
    CircuitOpen,
    Gone,
    IdempotencyInProgress,
    RateLimited,
    ServiceBadResponse,
    ServiceConflict,
    ServiceError,
    ServiceFailure,
    ServiceForbidden,
    ServiceNotFound,
    Unauthorized,
    ValidationFailed,
)
from shared.clients.policy import CallPolicy
from shared.clients.requests import RequestClient
from shared.clients.shifts import ShiftClient
from shared.clients.tokens import TokenStore
from shared.clients.users import UserClient

__all__ = [
    "SERVICES",
    "AnalyticsClient",
    "AuthClient",
    "BadRequest",
    "BreakerBoard",
    "CallPolicy",
    "CircuitOpen",
    "Gone",
    "IdempotencyInProgress",
    "RateLimited",
    "RequestClient",
    "ServiceBadResponse",
    "ServiceClient",
    "ServiceClients",
    "ServiceConflict",
    "ServiceError",
    "ServiceFailure",
    "ServiceForbidden",
    "ServiceNotFound",
    "ShiftClient",
    "TokenStore",
    "Unauthorized",
    "UserClient",
    "ValidationFailed",
    "bind_request_id",
    "current_request_id",
    "request_id_scope",
    "request_id_var",
]
