"""Acting on what the insights found: introductions between teams the digest suggests,
opt-in cross-team pairings, their follow-up question and the measured effect. Reads
`insights`; never imports `chat`."""
