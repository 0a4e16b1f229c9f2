"""The inventory format: valid files parse, bad ones are refused whole with every problem listed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from batchscout.audit.assessment import assess_all
from batchscout.audit.inventory import (
    COLUMNS,
    InventoryError,
    parse_csv,
    parse_inventory,
    parse_yaml,
    to_csv,
    to_yaml,
)
from batchscout.audit.latency import Mode
from batchscout.audit.pricing import Provider
from batchscout.audit.savings import Per

HEADER = ",".join(COLUMNS)
GOOD = f"""{HEADER}
Nightly ticket summaries,Summaries for the morning report,U0123ABCD,,,50000,day,,,0.01,schedule,report,day,
Support assist,Live replies,,openai,gpt-4o,"40,000",day,2500,400,,user,on-screen,seconds,sync
Clause extraction,,,bedrock,anthropic.claude-3-5-haiku-20241022-v1:0,30000,day,5000,700,,schedule,system,day,batch
"""


def test_a_valid_file_parses_with_defaults() -> None:
    specs = parse_csv(GOOD)

    assert [s.name for s in specs] == [
        "Nightly ticket summaries",
        "Support assist",
        "Clause extraction",
    ]
    nightly, assist, clauses = specs
    assert nightly.cost_per_request == Decimal("0.01") and nightly.provider is None
    assert nightly.mode is Mode.SYNC  # the default
    assert assist.requests == Decimal(40000) and assist.provider is Provider.OPENAI
    assert clauses.mode is Mode.BATCH and clauses.per is Per.DAY
    assert [s.line for s in specs] == [2, 3, 4]


def test_columns_may_come_in_any_order_and_only_required_ones_are_needed() -> None:
    specs = parse_csv(
        "requests,name,cost_per_request,trigger,reader,freshness\n10,A,0.5,user,on-screen,seconds\n"
    )

    assert specs[0].name == "A" and specs[0].per is Per.MONTH


def test_every_problem_is_listed_by_line_and_column() -> None:
    bad = f"""{HEADER}
,no name,,,,0,fortnight,,,,user,on-screen,seconds,
Dup,,UNOTANID!,openai,,10,day,1.5,,,bot,later,soon,fast
Dup,,,,,10,day,,,0.01,user,on-screen,seconds,
"""
    with pytest.raises(InventoryError) as caught:
        parse_csv(bad)

    found = {(p.line, p.column) for p in caught.value.problems}
    assert {
        (2, "name"),
        (2, "requests"),
        (2, "per"),
        (2, "provider"),
        (3, "owner"),
        (3, "model"),
        (3, "input_tokens"),
        (3, "output_tokens"),
        (3, "trigger"),
        (3, "freshness"),
        (3, "mode"),
        (4, "name"),
    } <= found
    message = str(caught.value)
    assert "nothing was stored" in message
    assert (
        "line 3, column trigger: “bot” is not allowed; use one of `user`, `event`, `schedule`"
        in message
    )
    assert "line 4, column name: “Dup” already appears on line 3" in message
    assert "line 2, column requests: must be a number greater than 0" in message


def test_duplicate_names_are_refused_case_insensitively() -> None:
    text = "name,requests,cost_per_request,trigger,reader,freshness\nA,1,1,user,later,day\na,1,1,user,later,day\n"
    with pytest.raises(InventoryError, match="line 3, column name: “a” already appears on line 2"):
        parse_csv(text)


@pytest.mark.parametrize("other", ["Nightly\u200b job", "Nightly\u00a0job", "ＮＩＧＨＴＬＹ job"])
def test_names_differing_only_by_invisible_or_compatibility_characters_are_duplicates(
    other: str,
) -> None:
    header = "name,requests,cost_per_request,trigger,reader,freshness\n"
    text = f"{header}{other},1,1,user,later,day\nNightly job,1,1,user,later,day\n"
    with pytest.raises(InventoryError) as refused:
        parse_csv(text)
    [problem] = refused.value.problems
    assert (problem.line, problem.column) == (3, "name")
    assert str(problem).endswith("already appears on line 2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("name,requests,colour\n", "line 1, column colour: unknown column"),
        ("name,per\nA,day\n", "line 1, column requests: required column is missing"),
        ("name,requests,cost_per_request,trigger,reader,freshness\n", "has no workflows"),
        (
            "name,requests,cost_per_request,trigger,reader,freshness\nA,1,1,user,later,day,extra\n",
            "line 2: has more cells",
        ),
        ("name,requests\n" + "x" * 200_000 + ",5\n", "line 2: cannot be read as CSV"),
        ("x" * 200_000 + "\n", "line 1: cannot be read as CSV"),
    ],
)
def test_malformed_files(text: str, expected: str) -> None:
    with pytest.raises(InventoryError, match=expected):
        parse_csv(text)


def test_an_unknown_model_is_a_problem_on_its_line() -> None:
    specs = parse_csv(f"{HEADER}\nA,,,openai,gpt-4o-mimi,10,day,100,100,,user,later,day,\n")

    with pytest.raises(InventoryError) as caught:
        assess_all(specs)

    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, "model")
    assert "gpt-4o-mini" in problem.message


def test_csv_round_trips_exactly() -> None:
    specs = parse_csv(GOOD)

    again = parse_csv(to_csv(specs))

    assert [s.__class__(**{**_fields(s), "line": None}) for s in again] == [
        s.__class__(**{**_fields(s), "line": None}) for s in specs
    ]
    assert to_csv(again) == to_csv(specs)


def test_yaml_has_the_same_fields_and_reports_lines() -> None:
    specs = parse_csv(GOOD)
    text = to_yaml(specs)

    assert to_csv(parse_yaml(text)) == to_csv(specs)
    assert to_csv(parse_inventory(text, "inventory.yml")) == to_csv(specs)

    bad = "workflows:\n  - name: A\n    requests: 10\n    cost_per_request: 1\n    trigger: user\n    reader: later\n    freshness: day\n  - name: B\n    requests: -1\n"
    with pytest.raises(InventoryError) as caught:
        parse_yaml(bad)
    assert {(p.line, p.column) for p in caught.value.problems} >= {(8, "requests"), (8, "trigger")}


def test_yaml_syntax_errors_are_reported_with_a_line() -> None:
    with pytest.raises(InventoryError, match="line 3: not valid YAML"):
        parse_yaml("- name: A\n  requests: [\n")


def test_yaml_aliases_are_refused_so_they_cannot_blow_up() -> None:
    """SPEC "Slack that stays inside the company": an inventory never needs aliases."""
    levels = ["  - &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"  - &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    bomb = "anchors:\n" + "\n".join(levels) + "\nworkflows:\n  - name: *a11\n    requests: 1\n"

    with pytest.raises(InventoryError) as caught:
        parse_yaml(bomb)  # 10**12 names if it were ever written out

    problems = caught.value.problems
    assert [p.line for p in problems] == [*range(2, 14), 15]  # one a line, each anchored
    assert all("anchor or alias" in p.message for p in problems)


def _fields(spec: object) -> dict[str, object]:
    return {name: getattr(spec, name) for name in spec.__slots__}  # type: ignore[attr-defined]


def test_yaml_export_writes_numbers_as_numbers() -> None:
    """`requests: '100000'` read as text in every YAML tool; numbers are numbers."""
    text = to_yaml(parse_csv(GOOD))

    assert re.search(r"^  requests: \d+$", text, re.MULTILINE), text
    assert "requests: '" not in text and "cost_per_request: '" not in text
    assert to_csv(parse_yaml(text)) == to_csv(parse_csv(GOOD))
