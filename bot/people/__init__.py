"""Who is in the organisation: the CSV import and departments (`org`), directory sync
(`directory`), tenants (`tenancy`), per-person pseudonym salts (`pseudonym`) and the name
index that scrubs names out of comments (`names`, `scrub`). Builds on `store` alone."""
