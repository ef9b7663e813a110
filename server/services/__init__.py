"""Thin orchestration between the HTTP API and the pure domain rules: load, decide, write."""
