

async def test_an_inserts_savepoints_are_snapshots_of_its_job(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    await run(cmf, "create-words", SOURCE)
    await run(cmf, "insert", "INSERT INTO sink SELECT * FROM words")
    path = f"{ENV}/statements/insert/savepoints"
    made = await cmf.ok("POST", path, 201, json={"metadata": {"name": "before-upgrade"}})
    assert made["status"]["state"] == "TRIGGER_PENDING"
    snapshot = await cmf.store.get("FlinkStateSnapshot", NS, "before-upgrade")
    assert snapshot["spec"]["jobReference"] == {"kind": "FlinkSessionJob", "name": "stmt-insert"}
    listed = await cmf.ok("GET", path)
    assert [s["metadata"]["name"] for s in listed["items"]] == ["before-upgrade"]
    message = await cmf.error("POST", f"{ENV}/statements/create-words/savepoints", 404, json={})
    assert "only INSERT statements" in message
    await cmf.ok("DELETE", f"{path}/before-upgrade", 204)
