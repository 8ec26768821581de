"""The send use cases' test fixture: memory adapters, the cn pack, a clock the test sets."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notifier.adapters.memory.channel import InMemoryChannel
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.adapters.prometheus import PrometheusSendObserver
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.templates import TemplateRegistry
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.directory import record_contact_details
from shared.events import InteractionRecorded
from shared.testing.factories import contact_details
from shared.testing.memory import InMemoryEventPublisher
from tests.unit.notifier.domain.test_templates import BANK

TOPIC = "dunwell.interactions.v1"
WEDNESDAY_NOON = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


class Fixture:
    def __init__(self) -> None:
        self.store = InMemoryNotifierStore()
        self.email = InMemoryChannel("smtp")
        self.sms = InMemoryChannel("aliyun")
        self.publisher = InMemoryEventPublisher()
        self.now = WEDNESDAY_NOON
        self.ctx = SendContext(
            store=self.store,
            channels={"email": self.email, "sms": self.sms},
            templates=TemplateRegistry.load(),
            packs=[load_pack("cn")],
            publisher=self.publisher,
            interactions_topic=TOPIC,
            institution=BANK,
            verification_secret=b"secret",
            observer=PrometheusSendObserver(),
            clock=lambda: self.now,
        )

    async def debtor(self, debtor_id: str, **fields: object) -> None:
        details = contact_details(debtor_id, mobile="+8613800000001", **fields)
        await record_contact_details(details, store=self.store)

    def interactions(self) -> list[InteractionRecorded]:
        found = self.publisher.events(TOPIC)
        return [e for e in found if isinstance(e, InteractionRecorded)]

    def kinds(self) -> list[str]:
        return [i.kind for i in self.interactions()]
