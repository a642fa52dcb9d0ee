"""Lists the CMF way: filter, search, sort, page, sparse fields, in that order.

The query parameters mirror Spring Data's pageable, as CMF's do: `page` is
zero-based, `size` the page size, `sort` repeatable `property,asc|desc`.
Like Spring, a negative page counts as the first page, a size outside
1..MAX_SIZE is brought into it and a `sort` without a property is ignored, so
such requests are answered rather than refused; a sort property or filter
that cannot be understood is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scurry.errors import InvalidInput
from scurry.models.cmf import Page, Pageable, PageMetadata, Sort
from scurry.services.cmf.filters import Fields, parse_filter

Item = dict[str, Any]
DEFAULT_SIZE = 20
MAX_SIZE = 1000


@dataclass(frozen=True)
class ListQuery:
    page: int = 0
    size: int = DEFAULT_SIZE
    sort: tuple[str, ...] = ()
    filter: str | None = None
    search: str | None = None
    search_scope: str | None = None
    fields: str | None = None

    @classmethod
    def of(
        cls,
        page: int | None = None,
        size: int | None = None,
        sort: Sequence[str] | None = None,
        filter: str | None = None,
        search: str | None = None,
        search_scope: str | None = None,
        fields: str | None = None,
    ) -> ListQuery:
        search, search_scope = search or None, search_scope or None  # blank means not given
        if (search is None) != (search_scope is None):
            given, missing = (
                ("search", "searchScope") if search is not None else ("searchScope", "search")
            )
            raise InvalidInput(f"{missing}: required when {given} is given (use both or neither)")
        wanted = DEFAULT_SIZE if size is None or size < 1 else size
        return cls(
            page=max(page or 0, 0),
            size=min(wanted, MAX_SIZE),
            sort=tuple(entry for entry in sort or () if entry.partition(",")[0].strip()),
            filter=filter,
            search=search,
            search_scope=search_scope,
            fields=fields,
        )


@dataclass(frozen=True)
class ListRules:
    """What a resource's lists support, as getters over its rendered items."""

    fields: Fields
    sort_keys: Mapping[str, Callable[[Item], Any]]
    search_scopes: Mapping[str, Callable[[Item], Any]] = field(default_factory=dict)
    default_order: Callable[[Item], Any] | None = None
    exact_scopes: frozenset[str] = frozenset()  # scopes that match whole values, not substrings
    always_fields: tuple[str, ...] = ("metadata.name",)  # kept by sparse fieldsets


def keep_order(_: Item) -> int:
    """A default order that keeps the order items were given in (the sort is stable)."""
    return 0


def page_of(
    items: Iterable[Item],
    query: ListQuery,
    rules: ListRules,
    finish: Callable[[Item], Item] | None = None,
) -> dict[str, Any]:
    """The envelope for `items` under `query`: rendered, or views holding every field the
    rules read that `finish` renders once they are on the page (rendering is what costs)."""
    chosen = parse_filter(query.filter, rules.fields)
    matched = [item for item in items if chosen.matches(item, rules.fields)]
    matched = _searched(matched, query, rules)
    orders = [_order(text, rules) for text in query.sort]
    matched.sort(key=_sort_key(rules.default_order or rules.fields.name))
    for key, descending in reversed(orders):  # stable sorts, the last criterion first
        matched.sort(key=_sort_key(key), reverse=descending)
    start = query.page * query.size
    page = matched[start : start + query.size]
    if finish is not None:
        page = [finish(item) for item in page]
    shown = [_sparse(item, query.fields, rules.always_fields) for item in page]
    envelope = Page(
        pageable=Pageable(
            page=query.page,
            size=query.size,
            sort=Sort(sorted=bool(orders), unsorted=not orders, empty=not orders),
        ),
        metadata=PageMetadata(size=len(matched)),
        items=shown,
    )
    return envelope.to_wire()


