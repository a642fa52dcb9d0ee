"""A statement's kind and traits from the planner's analysis (pure)."""

from __future__ import annotations

from scurry.services.cmf.sql_kinds import Kind, classify, data_type

PLAN_UPSERT = (
    "== Optimized Physical Plan ==\n"
    "GroupAggregate(groupBy=[id], select=[id, COUNT(*) AS c], changelogMode=[I,UA])\n"
    "+- Exchange(distribution=[hash[id]], changelogMode=[I])\n"
)


def test_a_grouped_query_is_an_unbounded_updating_select_with_upsert_columns() -> None:
    found = classify(
        {
            "operation": "PlannerQueryOperation",
            "sources": ["CONTINUOUS_UNBOUNDED"],
            "plan": PLAN_UPSERT,
            "upsertKeys": [[0]],
            "columns": [{"name": "id", "type": "INT"}, {"name": "c", "type": "BIGINT NOT NULL"}],
        }
    )
    assert isinstance(found, Kind)
    assert (found.mode, found.sql_kind) == ("interactive", "SELECT")
    assert found.traits["isBounded"] is False
    assert found.traits["isAppendOnly"] is False
    assert found.traits["upsertColumns"] == [0]
    assert found.traits["schema"]["columns"][1] == {
        "name": "c",
        "type": {"type": "BIGINT", "nullable": False},
    }


def test_kinds_of_other_statements() -> None:
    def kind(operation: str) -> tuple[str, str]:
        found = classify({"operation": operation, "sources": ["BOUNDED"]})
        assert isinstance(found, Kind)
        return found.mode, found.sql_kind

    assert kind("SinkModifyOperation") == ("detached", "INSERT_INTO")
    assert kind("CreateTableOperation") == ("catalog", "CREATE_TABLE")
    assert kind("DropViewOperation") == ("catalog", "DROP_VIEW")
    assert kind("ShowTablesOperation") == ("immediate", "SHOW_TABLES")
    assert kind("DescribeTableOperation") == ("immediate", "DESCRIBE_TABLE")
    assert kind("UseCatalogOperation") == ("session", "USE_CATALOG")
    assert "not supported" in str(classify({"operation": "LoadModuleOperation"}))


def test_data_types_carry_length_precision_and_scale() -> None:
    assert data_type("VARCHAR(10) NOT NULL") == {"type": "VARCHAR", "nullable": False, "length": 10}
    assert data_type("DECIMAL(10, 2)") == {
        "type": "DECIMAL",
        "nullable": True,
        "precision": 10,
        "scale": 2,
    }
    assert data_type("TIMESTAMP(3)") == {"type": "TIMESTAMP", "nullable": True, "precision": 3}
