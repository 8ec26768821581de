"""The scheduler's pure core: loans, the strategy, the calendar, decisions. No I/O, no clients."""
