"""Webhooks: a charter's events (a version published, a stage changed, an amendment's state
changed) sent as signed JSON to addresses the secretariat configures."""

from charter.webhooks.services import amendment_state_changed as amendment_state_changed
from charter.webhooks.services import emit as emit
from charter.webhooks.services import stage_changed as stage_changed
from charter.webhooks.services import version_published as version_published
