"""Locust users for HeterRec serve: each streams events for its own user ids and asks for recommendations.

Item ids are drawn from 1..LOADTEST_ITEM_MAX (the bundled amazon-beauty catalog has 12,101).
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

ITEM_MAX = int(os.environ.get("LOADTEST_ITEM_MAX", "12101"))
USERS_PER_CLIENT = int(os.environ.get("LOADTEST_USERS_PER_CLIENT", "50"))


class Shopper(HttpUser):
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        prefix = f"lt-{random.getrandbits(32):08x}"
        self.user_ids = [f"{prefix}-{i}" for i in range(USERS_PER_CLIENT)]

    @task(3)
    def event(self) -> None:
        self.client.post(
            "/events",
            json={"user_id": random.choice(self.user_ids), "item_id": random.randint(1, ITEM_MAX)},
            name="/events",
        )

    @task(1)
    def batch(self) -> None:
        user = random.choice(self.user_ids)
        events = [{"user_id": user, "item_id": random.randint(1, ITEM_MAX)} for _ in range(5)]
        self.client.post("/events", json={"events": events}, name="/events (batch of 5)")

    @task(4)
    def recommend(self) -> None:
        self.client.post("/recommend", json={"user_id": random.choice(self.user_ids), "k": 10}, name="/recommend")
