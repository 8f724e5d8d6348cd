"""Records rendered as the contract's JSON objects: all listed fields present, ``null`` if empty."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from devkit.fakes.catalog import CATEGORIES
from devkit.fakes.entities import (
    ApartmentLink,
    ApartmentRec,
    BuildingRec,
    CommentRec,
    InviteRec,
    RequestRec,
    ShiftRec,
    UserRec,
    YardRec,
)
from devkit.fakes.state import FakeWorld

__all__ = [
    "address_ref",
    "apartment_view",
    "building_view",
    "categories_view",
    "comment_view",
    "invite_view",
    "link_view",
    "page",
    "request_view",
    "shift_view",
    "user_view",
    "yard_view",
]


def page(items: Sequence[Any], page_no: int, size: int) -> dict[str, Any]:
    """The one Page shape; ``items`` is the whole filtered, sorted list."""
    start = (page_no - 1) * size
    return {
        "items": list(items[start : start + size]),
        "total": len(items),
        "page": page_no,
        "size": size,
        "pages": math.ceil(len(items) / size),
    }


def user_view(u: UserRec) -> dict[str, Any]:
    return {
        "id": u.id,
        "telegram_id": u.telegram_id,
        "username": u.username,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "phone": u.phone,
        "language_code": u.language_code,
        "status": u.status,
        "is_active": u.is_active,
        "roles": list(u.roles),
        "active_role": u.active_role,
        "specializations": list(u.specializations),
        "created_at": u.created_at,
        "updated_at": u.updated_at,
    }


def yard_view(y: YardRec) -> dict[str, Any]:
    return {"id": y.id, "name": y.name}


def building_view(b: BuildingRec) -> dict[str, Any]:
    return {"id": b.id, "yard_id": b.yard_id, "address": b.address}


def apartment_view(a: ApartmentRec) -> dict[str, Any]:
    return {
        "id": a.id,
        "building_id": a.building_id,
        "apartment_number": a.apartment_number,
        "entrance": a.entrance,
        "floor": a.floor,
    }


def link_view(world: FakeWorld, link: ApartmentLink) -> dict[str, Any]:
    apartment = world.apartments[link.apartment_id]
    building = world.buildings[apartment.building_id]
    yard = world.yards[building.yard_id]
    return {
        "apartment_id": apartment.id,
        "apartment_number": apartment.apartment_number,
        "building_id": building.id,
        "building_address": building.address,
        "yard_id": yard.id,
        "yard_name": yard.name,
        "status": link.status,
        "is_owner": link.is_owner,
        "requested_at": link.requested_at,
        "reviewed_at": link.reviewed_at,
        "admin_comment": link.admin_comment,
    }


def address_ref(world: FakeWorld, address_type: str, address_id: int) -> dict[str, Any]:
    apartment_number = building_address = yard_name = None
    if address_type == "apartment":
        apartment = world.apartments[address_id]
        apartment_number = apartment.apartment_number
        building = world.buildings[apartment.building_id]
        building_address, yard_name = building.address, world.yards[building.yard_id].name
    elif address_type == "building":
        building = world.buildings[address_id]
        building_address, yard_name = building.address, world.yards[building.yard_id].name
    else:
        yard_name = world.yards[address_id].name
    return {
        "address_type": address_type,
        "address_id": address_id,
        "yard_name": yard_name,
        "building_address": building_address,
        "apartment_number": apartment_number,
    }


def invite_view(i: InviteRec) -> dict[str, Any]:
    return {
        "token": i.token,
        "role": i.role,
        "specializations": list(i.specializations),
        "expires_at": i.expires_at,
        "created_by": i.created_by,
        "used_by": i.used_by,
        "used_at": i.used_at,
    }


def request_view(world: FakeWorld, r: RequestRec) -> dict[str, Any]:
    return {
        "request_number": r.request_number,
        "status": r.status,
        "status_version": r.status_version,
        "category": r.category,
        "urgency": r.urgency,
        "description": r.description,
        "address": address_ref(world, r.address_type, r.address_id),
        "applicant_user_id": r.applicant_user_id,
        "executor_user_id": r.executor_user_id,
        "assignment_type": r.assignment_type,
        "assigned_group": r.assigned_group,
        "media_files": list(r.media_files),
        "completion_report": r.completion_report,
        "completion_media": list(r.completion_media),
        "return_reason": r.return_reason,
        "rating": r.rating,
        "acceptance_mode": r.acceptance_mode,
        "source": r.source,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "completed_at": r.completed_at,
        "closed_at": r.closed_at,
    }


def comment_view(c: CommentRec) -> dict[str, Any]:
    return {
        "id": c.id,
        "request_number": c.request_number,
        "author_user_id": c.author_user_id,
        "comment_type": c.comment_type,
        "comment_text": c.comment_text,
        "is_internal": c.is_internal,
        "media_files": list(c.media_files),
        "old_status": c.old_status,
        "new_status": c.new_status,
        "created_at": c.created_at,
    }


def categories_view() -> dict[str, Any]:
    return {
        "items": [
            {
                "key": key,
                "specialization": spec,
                "in_bot_menu": menu,
                "labels": {"ru": ru, "uz": uz},
            }
            for key, spec, menu, ru, uz in CATEGORIES
        ]
    }


def shift_view(s: ShiftRec) -> dict[str, Any]:
    return {
        "id": s.id,
        "executor_user_id": s.executor_user_id,
        "status": s.status,
        "shift_type": s.shift_type,
        "specialization_focus": list(s.specialization_focus),
        "planned_start_time": s.planned_start_time,
        "planned_end_time": s.planned_end_time,
        "start_time": s.start_time,
        "end_time": s.end_time,
        "location": s.location,
        "max_requests": s.max_requests,
        "current_request_count": s.current_request_count,
        "completed_requests": s.completed_requests,
        "notes": s.notes,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }
