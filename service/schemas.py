"""Request and response bodies (pydantic v2); the OpenAPI page at /docs is generated from these."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

UserId = str | int
ItemId = int


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UserId = Field(description="your user id")
    item_id: ItemId = Field(description="external item id (the catalog's item_id)")
    timestamp: float | None = Field(None, description="Unix seconds; informational, events apply in arrival order")
    event_type: str | None = Field(None, max_length=64, description="e.g. view, purchase; stored in the event log")


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[Event] = Field(min_length=1)


class EventsAccepted(BaseModel):
    accepted: int
    users: dict[str, int] = Field(description="each user's sequence length after the update")
    seq_len: int | None = Field(None, description="the sequence length when the request held a single user")


class Filters(BaseModel):
    """Feature filters on catalog fields, e.g. {"include": {"brand": ["OPI"]}, "exclude": {"categories": ["Nails"]}}.
    An item passes `include` when, for every named field, it has at least one of the listed values."""

    model_config = ConfigDict(extra="forbid")

    include: dict[str, list[str]] = Field(default_factory=dict)
    exclude: dict[str, list[str]] = Field(default_factory=dict)


class RecommendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UserId
    k: int = Field(10, ge=1, description="number of items; at most MAX_K")
    exclude_seen: bool = True
    filters: Filters | None = None

    @model_validator(mode="after")
    def _non_empty_user(self) -> RecommendRequest:
        if isinstance(self.user_id, str) and not self.user_id.strip():
            raise ValueError("user_id must not be empty")
        return self


class ScoredItem(BaseModel):
    item_id: ItemId
    score: float


class RecommendResponse(BaseModel):
    user_id: UserId
    items: list[ScoredItem]
    source: Literal["personal", "popular"]
    model_version: str


class Health(BaseModel):
    status: str
    detail: dict[str, str] = Field(default_factory=dict)
