"""The value every rule returns: allowed or not, a reason code, and its parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def _frozen(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(params or {}))


@dataclass(frozen=True)
class Decision:
    """An answer with its reason code (snake_case, translated at the edge) and parameters."""

    allowed: bool
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def allow(cls, reason: str, **params: Any) -> Decision:
        return cls(True, reason, _frozen(params))

    @classmethod
    def refuse(cls, reason: str, **params: Any) -> Decision:
        return cls(False, reason, _frozen(params))

    def __bool__(self) -> bool:
        return self.allowed
