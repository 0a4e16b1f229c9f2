from tests.bot.slack_user import SlackUsers


def test_help(users: SlackUsers) -> None:
    reply = users.command("help")
    assert "/batchscout register" in reply.mrkdwn
