"""Test support shipped with the library: in-memory adapters, factories, contract-test bases."""
