"""Notifier: turns contact requests into messages, behind the compliance gate and the ledger."""
