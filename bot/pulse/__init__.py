"""The pulse itself: the question bank and answer validation (`surveys`), the survey's
settings (`settings`), rounds and their schedule (`rounds`, `schedule`), the outbox and its
shared send budget (`outbox`, `budget`), answers sealed while a round is open (`checkins`,
`sealing`), published at close into responses and weekly rollups (`publish`, `rollup`), and
erasure and retention (`privacy`). Builds on `people` and `store`."""
