"""The real ``batchscout`` console script, in a subprocess, against a temporary database."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import genai_prices
import pytest

from tests.conftest import run_cli

REFERENCE = """name,description,owner,provider,model,requests,per,input_tokens,output_tokens,cost_per_request,trigger,reader,freshness,mode
Nightly ticket summaries,50k tickets a night,U0123ABCD,,,50000,day,,,0.01,schedule,report,day,sync
"""
PLATFORM = """name,requests,per,cost_per_request,trigger,reader,freshness
Platform enrichment,9600000,month,0.01,event,system,day
Platform answers,2400000,month,0.01,user,on-screen,seconds
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def savings_json(db: str, team: str) -> dict:  # type: ignore[type-arg]
    return json.loads(
        run_cli("savings", "--team", team, "--json", database_url=db, check=True).stdout
    )


def test_reference_cases_through_savings_json(tmp_path: Path, db: str) -> None:
    run_cli(
        "import",
        write(tmp_path, "a.csv", REFERENCE),
        "--team",
        "T0AAAA",
        database_url=db,
        check=True,
    )
    run_cli(
        "import",
        write(tmp_path, "b.csv", PLATFORM),
        "--team",
        "T0BBBB",
        database_url=db,
        check=True,
    )

    nightly = savings_json(db, "T0AAAA")
    platform = savings_json(db, "T0BBBB")

    assert nightly["migrate_now"] == "7500.00"
    assert nightly["monthly_spend"] == "15000.00" and nightly["spend_after"] == "7500.00"
    [workflow] = nightly["workflows"]
    assert workflow == {
        "name": "Nightly ticket summaries",
        "latency_class": "scheduled",
        "batch_disguised_as_stream": False,
        "mode": "sync",
        "monthly_cost": "15000.00",
        "monthly_savings": "7500.00",
        "advice_tier": "batch",
        "flex_monthly_savings": "0.00",
        "lanes": {"standard": "15000.00", "batch": "7500.00", "flex": None, "priority": None},
        "priority_waste": "0.00",
        "cache_monthly_savings": None,
        "rationale": workflow["rationale"],
    }
    assert nightly["flex_now"] == "0.00"
    assert (nightly["priority_waste"], nightly["cache_now"]) == ("0.00", "0.00")
    assert (
        "it is needed within the day" in workflow["rationale"] and "`" not in workflow["rationale"]
    )
    assert (platform["monthly_spend"], platform["migrate_now"], platform["spend_after"]) == (
        "120000.00",
        "48000.00",
        "72000.00",
    )
    assert (platform["to_challenge"], platform["realised"]) == ("0.00", "0.00")


FLEX_INVENTORY = """name,provider,model,requests,per,input_tokens,output_tokens,trigger,reader,freshness,mode
Ticket triage,openai,gpt-5-mini,200000,day,1500,400,event,later,minutes,sync
Alert summaries,openai,gpt-4o-mini,200000,day,1500,400,event,later,minutes,sync
Agent assist,openai,gpt-5-mini,200000,day,1500,400,user,on-screen,seconds,sync
Nightly report,openai,gpt-5-mini,200000,day,1500,400,schedule,report,day,sync
Lead scoring,openai,gpt-5-mini,200000,day,1500,400,event,system,minutes,flex
"""


def catalog(model: str, context: dict[str, str] | None = None) -> Decimal:
    """What 1,500 input and 400 output tokens cost per request in the catalog, × 6M a month."""
    usage = genai_prices.Usage(input_tokens=1500, output_tokens=400)
    one = genai_prices.calc_price(usage, model, provider_id="openai", price_context=context)
    return one.total_price * 6_000_000


