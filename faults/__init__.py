"""Fault and security suite: real `fengqiao` processes on PostgreSQL, killed, cut off and probed.

Run the long suite with `make faults` (or `.venv/bin/python -m faults.run --help`); the quick part
runs in CI from tests/faults/ (`make faults-quick`, and as part of `make test`).
"""
