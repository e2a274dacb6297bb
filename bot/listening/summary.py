"""What a listening tour heard, under the comment threshold rules.

- Nothing at all unless at least the threshold (the survey's comment threshold when the tour
  started) of people answered.
- A department gets themes of its own only with at least the threshold of answerers; the
  answers of smaller ones count only in the organisation's themes (they were pooled when the
  tour closed) and, as one group "other departments" if it reaches the threshold, in the map.
- Every count shown is of at least two people; no raw answer is ever shown. An organisation
  theme whose count, less the shown departments' counts of the same phrase, would leave
  between one person and fewer than the threshold is shown without its count (the figures
  would subtract to a small group: the pooled departments, or a few in a shown one). With no
  department shown the organisation is the only group (of at least the threshold).
- Only the organisation's number of answerers is shown, never a department's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import _, format_datetime
from bot.listening.dependencies import (
    OUTSIDE_LABEL,
    DepartmentMatcher,
    Edges,
    chains,
    names_outside,
)
from bot.listening.themes import MIN_PEOPLE, Theme, themes
from bot.listening.tours import CUSTOMERS, DEPENDS
from bot.people.org import departments_by_id
from bot.store.models import ListeningAnswer, ListeningTour, as_utc

ORGANISATION = "Organisation"
POOLED = "Other departments"


@dataclass(frozen=True)
class ShownTheme:
    phrase: str
    people: int | None  # None: shown without its count (see the module's rules)
    related: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"phrase": self.phrase, "people": self.people, "related": list(self.related)}


@dataclass(frozen=True)
class QuestionThemes:
    key: str
    question: str
    themes: tuple[ShownTheme, ...]

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "question": self.question,
            "themes": [t.to_json() for t in self.themes],
        }


@dataclass(frozen=True)
class Scope:
    name: str  # ORGANISATION or a department
    questions: tuple[QuestionThemes, ...]

    def to_json(self) -> dict:
        return {"scope": self.name, "questions": [q.to_json() for q in self.questions]}


@dataclass(frozen=True)
class Dependency:
    source: str  # a department, or POOLED
    target: str
    people: int
    for_what: tuple[ShownTheme, ...] = ()

    def to_json(self) -> dict:
        return {
            "team": self.source,
            "depends_on": self.target,
            "people": self.people,
            "for": [t.to_json() for t in self.for_what],
        }


@dataclass(frozen=True)
class Customers:
    team: str
    customers: tuple[tuple[str, int], ...]  # (a department or OUTSIDE_LABEL, people)

    def to_json(self) -> dict:
        return {
            "team": self.team,
            "customers": [{"customer": c, "people": n} for c, n in self.customers],
        }


@dataclass(frozen=True)
class TourSummary:
    tour_id: int
    closes_at: datetime
    departments: tuple[str, ...]
    threshold: int
    answered: int
    suppressed: bool  # fewer answerers than the threshold: nothing else is shown
    scopes: tuple[Scope, ...] = ()
    withheld: tuple[str, ...] = ()  # departments asked that get no themes of their own
    dependencies: tuple[Dependency, ...] = ()
    customers: tuple[Customers, ...] = ()
    chains: tuple[tuple[str, ...], ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "tour": self.tour_id,
            "closed_at": self.closes_at.isoformat(),
            "departments": list(self.departments),
            "threshold": self.threshold,
            "answered": None if self.suppressed else self.answered,
            "suppressed": self.suppressed,
            "scopes": [s.to_json() for s in self.scopes],
            "withheld": list(self.withheld),
            "dependencies": [d.to_json() for d in self.dependencies],
            "customers": [c.to_json() for c in self.customers],
            "customer_chains": [list(c) for c in self.chains],
        }


@dataclass(frozen=True)
class _Answer:
    sheet: str
    group: str | None  # the department's name; None when pooled
    question: str
    text: str


async def build_summary(session: AsyncSession, *, tour: ListeningTour) -> TourSummary:
    """The summary of a closed tour (LookupError for one still open: its answers are
    sealed, and a summary that moved with each answer would tell what one person said)."""
    if tour.state != "closed":
        raise LookupError(
            _("The listening tour is open until {closes}; its summary follows its close.").format(
                closes=format_datetime(as_utc(tour.closes_at)) + " UTC"
            )
        )
    names = await departments_by_id(session, tenant_id=tour.tenant_id)
    rows = (
        await session.exec(
            select(ListeningAnswer)
            .where(ListeningAnswer.tour_id == tour.id)
            .order_by(col(ListeningAnswer.sheet), col(ListeningAnswer.question))
        )
    ).all()
    answers = [
        _Answer(
            r.sheet, names.get(r.department_id) if r.department_id else None, r.question, r.text
        )
        for r in rows
    ]
    return summarise(tour=tour, answers=answers, departments=names)


def summarise(
    *, tour: ListeningTour, answers: list[_Answer], departments: dict[int, str]
) -> TourSummary:
    k = tour.k_comments
    sheets_by_group: dict[str | None, set[str]] = defaultdict(set)
    for a in answers:
        sheets_by_group[a.group].add(a.sheet)
    # Pooled answers carry an id each, not one per person: the tour's count of answerers is
    # recorded at its close (tours closed before then have one id per person).
    answered = tour.answered if tour.answered is not None else len({a.sheet for a in answers})
    base = dict(
        tour_id=tour.id or 0,
        closes_at=as_utc(tour.closes_at),
        departments=tuple(tour.departments),
        threshold=k,
        answered=answered,
    )
    if answered < k:
        return TourSummary(**base, suppressed=True)
    shown = sorted(g for g, s in sheets_by_group.items() if g is not None and len(s) >= k)
    withheld = tuple(d for d in tour.departments if d not in shown)
    matcher = DepartmentMatcher(departments)
    drop = matcher.words
    # Themes are read with the departments named blanked out: a department's name is no
    # theme (the map shows who names whom).
    plain = {id(a): matcher.masked(a.text) for a in answers}

    def scope_themes(group: list[_Answer]) -> tuple[QuestionThemes, ...]:
        out = []
        for q in tour.questions:
            docs = [plain[id(a)] for a in group if a.question == q["key"]]
            found = themes(docs, drop=drop)
            out.append(QuestionThemes(q["key"], q["text"], tuple(_shown(t) for t in found)))
        return tuple(out)

    department_scopes = [
        Scope(name, scope_themes([a for a in answers if a.group == name])) for name in shown
    ]
    organisation = Scope(
        ORGANISATION, _undifferenced(scope_themes(answers), department_scopes, k=k)
    )
    in_shown = sum(len(sheets_by_group[name]) for name in shown)
    pooled = (
        answered - in_shown
        if tour.answered is not None
        else len(sheets_by_group.get(None, set()))
    )
    pooled_ok = pooled >= k and any(a.group is None for a in answers)

    def source(a: _Answer) -> str | None:
        if a.group is not None:
            return a.group
        return POOLED if pooled_ok else None

    depends, serves = Edges(), Edges()
    for a in answers:
        origin = source(a)
        if origin is None or a.question not in (DEPENDS, CUSTOMERS):
            continue
        edges = depends if a.question == DEPENDS else serves
        for dept, said in matcher.reasons(a.text).items():
            if departments[dept] != origin:
                edges.add(origin, departments[dept], a.sheet, matcher.masked(said))
        if a.question == CUSTOMERS and names_outside(plain[id(a)]):
            serves.add(origin, OUTSIDE_LABEL, a.sheet, plain[id(a)])
    dependencies = tuple(
        Dependency(
            s,
            t,
            n,
            tuple(_shown(x) for x in themes(depends.texts[(s, t)], drop=drop, limit=3)),
        )
        for s, t, n in depends.counted(at_least=MIN_PEOPLE)
    )
    served: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for s, t, n in serves.counted(at_least=MIN_PEOPLE):
        served[s].append((t, n))
    customers = tuple(Customers(team, tuple(c)) for team, c in sorted(served.items()))
    chain_edges = [(c.team, name) for c in customers for name, _n in c.customers]
    return TourSummary(
        **base,
        suppressed=False,
        scopes=(organisation, *department_scopes),
        withheld=withheld,
        dependencies=dependencies,
        customers=customers,
        chains=tuple(chains(chain_edges)),
    )


def _shown(theme: Theme) -> ShownTheme:
    return ShownTheme(theme.phrase, theme.people, theme.related)


def _undifferenced(
    questions: tuple[QuestionThemes, ...], departments: list[Scope], *, k: int
) -> tuple[QuestionThemes, ...]:
    """The organisation's themes with any count hidden that, less the shown departments'
    counts of the same phrase, would leave between one and k-1 people: also when no shown
    department has the phrase (the whole count is then the rest's). With no department
    shown there is nothing to subtract: the organisation is one group of at least k."""
    if not departments:
        return questions
    out = []
    for q_index, question in enumerate(questions):
        kept = []
        for theme in question.themes:
            inside = sum(
                t.people or 0
                for scope in departments
                for t in scope.questions[q_index].themes
                if t.phrase == theme.phrase
            )
            if theme.people is not None and 0 < theme.people - inside < k:
                theme = ShownTheme(theme.phrase, None, theme.related)
            kept.append(theme)
        out.append(QuestionThemes(question.key, question.question, tuple(kept)))
    return tuple(out)
