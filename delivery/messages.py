"""Every sentence Batchscout says in Slack that is not rendered from data: errors, notes,
confirmations. ``{placeholders}`` that hold user-typed text must be filled with escaped text
(``bot.mrkdwn.escape``)."""

from __future__ import annotations

SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side and nothing was changed. Please try again in a "
    "moment; if it keeps happening, tell whoever runs Batchscout in this workspace."
)

# -- the slash command -----------------------------------------------------------------------

UNKNOWN_SUBCOMMAND = "I don't know `{word}`. Here is what I can do:"
EMPTY_COMMAND = "Batchscout finds the AI spend that does not need to stream. Here is what I can do:"
MISSING_ARGUMENT = "`/batchscout {usage}` needs {what}. For example: `/batchscout {example}`."
UNEXPECTED_ARGUMENT = "`/batchscout {name}` takes nothing after it (I got “{extra}”)."
USAGE_FOOTER = 'Names may be quoted: `/batchscout show "Nightly ticket summaries"`.'

NO_SUCH_WORKFLOW = "There is no workflow named “{name}” in this workspace."
DID_YOU_MEAN = "Did you mean {names}?"
SEE_THE_LIST = "`/batchscout list` shows them all."
NO_WORKFLOWS_YET = (
    "No workflows are registered in this workspace yet. "
    "Start with `/batchscout register`: it takes about two minutes."
)

REMOVE_QUESTION = "Remove *{name}* from the inventory? Its savings leave the totals."
REMOVED = "Removed *{name}* from the inventory."
REMOVE_KEPT = "Kept *{name}*; nothing was removed."
ALREADY_GONE = "*{name}* is no longer in the inventory."

MIGRATED = (
    "Marked *{name}* as moved to a batch API: its {savings} now count as realised "
    "savings. Nice work."
)
MIGRATED_REAL_TIME = (
    "Marked *{name}* as running on a batch API. Note that it is classed real-time: someone "
    "waits on screen for it, so check that the batch latency is acceptable to them."
)
MOVE_UNDONE = (
    "Undone: *{name}* is back on the synchronous API, and its savings count as still to be had."
)
ALREADY_MIGRATED = "*{name}* is already marked as running on a batch API."
MOVED_TO_FLEX = (
    'Marked *{name}* as sending `service_tier="flex"`: its {savings} now count as realised savings.'
)
ALREADY_ON_FLEX = "*{name}* is already marked as running on the flex service tier."

PRICES_UNKNOWN_MODEL = "The price catalog has no model “{model}”."
PRICES_UNKNOWN_MODEL_FOR = "The price catalog has no {provider} model “{model}”."
PRICES_NO_FLEX = (
    "No flex price in the catalog for this model: flex is advised only where the catalog prices it."
)
PRICES_EXAMPLE = (
    "Try `/batchscout prices gpt-4o-mini` or `/batchscout prices anthropic claude-3-5-haiku`."
)

LIST_PAGE_EXPIRED = "That list is out of date; run `/batchscout list` again."

# -- registration ----------------------------------------------------------------------------

DM_STARTED = "I've sent you a direct message with the first question. Answer there, one at a time."
REGISTRATION_REPLACED = (
    "I set aside the registration you had started here; nothing of it was saved."
)
REGISTRATION_EXPIRED = (
    "This registration sat unanswered for 24 hours, so I closed it; nothing was saved. "
    "Start again with `/batchscout register`."
)
REGISTRATION_CANCELLED = "Cancelled. Nothing was saved; `/batchscout register` starts again."
REGISTRATION_SAVED = "Saved *{name}*. `/batchscout show {name}` shows it again at any time; it is on your Home tab too."
REGISTRATION_CLOSED = "This registration is already closed."
NOT_YOUR_REGISTRATION = (
    "This registration belongs to someone else; start your own with `/batchscout register`."
)
STALE_QUESTION = "That question was already answered; please answer the latest one."
ANSWERED_AT_ONCE = (
    "I got two answers at once and kept the first; please answer the latest question."
)
REGISTER_INTRO = (
    "Let's register an AI workflow. I'll ask one question at a time: press a button or type "
    "your answer. `back`, `skip`, `cancel` and `help` work at every step."
)
EDIT_INTRO = (
    "Editing *{name}*: pick the answer to change in *Change an answer* (or type its name, "
    "like `volume`); you come back here after each one. Nothing changes until you press *Save*."
)
REGISTRATION_BROKEN = (
    "I could not pick this registration up again after an update, so I closed it; nothing was "
    "saved. Sorry! Start again with `/batchscout register`."
)
NAME_CLASH = (
    "Someone saved a workflow named “{name}” in the meantime, so I did not save over it. "
    "Press *Edit an answer* to pick another name."
)
DM_HINT = (
    "Type `register` to register an AI workflow here, or `edit NAME` to change one. "
    "`/batchscout help` lists everything else."
)

