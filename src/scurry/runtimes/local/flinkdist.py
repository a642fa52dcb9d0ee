"""The Flink distribution inside the `apache-flink` wheels: where its parts are.

The wheels carry a whole Flink home under the `pyflink` package (lib, opt,
plugins, conf, bin). Nothing is copied out of it; JVMs read it in place.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from scurry.config.flinkconf import flatten
from scurry.errors import RuntimeFailure

PYTHON_DRIVER = "org.apache.flink.client.python.PythonDriver"
SESSION_ENTRYPOINT = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint"
TASK_MANAGER_RUNNER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"
MEMORY_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils"


@dataclass(frozen=True)
class FlinkDist:
    home: Path

    @classmethod
    def locate(cls, configured: Path | None = None) -> FlinkDist:
        """The configured Flink home, else the one inside the installed `pyflink` package."""
        if configured is not None:
            return cls(configured.resolve())
        spec = importlib.util.find_spec("pyflink")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeFailure(
                "the local runtime needs the Flink wheels: install scurry with the `local` "
                "extra (pip install 'scurry[local]')"
            )
        return cls(Path(next(iter(spec.submodule_search_locations))).resolve())

    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def opt(self) -> Path:
        return self.home / "opt"

    @property
    def plugins(self) -> Path:
        return self.home / "plugins"

    @property
    def conf(self) -> Path:
        return self.home / "conf"

    @property
    def bin(self) -> Path:
        return self.home / "bin"

    @cached_property
    def dist_jar(self) -> Path:
        return self._one(self.lib, "flink-dist-*.jar")

    @cached_property
    def python_jar(self) -> Path:
        return self._one(self.opt, "flink-python-*.jar")

    @cached_property
    def version(self) -> str:
        """The Flink version of the wheel, from its dist jar name (flink-dist-2.3.0.jar)."""
        return self.dist_jar.stem.removeprefix("flink-dist-")

    @cached_property
    def default_config(self) -> dict[str, str]:
        """The wheel's own config.yaml, flattened (the Java 17 module options live there)."""
        with open(self.conf / "config.yaml", encoding="utf-8") as handle:
            return flatten(yaml.safe_load(handle) or {})

    @property
    def java_module_options(self) -> list[str]:
        return self.default_config.get("env.java.opts.all", "").split()

    @property
    def python(self) -> str:
        """The interpreter scurry runs under: it has pyflink, so Python jobs run with it."""
        return sys.executable

    def _one(self, directory: Path, pattern: str) -> Path:
        found = sorted(directory.glob(pattern))
        if not found:
            raise RuntimeFailure(f"no {pattern} in {directory}: is apache-flink installed whole?")
        return found[0]
