"""Frozen records: what `@dataclass(frozen=True)` gives the model's classes,
made without the dataclasses module.

Every `warroom note` or `warroom list` is a fresh process, and the classes
the store hands out are defined at each start. The dataclasses module costs
about 12 ms to import (it loads inspect, ast, dis, tokenize...) and then
compiles five or six methods per class (another ~1 ms each). Here the shared
methods (repr, equality, hash, frozenness) are written once below, so only
`__init__` is generated per class, in one small compile, and only once the
class has made COMPILED_AFTER records: before that, a generic `__init__`
binds the arguments (a few microseconds a record more, no compile). A
process makes few of the kinds it defines, and most of those a handful of
times: the war room's start made 19 kinds of record, and compiling them all
cost it ~3 ms; two kinds (the timeline's entries, the schema's columns) are
made by the hundred and are compiled.

A record behaves as the frozen dataclass did: positional or keyword
arguments in field order, defaults and `field(default_factory=...)`,
equality and hash over the fields (only between records of the same class),
the dataclass repr, assignment refused with `FrozenError` (an
AttributeError, as `dataclasses.FrozenInstanceError` is), `__match_args__`,
and `replace(record, **changes)` for `dataclasses.replace`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")

# A class's __init__ is compiled when it makes its COMPILED_AFTER-th record.
COMPILED_AFTER = 16


class FrozenError(AttributeError):
    """A record's fields cannot be assigned or deleted."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A default made fresh for each record (a dict, a list)."""
    return _Factory(default_factory)


def _repr(self: Any) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__)
    return f"{self.__class__.__qualname__}({inner})"


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in self.__record_fields__)


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is self.__class__:
        return _values(self) == _values(other)
    return NotImplemented  # type: ignore[no-any-return]  # typeshed: a subclass of Any


def _hash(self: Any) -> int:
    return hash(_values(self))


def _setattr(self: Any, name: str, value: object) -> None:
    raise FrozenError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenError(f"cannot delete field {name!r}")


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record with some fields changed (dataclasses.replace)."""
    values = {name: getattr(obj, name) for name in obj.__record_fields__}  # type: ignore[attr-defined]
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__qualname__} has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(obj)(**values)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Make cls a frozen record of its annotated fields (in their order)."""
    names = tuple(cls.__dict__.get("__annotations__", {}))
    qualname = cls.__qualname__
    defaults: dict[str, Any] = {}
    makers: dict[str, Callable[[], Any]] = {}
    for name in names:
        default = cls.__dict__.get(name, _Factory)
        if isinstance(default, _Factory):
            makers[name] = default.make
            delattr(cls, name)  # as dataclasses does: no shared class-level default
        elif default is not _Factory:
            defaults[name] = default
        elif defaults or makers:
            raise TypeError(f"{qualname}: a field without a default follows one with")

    def compiled() -> Callable[..., None]:
        """The __init__ for records made often: bound by Python itself."""
        env: dict[str, Any] = {"_Factory": _Factory}
        params, body = [], []
        for name in names:
            value = name
            if name in makers:
                env[f"_make_{name}"] = makers[name]
                params.append(f"{name}=_Factory")
                value = f"_make_{name}() if {name} is _Factory else {name}"
            elif name in defaults:
                env[f"_default_{name}"] = defaults[name]
                params.append(f"{name}=_default_{name}")
            else:
                params.append(name)
            body.append(f"    d[{name!r}] = {value}")
        lines = [f"def __init__(self, {', '.join(params)}):", "    d = self.__dict__", *body]
        exec("\n".join(lines if body else [*lines, "    pass"]), env)  # noqa: S102 - our field names
        init: Callable[..., None] = env["__init__"]
        init.__qualname__ = f"{qualname}.__init__"
        return init

    count = [0]  # records made so far

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        count[0] += 1
        if count[0] >= COMPILED_AFTER:
            # Made often: compiled (fast per record), then put in place of this one.
            init = compiled()
            type.__setattr__(cls, "__init__", init)
            init(self, *args, **kwargs)
            return
        if len(args) > len(names):
            raise TypeError(
                f"{qualname}.__init__() takes {len(names) + 1} positional arguments"
                f" but {len(args) + 1} were given"
            )
        d = self.__dict__
        for name, value in zip(names, args, strict=False):
            d[name] = value
        for name in names[len(args) :]:
            if name in kwargs:
                d[name] = kwargs.pop(name)
            elif name in makers:
                d[name] = makers[name]()
            elif name in defaults:
                d[name] = defaults[name]
            else:
                raise TypeError(f"{qualname}.__init__() missing required argument: {name!r}")
        if kwargs:
            name = next(iter(kwargs))
            said = "multiple values for" if name in names else "an unexpected keyword"
            raise TypeError(f"{qualname}.__init__() got {said} argument {name!r}")

    __init__.__qualname__ = f"{qualname}.__init__"
    methods = {
        "__init__": __init__,
        "__repr__": _repr,
        "__eq__": _eq,
        "__hash__": _hash,
        "__setattr__": _setattr,
        "__delattr__": _delattr,
    }
    for attr, method in methods.items():
        if attr not in cls.__dict__:
            setattr(cls, attr, method)  # on the class: type's setattr, not ours
    cls.__record_fields__ = names  # type: ignore[attr-defined]
    cls.__match_args__ = names  # type: ignore[attr-defined, misc]  # set as dataclasses does
    return cls
