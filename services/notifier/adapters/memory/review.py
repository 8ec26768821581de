"""Sends kept for a person's decision, in memory (part of the in-memory notifier store)."""

from __future__ import annotations

from dataclasses import replace

from services.notifier.domain.review import KeptSend


class InMemoryReviewSends:
    """:class:`~services.notifier.ports.ReviewSends` in a dictionary."""

    kept_sends: dict[str, KeptSend]

    async def keep_send(self, send: KeptSend) -> None:
        self.kept_sends.setdefault(send.key, send)

    async def kept_send(self, key: str) -> KeptSend | None:
        return self.kept_sends.get(key)

    async def withdraw_kept(
        self,
        debtor_id: str,
        loan_id: str,
        *,
        reason: str,
        episode: int | None = None,
        purpose: str | None = None,
        keep: str | None = None,
    ) -> int:
        hit = [
            k
            for k in self.kept_sends.values()
            if k.debtor_id == debtor_id
            and k.loan_id == loan_id
            and k.withdrawn is None
            and (episode is None or k.episode <= episode)
            and (purpose is None or k.purpose == purpose)
            and (keep is None or not k.key.startswith(f"{keep}|"))
        ]
        for k in hit:
            self.kept_sends[k.key] = replace(k, withdrawn=reason)
        return len(hit)
