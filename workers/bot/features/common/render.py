"""Text builders of the common commands: /help, the menu caption, the profile, role targets."""

from __future__ import annotations

from collections.abc import Iterable

from shared.clients.models.users import User, UserAddress
from workers.bot.core.auth import AuthContext
from workers.bot.core.catalog import CommandSpec
from workers.bot.core.ui import (
    link_status,
    role_groups,
    role_label,
    safe,
    specialization_label,
    tr,
    user_status_label,
)
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.common import texts

__all__ = ["help_text", "menu_caption", "profile_text", "switch_targets", "visible_commands"]


def visible_commands(specs: Iterable[CommandSpec], auth: AuthContext) -> list[CommandSpec]:
    """The commands this user may run now: by status, then by active role."""
    status = auth.status
    shown: list[CommandSpec] = []
    for spec in specs:
        if not spec.is_enabled:
            continue
        if spec.access == "anyone":
            ok = True
        elif spec.access == "registered":
            ok = status in ("pending", "approved")
        else:
            ok = status == "approved" and spec.allows_role(auth.active_role)
        if ok:
            shown.append(spec)
    return sorted(shown, key=lambda s: s.sort_order)


def help_text(specs: Iterable[CommandSpec], auth: AuthContext, locale: str, support: str) -> str:
    lines = [tr(texts.HELP_HEADER, locale)]
    lines.extend(
        tr(
            texts.HELP_LINE,
            locale,
            command=f"/{spec.command}",
            description=safe(spec.description(locale), 256),
        )
        for spec in visible_commands(specs, auth)
    )
    if auth.status == "approved":
        lines += ["", tr(texts.HELP_BUTTONS, locale)]
    if support:
        lines += ["", tr(texts.HELP_SUPPORT, locale, support=safe(support, 100))]
    return "\n".join(lines)


def menu_caption(auth: AuthContext, locale: str | None = None) -> str:
    return tr(texts.MENU_FOR_ROLE, locale, role=safe(role_label(auth.active_role, locale)))


def switch_targets(user: User) -> list[str]:
    """The roles to offer: one per role group other than the active one's (admin over manager)."""
    active = role_groups([user.active_role] if user.active_role else [])
    targets: list[str] = []
    for group in role_groups(user.roles):
        if group in active:
            continue
        if group == "staff":
            targets.append("admin" if "admin" in user.roles else "manager")
        else:
            targets.append(group)
    return targets


def _name(user: User) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part) or "—"


def profile_text(user: User, links: list[UserAddress], locale: str | None = None) -> str:
    lines = [
        tr(texts.PROFILE_TITLE, locale),
        tr(texts.PROFILE_NAME, locale, name=safe(_name(user), 128)),
    ]
    if user.username:
        lines.append(tr(texts.PROFILE_USERNAME, locale, username=safe(f"@{user.username}", 64)))
    if user.phone:
        lines.append(tr(texts.PROFILE_PHONE, locale, phone=safe(user.phone, 32)))
    else:
        lines.append(tr(texts.PROFILE_NO_PHONE, locale))
    lines.append(
        tr(texts.PROFILE_STATUS, locale, status=safe(user_status_label(user.status, locale)))
    )
    roles = ", ".join(role_label(role, locale) for role in user.roles)
    lines.append(tr(texts.PROFILE_ROLES, locale, roles=safe(roles)))
    if len(user.roles) > 1 and user.active_role:
        active = role_label(user.active_role, locale)
        lines.append(tr(texts.PROFILE_ACTIVE_ROLE, locale, role=safe(active)))
    if user.specializations:
        names = ", ".join(specialization_label(s, locale) for s in user.specializations)
        lines.append(tr(ui_texts.PROFILE_SPECIALIZATIONS, locale, specializations=safe(names)))
    if links:
        lines.append(tr(texts.PROFILE_APARTMENTS, locale))
        lines.extend(
            tr(
                texts.PROFILE_APARTMENT,
                locale,
                yard=safe(link.yard_name, 64),
                building=safe(link.building_address, 128),
                number=safe(link.apartment_number, 16),
                status=link_status(link.status, locale),
            )
            for link in links[:20]
        )
    else:
        lines.append(tr(texts.PROFILE_NO_APARTMENTS, locale))
    return "\n".join(lines)
