"""What the answers say, never about one person: figures and their anonymity rules
(`figures`, `analytics`), what changed beyond noise (`changes`), the silo map (`silos`), the
digest and its data (`digest`, `digest_data`), its chart (`charts`), the JSON export
(`export`), who may see which digest (`access`) and the weekly digest's queue
(`deliveries`). Reads what `pulse` published; never imports `chat`."""
