"""Operator-wide defaults: FKO's default configuration, plain and scoped, and its file."""

from __future__ import annotations

import logging
import os
import textwrap
from pathlib import Path

import pytest

from scurry.bootstrap import DefaultsFile, defaults_path
from scurry.config.defaults import profile_defaults
from scurry.config.operator_defaults import OperatorDefaults
from scurry.config.settings import Settings
from scurry.core.observation import ControlConfig

NS = "kubernetes.operator.default-configuration.namespace"
V = "kubernetes.operator.default-configuration.flink-version"
SLOTS = "taskmanager.numberOfTaskSlots"


def parse(text: str) -> OperatorDefaults:
    return OperatorDefaults.parse(text)


def resolved(defaults: OperatorDefaults, namespace: str | None, version: str | None) -> dict:
    return ControlConfig(defaults={}, operator_defaults=defaults).defaults_for(namespace, version)


class TestParsing:
    def test_flat_keys_split_into_plain_namespace_and_version_scopes(self) -> None:
        defaults = parse(
            textwrap.dedent(
                f"""
                {SLOTS}: 2
                {NS}.team-a.{SLOTS}: 4
                {NS}.team-a.state.backend.type: rocksdb
                {V}.v2_3.pipeline.object-reuse: true
                {V}.v1_19+.env.java.opts.all: -XX:+UseG1GC
                """
            )
        )

        assert defaults.plain == {SLOTS: "2"}
        assert defaults.namespaces == {"team-a": {SLOTS: "4", "state.backend.type": "rocksdb"}}
        assert defaults.versions == {
            "v2_3": {"pipeline.object-reuse": "true"},
            "v1_19+": {"env.java.opts.all": "-XX:+UseG1GC"},
        }

    def test_nested_yaml_is_flattened_like_flink_conf(self) -> None:
        nested = parse(
            """
kubernetes.operator.default-configuration:
  namespace:
    team-a:
      taskmanager:
        numberOfTaskSlots: 4
  flink-version:
    v2_3:
      pipeline.object-reuse: true
taskmanager.numberOfTaskSlots: 2
"""
        )
        flat = parse(f"{SLOTS}: 2\n{NS}.team-a.{SLOTS}: 4\n{V}.v2_3.pipeline.object-reuse: true")
        assert nested == flat

    @pytest.mark.parametrize("text", ["", "# only a comment\n", "~"])
    def test_an_empty_file_has_no_defaults(self, text: str) -> None:
        assert parse(text) == OperatorDefaults()

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("a: [1, 2", "not valid YAML"),
            ("- a\n- b\n", "must be a map"),
            (f"{V}.2_3.k: v", "not a Flink version"),
            (f"{V}.latest.k: v", "not a Flink version"),
            (f"{NS}.team-a: v", "expected kubernetes.operator.default-configuration.namespace."),
        ],
    )
    def test_a_broken_file_says_what_is_wrong(self, text: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse(text)


class TestScoping:
    DEFAULTS = parse(
        "\n".join(
            [
                f"{SLOTS}: 1",
                "a: plain",
                f"{NS}.team-a.{SLOTS}: 4",
                f"{NS}.team-a.b: namespace",
                f"{NS}.team-b.{SLOTS}: 8",
                f"{V}.v2_3.{SLOTS}: 6",
                f"{V}.v1_19+.c: from-1.19",
                f"{V}.v2_1+.c: from-2.1",
                f"{V}.v2_2+.d: from-2.2",
                f"{V}.v2_4.e: only-2.4",
            ]
        )
    )

    def test_plain_keys_apply_to_every_resource(self) -> None:
        assert resolved(self.DEFAULTS, "other", None) == {SLOTS: "1", "a": "plain"}

    def test_a_namespace_gets_its_own_keys_and_no_other_namespaces(self) -> None:
        config = resolved(self.DEFAULTS, "team-a", None)
        assert config == {SLOTS: "4", "a": "plain", "b": "namespace"}

    def test_a_version_default_wins_over_a_namespace_default_as_in_fko(self) -> None:
        assert resolved(self.DEFAULTS, "team-a", "v2_3")[SLOTS] == "6"
        assert resolved(self.DEFAULTS, "team-a", "v2_2")[SLOTS] == "4"

    def test_plus_versions_apply_to_newer_versions_newest_scope_last(self) -> None:
        assert resolved(self.DEFAULTS, None, "v1_18") == {SLOTS: "1", "a": "plain"}
        assert resolved(self.DEFAULTS, None, "v1_20")["c"] == "from-1.19"
        v2_3 = resolved(self.DEFAULTS, None, "v2_3")
        assert (v2_3["c"], v2_3["d"]) == ("from-2.1", "from-2.2")
        assert "e" not in v2_3
        assert resolved(self.DEFAULTS, None, "v2_4")["e"] == "only-2.4"

    def test_an_exact_version_wins_over_a_plus_version(self) -> None:
        defaults = parse(f"{V}.v2_3.k: exact\n{V}.v2_0+.k: plus")
        assert resolved(defaults, None, "v2_3")["k"] == "exact"
        assert resolved(defaults, None, "v2_4")["k"] == "plus"


class TestPrecedence:
    def test_scurry_then_runtime_then_file_then_scopes(self) -> None:
        control = ControlConfig(
            defaults={"web.cancel.enable": "false", "x": "scurry", "y": "scurry"},
            operator_defaults=parse(f"x: file\n{NS}.ns.y: namespace\n{V}.v2_3.y: version"),
        )
        runtime = {"execution.checkpointing.dir": "file:///rt", "x": "runtime"}

        config = control.defaults_for("ns", "v2_3", runtime)

        assert config == {
            "web.cancel.enable": "false",
            "execution.checkpointing.dir": "file:///rt",
            "x": "file",
            "y": "version",
        }
        sources = [source for source, _ in control.layers("ns", "v2_3", runtime)]
        assert sources == ["scurry", "runtime", "defaults", "namespace", "flink-version"]

    def test_a_default_under_an_old_key_name_replaces_the_new_one(self) -> None:
        control = ControlConfig(
            defaults=profile_defaults("local"),
            operator_defaults=parse("state.checkpoints.num-retained: 5"),
        )
        config = control.defaults_for("default", None)
        assert config["state.checkpoints.num-retained"] == "5"
        assert "execution.checkpointing.num-retained" not in config

    def test_without_a_file_the_defaults_are_scurrys(self) -> None:
        control = ControlConfig(defaults=profile_defaults("local"))
        assert control.defaults_for("ns", "v2_3") == profile_defaults("local")


class TestDefaultsFile:
    def test_the_file_is_under_the_home_unless_settings_name_one(self, tmp_path: Path) -> None:
        assert defaults_path(Settings(home=tmp_path)) == tmp_path / "defaults.yaml"
        other = tmp_path / "conf" / "operator.yaml"
        assert defaults_path(Settings(home=tmp_path, defaults_file=other)) == other

    def test_settings_read_scurry_defaults_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("SCURRY_DEFAULTS_FILE", str(tmp_path / "d.yaml"))
        assert defaults_path(Settings(home=tmp_path)) == tmp_path / "d.yaml"

    def test_no_file_means_no_defaults_and_no_error(self, tmp_path: Path) -> None:
        source = DefaultsFile(tmp_path / "defaults.yaml")
        assert source.current() is None
        assert source.error is None

    def test_the_file_is_read_again_when_it_changes(self, tmp_path: Path) -> None:
        path = tmp_path / "defaults.yaml"
        path.write_text(f"{SLOTS}: 2\n")
        source = DefaultsFile(path)
        assert source.current() == parse(f"{SLOTS}: 2")

        write(path, f"{SLOTS}: 3\n{NS}.a.k: v\n")

        assert source.current() == parse(f"{SLOTS}: 3\n{NS}.a.k: v")

    def test_a_broken_file_keeps_the_last_good_defaults_and_says_why(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        path = tmp_path / "defaults.yaml"
        path.write_text(f"{SLOTS}: 2\n")
        source = DefaultsFile(path)
        good = source.current()

        write(path, f"{SLOTS}: [2\n")
        with caplog.at_level(logging.ERROR, logger="scurry.bootstrap"):
            assert source.current() == good
            assert source.current() == good

        assert source.error is not None
        assert "not valid YAML" in source.error
        assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1

        write(path, f"{SLOTS}: 4\n")
        assert source.current() == parse(f"{SLOTS}: 4")
        assert source.error is None

    def test_a_file_broken_from_the_start_gives_no_defaults(self, tmp_path: Path) -> None:
        path = tmp_path / "defaults.yaml"
        path.write_text("- not\n- a map\n")
        source = DefaultsFile(path)
        assert source.current() is None
        assert source.error == "must be a map of Flink configuration keys"

    def test_a_removed_file_removes_the_defaults(self, tmp_path: Path) -> None:
        path = tmp_path / "defaults.yaml"
        path.write_text(f"{SLOTS}: 2\n")
        source = DefaultsFile(path)
        assert source.current() is not None
        path.unlink()
        assert source.current() is None


def write(path: Path, text: str) -> None:
    """Rewrite `path` with a later mtime, as an edit a moment later would."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))
