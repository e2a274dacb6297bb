"""Listening: anonymous two-way conversations on comments and an executive's listening tour
(free-text intake, its themes and the map of who depends on whom). Reads `insights` and
`pulse`; never imports `chat`."""
