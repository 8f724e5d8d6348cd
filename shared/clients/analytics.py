"""analytics-service client (docs/contracts.md §7); the token must be a manager's or an admin's."""

from __future__ import annotations

import datetime as dt

from shared.clients.base import ServiceClient, query
from shared.clients.models.analytics import Summary

__all__ = ["AnalyticsClient"]


class AnalyticsClient(ServiceClient):
    service = "analytics"

    async def summary(
        self, token: str, *, start_date: dt.date | None = None, end_date: dt.date | None = None
    ) -> Summary:
        """N1: default the 30 days ending today; at most 366 days (``range_too_long``)."""
        return await self._call(
            "analytics.summary",
            "GET",
            "/analytics/summary",
            result=Summary,
            token=token,
            params=query(
                start_date=start_date.isoformat() if start_date else None,
                end_date=end_date.isoformat() if end_date else None,
            ),
        )
