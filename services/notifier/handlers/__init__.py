"""The notifier's use cases: the directory, sends through the gate, withdrawals, deferrals."""
