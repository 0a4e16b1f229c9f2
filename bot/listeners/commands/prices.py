"""``prices MODEL``: a model's synchronous and batch prices from the catalog."""

from __future__ import annotations

from batchscout.audit.pricing import (
    AmbiguousModelError,
    PricingError,
    Provider,
    find_catalog_price,
    quote,
    search_models,
)
from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.delivery import messages
from batchscout.delivery.blocks import note
from batchscout.delivery.blocks import workflows as blocks
from batchscout.delivery.mrkdwn import escape

#: The request shape the per-request line is priced for (as the CLI's defaults).
INPUT_TOKENS = 1000
OUTPUT_TOKENS = 500
_PROVIDER_WORDS = {p.value: p for p in Provider} | {
    "aws": Provider.BEDROCK,
    "gemini": Provider.GOOGLE,
}


def _split(argument: str) -> tuple[Provider | None, str]:
    """``anthropic claude-3-5-haiku`` or ``anthropic/claude-3-5-haiku`` → provider, model."""
    for separator in (" ", "/", ":"):
        first, found, rest = argument.partition(separator)
        if found and first.lower() in _PROVIDER_WORDS and rest.strip():
            return _PROVIDER_WORDS[first.lower()], rest.strip()
    return None, argument.strip()


def prices(call: CommandCall) -> None:
    """Prices per million tokens on every tier the catalog prices, and per request; the
    provider is inferred from the model's name when it is unambiguous."""
    provider, model = _split(call.argument)
    try:
        price = find_catalog_price(provider, model)
    except AmbiguousModelError as error:
        call.reply(note(escape(str(error))))
        return
    except PricingError:
        candidates = [provider] if provider else [p for p in Provider if p is not Provider.OTHER]
        close = [m for p in candidates for m in search_models(p, model, limit=3)][:5]
        template = messages.PRICES_UNKNOWN_MODEL_FOR if provider else messages.PRICES_UNKNOWN_MODEL
        text = template.format(provider=provider, model=escape(model))
        if close:
            text += " " + messages.DID_YOU_MEAN.format(
                names=", ".join(f"`{escape(m)}`" for m in close)
            )
        else:
            text += " " + messages.PRICES_EXAMPLE
        call.reply(note(text))
        return
    per_request = quote(
        provider=price.provider,
        model=price.model,
        input_tokens=INPUT_TOKENS,
        output_tokens=OUTPUT_TOKENS,
        cost_per_request=None,
    )
    call.reply(
        blocks.prices_card(
            price, per_request, input_tokens=INPUT_TOKENS, output_tokens=OUTPUT_TOKENS
        )
    )