def test_savings_json_gives_flex_advice_from_the_catalog(tmp_path: Path, db: str) -> None:
    path = write(tmp_path, "flex.csv", FLEX_INVENTORY)
    run_cli("import", path, "--team", "T0AAAA", database_url=db, check=True)

    report = savings_json(db, "T0AAAA")
    by_name = {w["name"]: w for w in report["workflows"]}
    standard, flex = catalog("gpt-5-mini"), catalog("gpt-5-mini", {"service_tier": "flex"})
    batch = catalog("gpt-5-mini", {"processing": "batch"})
    mini_standard = catalog("gpt-4o-mini")
    mini_batch = catalog("gpt-4o-mini", {"processing": "batch"})

    def cents(amount: Decimal) -> str:
        return f"{amount.quantize(Decimal('0.01')):.2f}"

    triage = by_name["Ticket triage"]
    assert (triage["advice_tier"], triage["flex_monthly_savings"]) == (
        "flex",
        cents(standard - flex),
    )
    assert triage["monthly_savings"] == cents(standard - batch)  # batch if relaxed, unchanged
    alerts = by_name["Alert summaries"]
    assert (alerts["advice_tier"], alerts["flex_monthly_savings"]) == ("standard", "0.00")
    assist = by_name["Agent assist"]
    assert (assist["advice_tier"], assist["flex_monthly_savings"]) == ("standard", "0.00")
    assert by_name["Nightly report"]["advice_tier"] == "batch"
    scoring = by_name["Lead scoring"]
    assert (scoring["mode"], scoring["monthly_cost"]) == ("flex", cents(flex))
    assert report["flex_now"] == cents(standard - flex)
    assert report["to_challenge"] == cents(standard - batch + mini_standard - mini_batch)
    assert report["realised"] == cents(standard - flex)

    # A negotiated rate replaces the catalog's flex price until it gives its own: without
    # one, the workflow on flex would have no flex price, so the rate is refused whole.
    rate = ["rates", "set", "--team", "T0AAAA", "-p", "openai", "-m", "gpt-5-mini"]
    refused = run_cli(*rate, "--input", "0.2", "--output", "1.6", database_url=db)
    assert refused.returncode == 2 and "has no flex price" in refused.stderr
    assert savings_json(db, "T0AAAA")["flex_now"] == cents(standard - flex)
    flex_rate = ["--flex-input", "0.1", "--flex-output", "0.6"]
    run_cli(*rate, "--input", "0.2", "--output", "1.6", *flex_rate, database_url=db, check=True)
    per_request = (Decimal("0.2") - Decimal("0.1")) * 1500 + (Decimal("1.6") - Decimal("0.6")) * 400
    assert savings_json(db, "T0AAAA")["flex_now"] == cents(per_request / 10**6 * 6_000_000)
    half = run_cli(*rate, "--input", "0.2", "--output", "1.6", "--flex-input", "1", database_url=db)
    assert half.returncode == 2 and "--flex-output" in half.stderr


def test_a_bad_csv_is_refused_whole_with_line_and_column(tmp_path: Path, db: str) -> None:
    bad = (
        REFERENCE
        + "Broken,,,,,-5,day,,,0.01,schedule,report,yearly,sync\nTypo,,,openai,gpt-4o-mimi,10,day,100,100,,user,later,day,sync\n"
    )

    result = run_cli("import", write(tmp_path, "bad.csv", bad), "--team", "T0AAAA", database_url=db)

    assert result.returncode == 1
    assert "nothing was stored" in result.stderr
    assert (
        "line 3, column requests" in result.stderr and "line 3, column freshness" in result.stderr
    )
    assert savings_json(db, "T0AAAA")["workflows"] == []


def test_a_pricing_problem_also_stores_nothing(tmp_path: Path, db: str) -> None:
    bad = REFERENCE + "Typo,,,openai,gpt-4o-mimi,10,day,100,100,,user,later,day,sync\n"

    result = run_cli("import", write(tmp_path, "bad.csv", bad), "--team", "T0AAAA", database_url=db)

    assert result.returncode == 1
    assert "line 3, column model" in result.stderr and "gpt-4o-mini" in result.stderr
    assert savings_json(db, "T0AAAA")["workflows"] == []


def test_export_then_import_round_trips_exactly(tmp_path: Path, db: str) -> None:
    sample = Path(__file__).parents[2] / "cli" / "sample_inventory.csv"
    run_cli("import", str(sample), "--team", "T0AAAA", database_url=db, check=True)

    exported = run_cli("export", "--team", "T0AAAA", database_url=db, check=True).stdout
    run_cli(
        "import",
        write(tmp_path, "again.csv", exported),
        "--team",
        "T0BBBB",
        database_url=db,
        check=True,
    )
    again = run_cli("export", "--team", "T0BBBB", database_url=db, check=True).stdout

    assert exported == again
    assert sorted(exported.splitlines()[1:]) == sorted(sample.read_text().splitlines()[1:])
    run_cli(
        "export",
        "--team",
        "T0BBBB",
        "--output",
        str(tmp_path / "inv.yaml"),
        database_url=db,
        check=True,
    )
    run_cli("import", str(tmp_path / "inv.yaml"), "--team", "T0CCCC", database_url=db, check=True)
    assert run_cli("export", "--team", "T0CCCC", database_url=db, check=True).stdout == exported


