"""Domain errors raised by the recommender core; app.py maps each to one HTTP status."""

from __future__ import annotations

from collections.abc import Sequence


class ServiceError(Exception):
    status = 500


class UnknownItemError(ServiceError):
    status = 422

    def __init__(self, item_ids: Sequence[int | str]) -> None:
        self.item_ids = item_ids
        shown = ", ".join(str(i) for i in item_ids[:10])
        super().__init__(f"unknown item_id {shown}: not in the model's catalog")


class BadFilterError(ServiceError):
    status = 422


class StoreUnavailableError(ServiceError):
    status = 503


class ConflictError(ServiceError):
    """Too many concurrent writers for one user: compare-and-set kept failing."""

    status = 503


class NotReadyError(ServiceError):
    status = 503
