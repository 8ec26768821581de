"""How records and timers reach the scheduler: faust agents, the daily close, ops pages."""
