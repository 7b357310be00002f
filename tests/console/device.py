"""A scripted field device speaking the sync protocol over HTTP (push, pull, blob upload),
so console tests review inspections that really arrived by sync."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import Any

import httpx
import msgspec
from PIL import Image, ImageDraw

from shared_schema.clock import HybridClock
from shared_schema.protocol import PROTOCOL_VERSION, answer_entity_id
from shared_schema.sync import Change, PushRequest, new_change
from tests.reports.sample_report import signature_png
from tests.support.server_process import upload_blob


def photo_png(seed: str) -> bytes:
    """A small real photo-like PNG (a workshop wall with a sign), different for every seed."""
    shade = hashlib.sha256(seed.encode()).digest()
    image = Image.new("RGB", (320, 240), (120 + shade[0] % 100, 130 + shade[1] % 90, 140 + shade[2] % 80))
    draw = ImageDraw.Draw(image)
    draw.rectangle([(40, 60), (280, 180)], fill=(250, 250, 240), outline=(40, 40, 40), width=4)
    draw.line([(60, 100), (260, 100)], fill=(200, 30, 30), width=8)
    draw.line([(60, 140), (220, 140)], fill=(30, 30, 30), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Device:
    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client_id = f"dev-{uuid.uuid4().hex[:12]}"
        self.clock = HybridClock(self.client_id)
        self.seq = 0
        self.cursor = 0
        self.pulled: dict[tuple[str, str, str], Any] = {}

    def change(self, entity: str, entity_id: str, field: str, value: Any) -> Change:
        self.seq += 1
        return new_change(self.seq, entity, entity_id, field, value, self.clock.tick())

    def changes(self, entity: str, entity_id: str, fields: dict[str, Any]) -> list[Change]:
        """One change for each of ``fields``, in their order."""
        return [self.change(entity, entity_id, field, value) for field, value in fields.items()]

    def push(self, changes: list[Change]) -> dict[str, Any]:
        body = msgspec.to_builtins(
            PushRequest(
                protocol=PROTOCOL_VERSION, client_id=self.client_id, app_version="console-test-1.0", changes=changes
            )
        )
        reply = httpx.post(f"{self.base_url}/api/v1/sync/push", json=body, headers=self.headers, timeout=30)
        reply.raise_for_status()
        data = reply.json()
        rejected = [r for r in data["results"] if r["status"] == "rejected"]
        assert not rejected, rejected
        return data

    def pull_all(self) -> dict[tuple[str, str, str], Any]:
        while True:
            page = (
                httpx.get(
                    f"{self.base_url}/api/v1/sync/pull",
                    params={"cursor": self.cursor, "protocol": 1, "client_id": self.client_id},
                    headers=self.headers,
                    timeout=30,
                )
                .raise_for_status()
                .json()
            )
            for c in page["changes"]:
                self.pulled[(c["entity"], c["entity_id"], c["field"])] = c["value"]
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return self.pulled

    def upload(self, data: bytes) -> str:
        return upload_blob(self.base_url, self.token, data)

    def submit_inspection(
        self,
        site_id: str,
        *,
        masks: str = "all",
        upload_signature: bool = True,
        template_id: str = "sample-factory",
        version: int = 1,
        inspection_id: str | None = None,
        started_at: str = "2021-08-05T02:30:00Z",
        submit: bool = True,
        assignment_id: str | None = None,
    ) -> str:
        """Create, answer, sign and submit (unless not ``submit``) an inspection of the sample
        checklist; returns its id."""
        iid = inspection_id or str(uuid.uuid4())
        signature = signature_png(iid)
        sha = hashlib.sha256(signature).hexdigest()
        if upload_signature:
            self.upload(signature)

        def answer(qid: str, value: Any, field: str = "value") -> Change:
            return self.change("answer", answer_entity_id(iid, qid), field, value)

        changes = [
            self.change("inspection", iid, "site_id", site_id),
            self.change("inspection", iid, "template_id", template_id),
            self.change("inspection", iid, "template_version", version),
            self.change("inspection", iid, "status", "draft"),
            self.change("inspection", iid, "kind", "unannounced"),
            self.change("inspection", iid, "started_at", started_at),
            self.change(
                "inspection",
                iid,
                "team",
                [{"name": "Phạm Quốc Khánh", "agency": "Sở Công Thương", "role": "Trưởng đoàn"}],
            ),
            self.change("inspection", iid, "findings", "Cơ sở thực hiện tốt các biện pháp phòng dịch."),
            self.change("inspection", iid, "location", {"lat": 21.4932, "lon": 105.9871, "accuracy_m": 8}),
            answer("workers", 1850),
            answer("manager", "Ông Trần Văn Hùng"),
            answer("team", "yes"),
            answer("temp_check", "yes"),
            answer("masks", masks),
            answer("hoarding", "no"),
            answer("dorm", "no"),
            answer("sig_rep", {"sha256": sha, "name": "Lê Thị Hương"}),
        ]
        if masks == "few":
            photo = photo_png(iid)
            changes += [
                answer("masks", [self.upload(photo)], field="photos"),
                answer("masks", "Phát khẩu trang, nhắc nhở đầu ca", field="corrective_action"),
                answer("masks", "2021-08-12", field="due_date"),
            ]
        if assignment_id is not None:  # started from an assignment of an inspection plan
            changes.append(self.change("inspection", iid, "assignment_id", assignment_id))
        changes.append(self.change("inspection", iid, "completed_at", "2021-08-05T04:10:00Z"))
        if submit:
            changes.append(self.change("inspection", iid, "status", "submitted"))
        self.push(changes)
        self.signature = signature
        return iid
