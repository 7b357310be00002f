"""Who may do what: the one place where roles and district scope are decided.

Roles (DESIGN.md): an ``inspector`` works on the sites and inspections of their districts;
a ``supervisor`` sees everything in their districts and reviews; an ``admin`` sees
everything and manages checklists, sites and users. Services call these checks; handlers
never decide access themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from shared_schema.errors import Code
from sync_server.core.errors import Forbidden, NotFound, bi


@dataclass(frozen=True)
class Actor:
    """The signed-in user a service acts for."""

    user_id: str
    username: str
    role: str
    districts: frozenset[str] = field(default_factory=frozenset)
    full_name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# A built-in actor for operator commands (CLI) that run with admin rights.
SYSTEM = Actor(user_id="system", username="system", role="admin")

REVIEWERS = frozenset({"supervisor", "admin"})
ROLE_LABELS = {"inspector": "thanh tra viên / inspector", "supervisor": "giám sát / supervisor", "admin": "quản trị"}


def visible_districts(actor: Actor) -> frozenset[str] | None:
    """The districts ``actor`` may see, or ``None`` for all of them."""
    return None if actor.is_admin else actor.districts


def pull_scope(actor: Actor) -> str:
    """An opaque token of what ``actor`` may pull: equal tokens, equal visibility. It changes
    when an admin changes the user's districts (or makes them admin), which tells the device
    to pull again from cursor 0 (PROTOCOL.md §7)."""
    districts = visible_districts(actor)
    text = "*" if districts is None else "\n".join(sorted(districts))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def can_see_district(actor: Actor, district: str | None) -> bool:
    return actor.is_admin or (district is not None and district in actor.districts)


def require_role(actor: Actor, roles: Iterable[str], action_vi: str, action_en: str) -> None:
    allowed = frozenset(roles)
    if actor.role not in allowed:
        raise Forbidden(
            bi(
                f"Vai trò của bạn không được phép {action_vi}. Hãy nhờ người có quyền thực hiện.",
                f"Your role may not {action_en}. Ask someone with that right to do it.",
            ),
            code=Code.NOT_PERMITTED,
        )


def require_admin(actor: Actor, action_vi: str, action_en: str) -> None:
    require_role(actor, {"admin"}, action_vi, action_en)


def require_reviewer(actor: Actor) -> None:
    require_role(actor, REVIEWERS, "duyệt biên bản", "review inspections")


def require_district(actor: Actor, district: str | None, what_vi: str, what_en: str, *, found: bool = True) -> None:
    """Refuse with 404 (not 403) outside scope, so ids in other districts are not revealed;
    ``found=False`` (no such row) is a 404 for everyone, admins included."""
    if not found and actor.is_admin:
        raise NotFound(bi(f"Không có {what_vi} này.", f"There is no such {what_en}."), code=Code.NOT_FOUND)
    if not found or not can_see_district(actor, district):
        raise NotFound(
            bi(
                f"Không tìm thấy {what_vi} trong các huyện bạn phụ trách.",
                f"No such {what_en} in the districts assigned to you.",
            ),
            code=Code.OUT_OF_SCOPE,
        )


def district_filter(actor: Actor, column: str) -> tuple[str, list[str]]:
    """A SQL condition (starting with `` AND``) limiting ``column`` to the actor's districts."""
    districts = visible_districts(actor)
    if districts is None:
        return "", []
    if not districts:
        return " AND 1 = 0", []
    marks = ", ".join("?" for _ in districts)
    return f" AND {column} IN ({marks})", sorted(districts)