NOT_INSTALLED = (
    "Batchscout is not installed in this workspace (or its installation was removed). "
    "Ask whoever runs Batchscout for its install link."
)

# -- digests ---------------------------------------------------------------------------------

DIGEST_USAGE = (
    "`/batchscout digest subscribe [DAY] [HH:MM]` (default Monday 09:00 in your time zone), "
    "`digest unsubscribe`, `digest preview` (only you see it), `digest now` (posts it here) or "
    "`digest floor $50` (list only opportunities saving $50/month or more; those saving "
    "under {floor} by default)."
)
FLOOR_USAGE = "Give one amount a month, like `/batchscout digest floor 50` or `digest floor $100`."
FLOOR_SET = "This channel's digest now leaves out opportunities saving less than {amount}."
DIGEST_IN_A_CHANNEL = "Digests go to channels: run this in the channel that should get the digest."
INVITE_ME = (
    "I'm not a member of this channel yet, so I can't post here. Type `/invite @Batchscout` "
    "in this channel, then run the command again."
)
SUBSCRIBED = (
    "Subscribed: this channel gets the Batchscout digest on {schedule}. "
    "`/batchscout digest preview` shows what it looks like now."
)
SUBSCRIBED_ZONE_UNKNOWN = " (I could not read your Slack time zone, so the time is in UTC.)"
UNSUBSCRIBED = "Unsubscribed: no more weekly digests in this channel."
NOT_SUBSCRIBED = (
    "This channel has no digest subscription; `/batchscout digest subscribe` starts one."
)
DIGEST_POSTING = "Posting the digest here now{wait}."
DIGEST_WRITING = " (the summary is being written through the batch API; this can take a minute)"
QUESTION_NOT_SHOWN = (
    "Sorry, something went wrong on my side: Slack would not take the next question, so I "
    "could not show it. Please try again in a moment: say `register` (or `edit NAME`) to "
    "start again."
)
DIGEST_PAUSED = (
    "I could not post the Batchscout digest to {channel} (Slack said `{error}`), so I paused "
    "that subscription. Invite me back (or pick another channel) and run "
    "`/batchscout digest subscribe` there to resume."
)
DIGEST_FAILED = (
    "Something went wrong on my side while posting the digest here. Please try "
    "`/batchscout digest now` again in a moment; if it keeps happening, tell whoever runs "
    "Batchscout in this workspace."
)
DIGEST_NOT_POSTED = (
    "I could not post the digest here (Slack said `{error}`). If this channel was archived or "
    "I was removed, invite me to a channel and subscribe there."
)

# -- knowledge checks ------------------------------------------------------------------------

QUIZ_IN_A_CHANNEL = "Knowledge checks go to channels: run `/batchscout quiz` in a channel I'm in."
QUIZ_POSTED = "Posted a knowledge check here. Answers go in its thread; the first answer counts."
QUIZ_ALREADY_ANSWERED = "Only your first answer counts, and you have answered this one already."
QUIZ_CLOSED = "This knowledge check has closed: the answer is in the thread."
QUIZ_NOT_POSTED = (
    "Slack would not let me post the knowledge check here, so nothing was asked. Please try "
    "again in a moment."
)

# -- importing an inventory file -------------------------------------------------------------

