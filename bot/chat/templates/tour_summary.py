"""What a listening tour heard, for the executive: themes per question for the organisation
and each department shown, who depends on whom and for what, who each team serves and the
"customer of the customer" chains; the dependency map rides along as a PNG. Counts are of
people, never below two; no answer is quoted (`bot/listening/summary.py` has the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.i18n import _, format_date, ngettext
from bot.listening.dependencies import OUTSIDE_LABEL
from bot.listening.summary import (
    ORGANISATION,
    POOLED,
    Customers,
    Dependency,
    QuestionThemes,
    Scope,
    ShownTheme,
    TourSummary,
)
from bot.messages import Image, Message, MessageKind, Section

MAX_DEPENDENCIES = 12


@dataclass(frozen=True)
class TourSummaryData:
    summary: TourSummary
    chart: Image | None = None


def _theme(theme: ShownTheme) -> str:
    if theme.people is None:
        return _("{phrase} (several people)").format(phrase=theme.phrase)
    return ngettext("{phrase} ({n} person)", "{phrase} ({n} people)", theme.people).format(
        phrase=theme.phrase, n=theme.people
    )


def _scope_name(name: str) -> str:
    if name == ORGANISATION:
        return _("The whole organisation")
    if name == POOLED:
        return _("Other departments (pooled)")
    if name == OUTSIDE_LABEL:
        return _("customers outside the company")
    return name


def _scope(scope: Scope) -> Section:
    lines = []
    for question in scope.questions:
        lines.append(f"*{question.question}*")
        lines.append(_questions_line(question))
    return Section(heading=_scope_name(scope.name), text="\n".join(lines))


def _questions_line(question: QuestionThemes) -> str:
    if not question.themes:
        return _("No theme raised by two or more people.")
    return "; ".join(_theme(t) for t in question.themes)


def _dependency(dep: Dependency) -> str:
    line = ngettext(
        "{source} → {target}: {n} person", "{source} → {target}: {n} people", dep.people
    ).format(source=_scope_name(dep.source), target=dep.target, n=dep.people)
    if dep.for_what:
        line += " — " + _("for {what}").format(what=", ".join(_theme(t) for t in dep.for_what))
    return "• " + line


def _customers(entry: Customers) -> str:
    named = ", ".join(
        ngettext("{name} ({n} person)", "{name} ({n} people)", n).format(
            name=_scope_name(c),
            n=n,
        )
        for c, n in entry.customers
    )
    return "• " + _("{team} serves {named}").format(team=_scope_name(entry.team), named=named)


def render(data: TourSummaryData) -> Message:
    s = data.summary
    title = _("What the listening tour heard")
    closed = format_date(s.closes_at.astimezone(UTC))
    intro = ngettext(
        "{n} person answered in {departments} (closed {closed}).",
        "{n} people answered in {departments} (closed {closed}).",
        s.answered,
    ).format(n=s.answered, departments=", ".join(s.departments), closed=closed)
    rules = _(
        "Themes are phrases raised by two or more people; a department gets its own only "
        "with {k}+ people answering, smaller ones count in the organisation's. No answer "
        "is shown as written."
    ).format(k=s.threshold)
    if s.suppressed:  # not even how many: a figure of a group under the threshold
        intro = _("Asked: {departments} (closed {closed}).").format(
            departments=", ".join(s.departments), closed=closed
        )
        text = _(
            "Fewer than {k} people answered, so nothing can be shown without risking who said what."
        ).format(k=s.threshold)
        return Message(
            kind=MessageKind.TOUR_SUMMARY,
            title=title,
            fallback_text=f"{title}: {intro} {text}",
            sections=(Section(text=f"{intro} {text}"),),
            context=rules,
        )
    sections = [Section(text=intro)]
    sections += [_scope(scope) for scope in s.scopes]
    if s.withheld:
        sections.append(
            Section(
                heading=_("No themes of their own"),
                text=_(
                    "Fewer than {k} answered in {names}: their answers count in the "
                    "organisation's themes only."
                ).format(k=s.threshold, names=", ".join(s.withheld)),
            )
        )
    deps = [_dependency(d) for d in s.dependencies[:MAX_DEPENDENCIES]]
    sections.append(
        Section(
            heading=_("Who depends on whom"),
            text="\n".join(deps) or _("No dependency named by two or more people."),
        )
    )
    serving = [_customers(c) for c in s.customers]
    serving += ["• " + " → ".join(_scope_name(n) for n in chain) for chain in s.chains]
    sections.append(
        Section(
            heading=_("Who each team serves (the customer of the customer)"),
            text="\n".join(serving) or _("No customer named by two or more people."),
        )
    )
    fallback = "\n".join(
        [title, *(f"{x.heading + ': ' if x.heading else ''}{x.text}" for x in sections)]
    )
    return Message(
        kind=MessageKind.TOUR_SUMMARY,
        title=title,
        fallback_text=fallback,
        sections=tuple(sections),
        image=data.chart,
        context=rules,
    )


def _example() -> TourSummary:
    asked = (
        QuestionThemes(
            "measured",
            "What is your team measured on?",
            (ShownTheme("resolution time", 9), ShownTheme("csat", 6)),
        ),
        QuestionThemes(
            "depends",
            "Which teams do you depend on most, and for what?",
            (ShownTheme("bug fixes", 6, ("releases",)),),
        ),
    )
    return TourSummary(
        tour_id=7,
        closes_at=datetime(2026, 12, 19, 12, 0, tzinfo=UTC),
        departments=("Engineering", "Legal", "Support"),
        threshold=10,
        answered=42,
        suppressed=False,
        scopes=(Scope(ORGANISATION, asked), Scope("Support", asked)),
        withheld=("Legal",),
        dependencies=(
            Dependency("Support", "Engineering", 6, (ShownTheme("bug fixes", 6),)),
            Dependency("Engineering", "Support", 3, ()),
        ),
        customers=(
            Customers("Engineering", (("Support", 4),)),
            Customers("Support", ((OUTSIDE_LABEL, 12),)),
        ),
        chains=(("Engineering", "Support", OUTSIDE_LABEL),),
    )


EXAMPLE = TourSummaryData(summary=_example())
