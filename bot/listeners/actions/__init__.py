"""Interactivity: buttons and menus (``block_actions``) and the model menu's options."""

from __future__ import annotations

import re

from slack_bolt import App

from batchscout.bot.listeners.acking import ack_first
from batchscout.bot.listeners.actions import (
    audits,
    conversation,
    home,
    opportunities,
    usage,
    workflows,
)
from batchscout.delivery.blocks import followups as followup_blocks
from batchscout.delivery.blocks.digest import OPEN_HOME_ACTION
from batchscout.delivery.blocks.home import (
    FILTER_CLASS_ACTION,
    FILTER_CLEAR_ACTION,
    FILTER_OWNER_ACTION,
    PAGE_ACTION,
)
from batchscout.delivery.blocks.opportunities import CLAIM
from batchscout.delivery.blocks.registration import ANSWER_ACTION, MODEL_ACTION, OWNER_ACTION
from batchscout.delivery.blocks.usage import REGISTER_SCOPE
from batchscout.delivery.blocks.workflows import SHOW_ACTION, UNDO_ACTION


def register(app: App) -> None:
    """Wire every button and menu by its action id."""
    app.action(re.compile(r"^list_page:"))(**ack_first(workflows.turn_list_page))
    app.action("workflow_edit")(**ack_first(workflows.edit_workflow))
    app.action("workflow_migrated")(**ack_first(workflows.mark_migrated))
    app.action("workflow_flex")(**ack_first(workflows.mark_flex))
    app.action("workflow_remove_ask")(**ack_first(workflows.ask_to_remove))
    app.action("workflow_remove_confirm")(**ack_first(workflows.confirm_remove))
    app.action("workflow_remove_cancel")(**ack_first(workflows.keep_workflow))
    app.action("home_register")(**ack_first(home.register_from_home))
    app.action(FILTER_OWNER_ACTION)(**ack_first(home.filter_by_owner))
    app.action(FILTER_CLASS_ACTION)(**ack_first(home.filter_by_class))
    app.action(FILTER_CLEAR_ACTION)(**ack_first(home.clear_filters))
    app.action(re.compile(rf"^{PAGE_ACTION}:"))(**ack_first(home.turn_page))
    app.action(SHOW_ACTION)(**ack_first(workflows.show_workflow))
    app.action(UNDO_ACTION)(**ack_first(workflows.undo_move))
    app.action(OPEN_HOME_ACTION)(**ack_first(home.open_from_digest))
    app.action("home_link")(**ack_first(home.link_opened))
    app.action(REGISTER_SCOPE)(**ack_first(usage.register_scope))
    app.action(re.compile(rf"^{ANSWER_ACTION}:"))(**ack_first(conversation.answer_button))
    app.action(MODEL_ACTION)(**ack_first(conversation.choose_model))
    app.options(MODEL_ACTION)(conversation.model_options)
    app.action(OWNER_ACTION)(**ack_first(conversation.choose_owner))
    # Follow-through: the follow-up DM's, the opportunity list's and App Home's buttons.
    app.action(followup_blocks.ACCEPT)(**ack_first(opportunities.accept))
    app.action(followup_blocks.SNOOZE)(**ack_first(opportunities.snooze))
    app.action(followup_blocks.DISMISS)(**ack_first(opportunities.dismiss))
    app.action(followup_blocks.MOVED)(**ack_first(opportunities.moved))
    app.action(CLAIM)(**ack_first(opportunities.claim))
    app.action(followup_blocks.STILL_NEEDED)(**ack_first(audits.still_needed))
    app.action(followup_blocks.WAIT_HOUR)(**ack_first(audits.wait_hour))
    app.action(followup_blocks.WAIT_DAY)(**ack_first(audits.wait_day))
    app.action(followup_blocks.CHANGE_ANSWERS)(**ack_first(audits.change_answers))
