"""``batchscout register``: the registration conversation in a terminal.

Answers are read line by line from standard input, so a script can pipe them in; the end of
the input cancels (exit status 1; an explicit ``cancel`` exits with 0). The conversation itself is :mod:`audit.registration`, the same one the
Slack bot runs.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from batchscout.audit.inventory import SLACK_USER_ID
from batchscout.audit.registration import (
    Conversation,
    Prompt,
    PromptKind,
    Step,
    StepKind,
    Surface,
    summary_lines,
)
from batchscout.cli import terminal
from batchscout.cli.common import TeamOption, check_team, fail, open_database, out, plain
from batchscout.delivery.lanes import workflow_lane_rows
from batchscout.storage import queries
from batchscout.storage.db import session_scope

app = typer.Typer()

UserOption = Annotated[
    str | None,
    typer.Option("--user", "-u", help="Your Slack user id (the default owner), like U0123ABCD."),
]

SEARCH_PREFIX = "?"
SEARCH_LIMIT = 20


def _check_user(user: str | None) -> str | None:
    if user is None:
        return None
    user = user.strip().upper()
    if not SLACK_USER_ID.match(user):
        raise fail(f"“{user}” is not a Slack user id (like U0123ABCD).", 2)
    return user


def _read_answer() -> str | None:
    """One line from standard input, or ``None`` at the end of the input."""
    line = sys.stdin.readline()
    if not line:
        return None
    answer = line.rstrip("\r\n")
    if not sys.stdin.isatty():
        out.print(Text(f"> {answer}", style="dim"))  # piped answers: keep the transcript readable
    return answer


def _show_prompt(prompt: Prompt) -> None:
    if prompt.error:
        out.print(Text(plain(prompt.error), style="bold red"))
    out.print(Text(prompt.text, style="bold"))
    for number, option in enumerate(prompt.options, start=1):
        line = Text(f"  {number}. {option.label}")
        if option.value != option.label and prompt.kind is not PromptKind.CONFIRM:
            line.append(f"  ({option.value})", style="dim")
        out.print(line)
    if prompt.default is not None:
        out.print(Text(f"  Current: {prompt.default}", style="cyan"))
    hint = prompt.hint
    if prompt.kind is PromptKind.MODEL:
        hint += f" Type {SEARCH_PREFIX}word to search the price catalog."
    out.print(Text(plain(hint), style="dim"))


def _show_summary(step: Step) -> None:
    assert step.assessment is not None
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    assessment = step.assessment
    for label, value in summary_lines(assessment) + workflow_lane_rows(
        assessment.spec.mode, assessment.figures
    ):
        grid.add_row(label, Text(plain(value)))
    out.print(Panel(grid, title="Summary", expand=False))


def _show(step: Step) -> None:
    if step.message:
        out.print(Text(plain(step.message), style="italic"))
    if step.kind is StepKind.SUMMARY:
        _show_summary(step)
    if step.prompt is not None:
        _show_prompt(step.prompt)


def _search(conversation: Conversation, query: str) -> None:
    found = conversation.model_search(query, SEARCH_LIMIT)
    if not found:
        out.print(Text(f"No catalog model matches “{query}”.", style="yellow"))
        return
    out.print(Text("Catalog models: " + ", ".join(found)))


@app.command("register")
def register(team: TeamOption, user: UserOption = None) -> None:
    """Register a workflow by answering one question at a time (answers may be piped in)."""
    team = check_team(team)
    invoker = _check_user(user)
    engine = open_database()
    with session_scope(engine) as session:
        book = queries.get_price_book(session=session, team_id=team)
        taken = {w.name_key for w in queries.list_workflows(session=session, team_id=team)}
    conversation = Conversation.start(
        invoker=invoker,
        book=book,
        name_taken=lambda name: queries.name_key(name) in taken,
        surface=Surface.TERMINAL,
        team=team,
    )
    out.rule(f"[bold]Register a workflow[/] in {team}")
    step = conversation.current_step()
    ended = False
    while step.kind not in (StepKind.SAVED, StepKind.CANCELLED):
        _show(step)
        answer = _read_answer()
        if answer is None:
            ended = True
            step = conversation.answer("cancel")
            break
        searching = step.prompt is not None and step.prompt.kind is PromptKind.MODEL
        if searching and answer.strip().startswith(SEARCH_PREFIX):
            _search(conversation, answer.strip().removeprefix(SEARCH_PREFIX))
            continue
        step = conversation.answer(answer)
    if step.kind is StepKind.CANCELLED:
        out.print(plain(step.message or "Cancelled."), highlight=False)
        raise typer.Exit(1 if ended else 0)
    assert step.spec is not None
    with session_scope(engine) as session:
        # Someone may have taken the name while the questions were being answered.
        if queries.get_workflow(session=session, team_id=team, name=step.spec.name) is not None:
            raise fail(
                f"a workflow named “{step.spec.name}” now exists in {team}; nothing was stored."
            )
        workflow = queries.save_spec(session=session, team_id=team, spec=step.spec, actor=invoker)
        out.print(terminal.workflow_panel(workflow, queries.figures_of(workflow)))
    out.print(Text(f"Saved “{workflow.name}” in {team}."))
