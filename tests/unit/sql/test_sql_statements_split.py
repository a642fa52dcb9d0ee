"""Splitting SQL scripts, SET / RESET, and what the script runner submits (no JVM)."""

from __future__ import annotations

import pytest

from scurry.sqlrunner.statements import ScriptError, SetCommand, parse_set, split


def test_semicolons_in_quotes_and_comments_do_not_split() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (a STRING) WITH ('connector' = 'datagen', 'x' = 'a;b');
    /* block; comment */ INSERT INTO s SELECT `we;ird` FROM t;
    SELECT 'it''s; fine';
    """
    assert split(script) == [
        "CREATE TABLE t (a STRING) WITH ('connector' = 'datagen', 'x' = 'a;b')",
        "INSERT INTO s SELECT `we;ird` FROM t",
        "SELECT 'it''s; fine'",
    ]


def test_a_statement_set_block_becomes_one_statement() -> None:
    script = "BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND;"
    assert split(script) == [
        "EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND"
    ]


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ("SELECT 'open", "unclosed ' quote"),
        ("SELECT 1 /* open", "unclosed comment"),
        ("BEGIN STATEMENT SET; INSERT INTO a SELECT 1;", "END; is missing"),
    ],
)
def test_broken_scripts_are_refused_with_the_reason(script: str, problem: str) -> None:
    with pytest.raises(ScriptError, match=problem):
        split(script)


def test_set_and_reset_are_parsed_and_malformed_ones_refused() -> None:
    assert parse_set("SET 'a.b' = 'it''s'") == SetCommand("a.b", "it's")
    assert parse_set("RESET 'a.b'") == SetCommand("a.b", None)
    assert parse_set("RESET") == SetCommand(None, None)
    assert parse_set("SELECT 1") is None
    with pytest.raises(ScriptError, match="single quotes"):
        parse_set("SET a = b")
