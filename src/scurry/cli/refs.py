"""Naming resources on the command line: `KIND NAME...` or `KIND/NAME...`, as kubectl does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scurry.errors import InvalidInput
from scurry.models.manifest import DEFAULT_NAMESPACE, kind_by_name
from scurry.models.resources import KINDS, KindInfo


@dataclass(frozen=True)
class Target:
    """One named resource."""

    info: KindInfo
    name: str

    @property
    def display(self) -> str:
        """`flinkdeployment.flink.apache.org/NAME`, as `kubectl apply` and `-o name` print."""
        return f"{qualified(self.info)}/{self.name}"

    @property
    def short(self) -> str:
        """`flinkdeployments/NAME`, as kubectl's wait messages say."""
        return f"{self.info.plural}/{self.name}"


@dataclass(frozen=True)
class Selection:
    """What the arguments name: a kind and, possibly, resources (of that kind or others)."""

    kind: KindInfo
    targets: tuple[Target, ...]


def qualified(info: KindInfo) -> str:
    """`flinkdeployment.flink.apache.org`, or `configmap` for the core group (as kubectl)."""
    return f"{info.singular}.{info.group}" if info.group else info.singular


def kind_named(kind: str) -> KindInfo:
    """A kind by its `kind` field (`FlinkDeployment`), as objects spell it."""
    for info in KINDS:
        if info.kind == kind:
            return info
    return kind_by_name(kind)


def select(args: Sequence[str], verb: str) -> Selection:
    """Resolve `KIND [NAME...]` or `KIND/NAME...`; any kubectl name of a kind works."""
    if not args:
        raise InvalidInput(f"you must specify the type of resource to {verb}")
    if "/" in args[0]:
        targets = tuple(_slashed(arg) for arg in args)
        return Selection(targets[0].info, targets)
    info = kind_by_name(args[0])
    for name in args[1:]:
        if "/" in name:
            raise InvalidInput(
                f"there is no need to specify a resource type as a separate argument when "
                f"passing arguments in resource/name form (e.g. 'scurry {verb} {name}')"
            )
    return Selection(info, tuple(Target(info, name) for name in args[1:]))


def _slashed(arg: str) -> Target:
    kind, sep, name = arg.partition("/")
    if not sep or not kind or not name or "/" in name:
        raise InvalidInput(
            f"arguments in resource/name form must have a single resource and name: {arg!r}"
        )
    return Target(kind_by_name(kind), name)


def namespace_or_default(namespace: str | None) -> str:
    return namespace or DEFAULT_NAMESPACE
