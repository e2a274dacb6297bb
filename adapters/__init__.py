"""Chat adapters and the composition root (CLI, HTTP server)."""
