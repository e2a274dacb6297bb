"""Drives the core on time: rounds, outbox, nudges, digests, retention."""
