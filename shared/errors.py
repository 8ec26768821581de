"""One error hierarchy for every service, split by what the caller does next."""

from __future__ import annotations


class ServiceError(Exception):
    """Root of Dunwell's own errors. Anything else reaching a consume loop is a bug."""


class RetryableError(ServiceError):
    """A transient failure (broker, SMTP, database unavailable): back off, do not commit.

    :param defer_s: how long to wait before trying the same record again.
    """

    def __init__(self, message: str, *, defer_s: float = 1.0) -> None:
        super().__init__(message)
        self.defer_s = defer_s


class PermanentError(ServiceError):
    """Trying again cannot help: dead-letter the record with the reason, then commit."""

    reason_code = "permanent"


class InvalidEvent(PermanentError):
    """A record that is not a valid event of its topic (bad JSON, schema, headers)."""

    reason_code = "invalid_event"


class PartitionsLost(ServiceError):
    """The group gave this member's partitions to another (it missed its heartbeats or a
    rebalance) before their offsets were committed. Nothing to undo: the effects are durable
    and idempotent, and the partitions' new owner reads the uncommitted records again."""


class ConfigurationError(ServiceError):
    """Settings or loaded configuration files are wrong: the process must not start."""
