"""What the send use cases need, wired once by the bootstrap, and how a send gives up."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from services.notifier.domain.email_unsubscribe import UnsubscribeLinks
from services.notifier.domain.institution import Institution
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.templates import TemplateRegistry
from services.notifier.domain.uncertain import Backoff
from services.notifier.domain.wechat_copy import WeChatMessage
from services.notifier.ports import ChannelClient, NotifierStore, SendObserver
from shared.errors import PermanentError
from shared.events import Channel
from shared.ports import EventPublisher


class DeliveryExhausted(PermanentError):
    """A channel kept failing transiently after every retry and failover: dead-letter it."""

    reason_code = "delivery_exhausted"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SendContext:
    """What sending needs, wired once by the composition root."""

    store: NotifierStore
    channels: Mapping[Channel, ChannelClient]
    templates: TemplateRegistry
    packs: Sequence[Pack]
    publisher: EventPublisher
    interactions_topic: str
    institution: Institution
    verification_secret: bytes
    observer: SendObserver
    clock: Callable[[], datetime] = _utc_now
    #: A send waiting for its contact point is re-checked this often, and blocked after the
    #: longest hold (a data gap holds and alerts; it never blocks at once, nor for ever).
    hold_recheck: timedelta = timedelta(hours=1)
    max_hold: timedelta = timedelta(days=3)
    #: Emails' one-click unsubscribe links (RFC 8058); None: emails go without them.
    unsubscribe: UnsubscribeLinks | None = None
    #: Escalating rules a person approved for the send being handled (a review's approval).
    approved: frozenset[str] = frozenset()
    #: How WeChat messages go unless a template names its own (template or subscribe).
    wechat_message: WeChatMessage = "template"
    #: When an uncertain send's provider is asked again whether it has the message.
    reconcile_backoff: Backoff = field(default_factory=Backoff)
