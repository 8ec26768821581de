"""Settings shared by every service: Kafka connection and the HTTP/ops basics.

Each service subclasses :class:`BaseServiceSettings` with its own ``DUNWELL_<SERVICE>_`` prefix.
Settings are built once in ``__main__`` and passed down; nothing reads the environment later.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.topics import Topics


class KafkaSettings(BaseModel):
    """How to reach the Kafka cluster. A bank's cluster demands TLS and/or SASL/SCRAM."""

    model_config = ConfigDict(frozen=True)

    bootstrap_servers: str = "127.0.0.1:19092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    #: Prefix for every topic name; keeps environments (and test runs) apart on one cluster.
    topic_namespace: str = ""
    #: Static group membership (KIP-345): set from the pod name so restarts do not rebalance.
    group_instance_id: str | None = None
    request_timeout_s: float = Field(default=30.0, gt=0)

    @property
    def topics(self) -> Topics:
        """The topic names of this deployment."""
        return Topics(self.topic_namespace)


class BaseServiceSettings(BaseSettings):
    """What every service has: Kafka, an HTTP port for ops endpoints, logging, shutdown."""

    model_config = SettingsConfigDict(frozen=True, env_nested_delimiter="__", extra="ignore")

    kafka: KafkaSettings = KafkaSettings()
    http_host: str = "0.0.0.0"  # noqa: S104 - inside a pod the probes and Prometheus come from outside
    http_port: int = Field(default=8080, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: Time allowed for in-flight work on SIGTERM; Kubernetes' terminationGracePeriodSeconds
    #: must be larger (deploy/k8s sets it to this plus 10 s).
    shutdown_grace_s: float = Field(default=20.0, gt=0)
