"""Scheduler: tracks each loan's arrears and decides when a borrower is to be contacted."""