def test_list_show_and_savings_for_people(tmp_path: Path, db: str) -> None:
    run_cli(
        "import",
        write(tmp_path, "a.csv", REFERENCE),
        "--team",
        "T0AAAA",
        database_url=db,
        check=True,
    )

    listed = run_cli("list", "--team", "T0AAAA", database_url=db, check=True).stdout
    shown = run_cli(
        "show", "nightly ticket summaries", "--team", "T0AAAA", database_url=db, check=True
    ).stdout
    report = run_cli("savings", "--team", "T0AAAA", database_url=db, check=True).stdout
    missing = run_cli("show", "Nope", "--team", "T0AAAA", database_url=db)

    assert "Nightly ticket summaries" in listed and "scheduled" in listed and "$7,500" in listed
    assert "migrate" in shown.lower() and "$15,000" in shown and "24 h" in shown
    assert "$7,500" in report
    assert missing.returncode == 1 and "no workflow named “Nope”" in missing.stderr


def test_prices_compares_sync_and_batch() -> None:
    result = run_cli(
        "prices",
        "gpt-4o-mini",
        "--provider",
        "openai",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        database_url="sqlite://",
        check=True,
    )

    assert "$0.15" in result.stdout and "$0.075" in result.stdout  # input per 1M, sync and batch
    assert "$0.00045" in result.stdout and "$0.000225" in result.stdout  # per request
    unknown = run_cli("prices", "gpt-4o-mimi", database_url="sqlite://")
    assert (
        unknown.returncode == 1
        and "gpt-4o-mini" in unknown.stderr
        and "Traceback" not in unknown.stderr
    )


def test_prices_infers_the_provider_and_shows_every_priced_tier() -> None:
    haiku = run_cli("prices", "claude-haiku-4-5", database_url="sqlite://", check=True)
    flex = run_cli("prices", "gpt-5-mini", database_url="sqlite://", check=True)

    assert "claude-haiku-4-5 (anthropic)" in haiku.stdout and "Flex" not in haiku.stdout
    assert "No flex price in the catalog" in " ".join(haiku.stdout.split())
    header = next(line for line in flex.stdout.splitlines() if "Standard" in line)
    columns = [header.index(tier) for tier in ("Standard", "Batch", "Flex", "Priority")]
    assert columns == sorted(columns)
    assert "$0.45" in flex.stdout  # priority input per 1M tokens, from the catalog


def test_bad_arguments_get_a_clear_message(tmp_path: Path, db: str) -> None:
    bad_team = run_cli("list", "--team", "acme", database_url=db)
    missing_file = run_cli(
        "import", str(tmp_path / "nope.csv"), "--team", "T0AAAA", database_url=db
    )

    assert bad_team.returncode == 2 and "not a Slack team id" in bad_team.stderr
    assert missing_file.returncode == 2 and "Traceback" not in missing_file.stderr


def test_db_upgrade_and_demo(tmp_path: Path, db: str) -> None:
    assert "up to date" in run_cli("db", "upgrade", database_url=db, check=True).stdout
    demo = run_cli("demo", database_url=f"sqlite:///{tmp_path / 'unused.db'}", check=True).stdout

    assert "Nightly ticket summaries" in demo and "Top opportunities" in demo
    assert "$48,000" in demo and "$7,500" in demo
    assert not (tmp_path / "unused.db").exists()  # the demo never touches the configured database


def test_the_init_sample_explains_every_inventory_column_and_mode() -> None:
    from batchscout.audit.inventory import COLUMNS
    from batchscout.audit.latency import Mode
    from batchscout.cli.init import YAML_HEADER

    explained = {word.strip(",") for line in YAML_HEADER.splitlines() for word in line.split()[1:3]}

    assert set(COLUMNS) <= explained
    mode_line = next(
        i for i, line in enumerate(YAML_HEADER.splitlines()) if line.startswith("#   mode ")
    )
    mode_text = " ".join(YAML_HEADER.splitlines()[mode_line : mode_line + 2])
    assert all(mode.value in mode_text for mode in Mode)


@pytest.mark.parametrize(("typed", "hint"), [("1.5", "between 0 and 1"), ("0,5", "with a dot")])
def test_a_bad_batch_discount_changes_nothing_and_says_so_once(
    tmp_path: Path, db: str, typed: str, hint: str
) -> None:
    run_cli("import", write(tmp_path, "ref.csv", REFERENCE), "--team", "T0REF", database_url=db)
    before = savings_json(db, "T0REF")

    result = run_cli("rates", "discount", typed, "--team", "T0REF", database_url=db)

    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert message.startswith("Error: Nothing was changed:") and hint in message
    assert "((" not in message and "))" not in message
    assert savings_json(db, "T0REF") == before


@pytest.mark.parametrize("command", [("list", "--team", "T0REF"), ("db", "upgrade"), ("health",)])
def test_a_database_driver_that_is_not_installed_is_one_clear_line(command: tuple[str]) -> None:
    result = run_cli(*command, database_url="postgresql+pg8000://postgres@127.0.0.1:5432/x")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert "driver (pg8000) is not installed" in message and "batchscout[postgres]" in message
