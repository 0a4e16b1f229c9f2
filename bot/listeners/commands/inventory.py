"""``list``, ``show NAME`` and ``savings``: reading the inventory."""

from __future__ import annotations

import difflib

from sqlmodel import Session

from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.delivery.blocks import Message
from batchscout.delivery.blocks import workflows as blocks
from batchscout.storage import queries


def list_workflows(call: CommandCall) -> None:
    """The first page of the inventory."""
    with call.services.session() as session:
        page = queries.workflow_page(
            session=session, team_id=call.team_id, page=0, size=blocks.PAGE_SIZE
        )
    call.reply(blocks.workflow_list(page))


def closest_names(names: list[str], wanted: str) -> list[str]:
    """Up to three names close to ``wanted`` (case-insensitive), for "did you mean"."""
    by_key = {name.casefold(): name for name in names}
    close = difflib.get_close_matches(wanted.casefold(), list(by_key), n=3, cutoff=0.6)
    contains = [k for k in by_key if wanted.casefold() in k and k not in close]
    return [by_key[k] for k in (close + contains)[:3]]


def not_found(session: Session, team_id: str, name: str) -> Message:
    """ "No workflow by that name", with the workspace's closest names."""
    names = [w.name for w in queries.list_workflows(session=session, team_id=team_id)]
    return blocks.not_found(name, closest_names(names, name))


def show_workflow(call: CommandCall) -> None:
    """One workflow's card, or the closest names when there is none by that name."""
    with call.services.session() as session:
        workflow = queries.get_workflow(session=session, team_id=call.team_id, name=call.argument)
        if workflow is None:
            call.reply(not_found(session, call.team_id, call.argument))
            return
        figures = queries.figures_of(workflow)
    call.reply(blocks.workflow_card(workflow, figures))


def savings(call: CommandCall) -> None:
    """The portfolio figures and the top opportunities."""
    with call.services.session() as session:
        figures, rows = queries.workspace_portfolio(session=session, team_id=call.team_id)
    call.reply(blocks.savings_report(figures, rows))
