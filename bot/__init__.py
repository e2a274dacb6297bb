"""Crosspulse core: platform-neutral domain, storage and analytics."""
