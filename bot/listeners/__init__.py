"""Listeners grouped by feature; each module has ``register(app, services[, router])``."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import (
    activity,
    changes,
    deactivation,
    digest,
    home,
    override,
    reading,
    runs,
    slash,
    suspension,
)
from bot.services import Services


def register_all(app: App, services: Services) -> slash.VerbRouter:
    router = slash.VerbRouter()
    slash.register(app, services, router)
    deactivation.register(app, services, router)
    reading.register(app, services, router)
    changes.register(app, services, router)
    digest.register(app, services, router)
    suspension.register(app, services, router)
    home.register(app, services)
    override.register(app, services, router)
    runs.register(app, services, router)
    activity.register(app, services)
    return router