IMPORT_HOW = (
    "*To import workflows from a file,* open my DM (*Batchscout* in the sidebar, *Messages* "
    "tab) and upload the CSV or YAML file there, with the comment `import` if you like. "
    "Files up to {limit}, named `.csv`, `.yaml` or `.yml`."
)
IMPORT_COLUMNS = (
    "*Columns*, after a header row (in YAML: a list of the same fields): {columns}.\n"
    "• `name` is required and unique: a name already in the inventory updates that workflow.\n"
    "• `requests` is required (more than 0), per `per`: {per} (default `month`).\n"
    "• The cost: `cost_per_request` in US dollars on the synchronous API, or `provider` "
    "({providers}), `model`, `input_tokens` and `output_tokens` to price it from the catalog.\n"
    "• `trigger`: {triggers} · `reader`: {readers} · `freshness`: {freshness} · "
    "`mode`: {modes} (default `sync`)."
)
IMPORT_FORMAT_POINTER = (
    "One bad row rejects the whole file, with every problem by line and column; nothing is "
    "stored half-way. For the exact format, start from what `batchscout export --team {team}` "
    "writes; `batchscout import FILE --team {team}` does the same import from a terminal."
)
IMPORTED = "Imported {count}: {created} new, {updated} updated (from {name})."
IMPORT_HEADLINE = (
    "This workspace now spends *{spend}* on AI: *{migrate_now}* can move to a "
    "batch API now, *{to_challenge}* is worth challenging, and *{realised}* is already saved. "
    "`/batchscout savings` shows the top opportunities."
)
IMPORT_REJECTED = (
    "{name} was rejected ({count}); nothing was stored. Fix the file and share it again."
)
IMPORT_MORE_PROBLEMS = "…and {count} more."
IMPORT_FORMAT_HINT = "`/batchscout import` lists the columns and the values each one accepts."
IMPORT_TOO_LARGE = (
    "{name} is {size}, and I import files up to {limit}; nothing was stored. Split it into "
    "smaller files and share each one."
)
IMPORT_NOT_UTF8 = (
    "{name} is not UTF-8 text, so I could not read it; nothing was stored. Save it as *CSV "
    "UTF-8* (or as UTF-8 YAML) and share it again."
)
IMPORT_DOWNLOAD_FAILED = (
    "I could not download {name} from Slack, so nothing was stored. Please share it again in "
    "a moment; if it keeps failing, tell whoever runs Batchscout in this workspace."
)
IMPORT_UNNAMED_FILE = "the file you shared"
IMPORT_NOT_AN_INVENTORY = (
    "I only import inventory files whose names end in `.csv`, `.yaml` or `.yml`, so I left "
    "{names} alone. `/batchscout import` explains the format."
)

# Provider usage
USAGE_SCOPE_REGISTERED = (
    "Registered *{name}* from your usage, with the observed volume and cost filled in. "
    "Check its answers with Edit: I guessed them from when its traffic arrives."
)
USAGE_SCOPE_UNKNOWN = "I could not read which traffic that button was for; nothing was changed."

# Slack that stays inside the company
SHARED_CHANNEL_REFUSED = (
    "This channel is shared with another organisation (Slack Connect), so I post nothing here: "
    "Batchscout's figures, owners and plans stay inside the company. Use a channel only your "
    "workspace can read (or ask whoever runs Batchscout to allow this one on purpose with "
    "`batchscout digest allow-shared`)."
)
SHARED_CHANNEL_SKIPPED = (
    "{channel} is now shared with another organisation (Slack Connect), so I did not post the "
    "Batchscout digest there and will not while it stays shared. Subscribe a channel only your "
    "workspace can read, or ask whoever runs Batchscout to allow this one on purpose."
)
DIGEST_IS_PAUSED = (
    "The digest in this channel is paused (Slack said `{error}` when I last posted), so I "
    "posted nothing. Once I can post here again (invite me back or unarchive the channel) it "
    "resumes by itself; `/batchscout digest subscribe` here resumes it now."
)
SUBSCRIPTION_CHANGED = (
    "This channel already had a digest, subscribed by <@{subscriber}>: {changes}."
)
SUBSCRIPTION_UNCHANGED = "This channel already gets the digest on {schedule}; nothing was changed."
IMPORT_STOPPED = (
    "Batchscout was stopping (a restart) while {name} was being stored, so nothing from it "
    "was stored. Share it again in a minute."
)
IMPORT_BUSY = (
    "Another import into this workspace was being stored at the same moment, so nothing from "
    "{name} was stored. Share it again in a minute."
)
USAGE_SCOPE_UNLINKABLE = (
    "That traffic carries no project and no API key, so a workflow could not be tied to it (its "
    "cost would be counted twice): nothing was changed. Give those calls a project or an API key "
    "of their own, import the usage again, and register it then."
)