def _searched(items: list[Item], query: ListQuery, rules: ListRules) -> list[Item]:
    if query.search is None or query.search_scope is None:
        return items
    scopes = [part.strip() for part in query.search_scope.split(",") if part.strip()]
    if not scopes:
        raise InvalidInput("searchScope: must name at least one field")
    unknown = [scope for scope in scopes if scope not in rules.search_scopes]
    if unknown:
        supported = ", ".join(rules.search_scopes) or "none"
        raise InvalidInput(
            f"searchScope: unsupported field {unknown[0]!r} (supported: {supported})"
        )
    term = query.search
    return [
        item
        for item in items
        if any(
            _found(rules.search_scopes[scope](item), term, scope in rules.exact_scopes)
            for scope in scopes
        )
    ]


def _found(value: Any, term: str, exact: bool) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(
        entry is not None and (str(entry) == term if exact else term in str(entry))
        for entry in values
    )


def _order(text: str, rules: ListRules) -> tuple[Callable[[Item], Any], bool]:
    prop, _, direction = (part.strip() for part in text.partition(","))
    if prop not in rules.sort_keys:
        supported = ", ".join(rules.sort_keys)
        raise InvalidInput(f"sort: unknown property {prop!r} (supported: {supported})")
    if direction.lower() not in ("", "asc", "desc"):
        raise InvalidInput(f"sort: direction of {prop!r} must be asc or desc, got {direction!r}")
    return rules.sort_keys[prop], direction.lower() == "desc"


def _sort_key(getter: Callable[[Item], Any]) -> Callable[[Item], tuple[int, float, str]]:
    """A key that orders any mix of values: numbers, then text, then missing values."""

    def key(item: Item) -> tuple[int, float, str]:
        value = getter(item)
        if value is None:
            return (2, 0.0, "")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return (1, 0.0, str(value))
        return (0, float(value), "")

    return key


def _sparse(item: Item, fields: str | None, always: tuple[str, ...]) -> Item:
    """The dotted paths asked for, plus apiVersion, kind and the resource's `always` paths.

    Objects the item has but the paths leave out stay as `{}`, so the answer keeps the
    shape the spec requires (a Savepoint without `spec` would not be one).
    """
    if fields is None or not fields.strip():
        return item
    result: Item = {key: item[key] for key in ("apiVersion", "kind") if key in item}
    wanted = [part.strip() for part in fields.split(",") if part.strip()]
    for path in (*wanted, *always):
        _copy_path(item, result, path.split("."))
    for key, value in item.items():
        if isinstance(value, dict) and key not in result:
            result[key] = {}
    return result


def _copy_path(source: Item, target: Item, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if not isinstance(source, dict) or head not in source:
        return
    if not rest:
        target[head] = source[head]
        return
    if not isinstance(source[head], dict):
        return
    branch = target.setdefault(head, {})
    if isinstance(branch, dict):
        _copy_path(source[head], branch, rest)


def path_getter(path: str) -> Callable[[Item], Any]:
    """A getter for a dotted path of a rendered item (None where it is absent)."""
    parts = path.split(".")

    def get(item: Item) -> Any:
        value: Any = item
        for part in parts:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    return get


def v2_rules(
    extra_sort: Mapping[str, Callable[[Item], Any]] | None = None,
    *,
    extra_filters: Mapping[str, Callable[[Item], Any]] | None = None,
    search_scopes: Mapping[str, Callable[[Item], Any]] | None = None,
    default_order: Callable[[Item], Any] | None = None,
    exact_scopes: frozenset[str] = frozenset(),
    always_fields: tuple[str, ...] = (),
) -> ListRules:
    """The rules of a resource with `metadata` (every resource but Environment);
    `always_fields` are the paths the spec requires beyond `metadata.name`."""
    name = path_getter("metadata.name")
    created = path_getter("metadata.creationTimestamp")
    updated = path_getter("metadata.updateTimestamp")
    sort_keys = {
        "name": name,
        "metadata.name": name,
        "creationTimestamp": created,
        "metadata.creationTimestamp": created,
        "updateTimestamp": updated,
        "metadata.updateTimestamp": updated,
        **(extra_sort or {}),
    }
    return ListRules(
        fields=Fields(name, path_getter("metadata.labels"), dict(extra_filters or {})),
        sort_keys=sort_keys,
        search_scopes=dict(search_scopes or {}),
        default_order=default_order,
        exact_scopes=exact_scopes,
        always_fields=("metadata.name", *always_fields),
    )
