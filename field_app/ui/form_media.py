"""Photos and signatures on the form: evidence photos of a question, drawn signatures of the
checklist's signature questions and of the record's header, and the signers' names."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial
from typing import Any

from field_app.core import form_reading as read
from field_app.core import signature_values as sig
from field_app.core.capabilities import Outcome
from field_app.core.models import AppError
from field_app.ui import i18n
from field_app.ui.form_context import FormContext, Runner
from field_app.ui.signature_png import has_ink, render_png
from shared_schema import evidence

Strokes = Sequence[Sequence[tuple[float, float]]]


class MediaDesk:
    def __init__(self, ctx: FormContext):
        self._ctx = ctx
        # Signer names being typed: kept apart from the observable form, so a keystroke does not
        # redraw the screen (a redraw under a finger starting to sign loses the stroke).
        self._signers: dict[str, str] = {}

    # --- photos ------------------------------------------------------------------------

    def photos(self, qid: str) -> list[str]:
        """Photos of a question: its value for a photo question, else the evidence photos."""
        return read.photos(self._ctx.view, qid)

    async def add_photos(self, qid: str, outcome: Outcome[list[bytes]], run: Runner = asyncio.to_thread) -> int:
        """Add the photos the camera or the picker gave, each made small by the services in a
        worker thread (seconds on a phone) while the screen shows the photos busy; when the
        capability failed, its message is shown under the photos and nothing changes.
        Returns how many were added."""
        ctx = self._ctx
        key = f"{qid}:photos"
        if outcome.problem is not None:
            ctx.set_error(key, outcome.problem.get(ctx.lang))
            return 0
        added, problem = 0, None
        with ctx.working(key):
            for data in outcome.value or []:
                if await ctx.attempt_off_loop(key, partial(ctx.services.add_photo, ctx.inspection_id, qid, data), run):
                    added += 1
                else:
                    problem = ctx.error(key)
        if problem:  # a later photo that was kept must not hide why an earlier one was not
            ctx.set_error(key, problem)
        return added

    def remove_photo(self, qid: str, sha256: str) -> None:
        ctx = self._ctx
        ctx.attempt(f"{qid}:photos", lambda: ctx.services.remove_photo(ctx.inspection_id, qid, sha256), clear=False)

    def blob_bytes(self, sha256: str) -> bytes | None:
        """The image of a photo or signature kept on this device (fetched when online), or None."""
        path = self._ctx.services.blob_path(sha256)
        return path.read_bytes() if path is not None else None

    # --- signatures --------------------------------------------------------------------

    def _signature_blob(self, strokes: Strokes, width: int, height: int, key: str) -> str | None:
        ctx = self._ctx
        if not has_ink(strokes):
            ctx.set_error(key, i18n.t(ctx.lang, "signature_empty"))
            return None
        try:
            return ctx.services.store_blob(render_png(strokes, width, height))
        except AppError as exc:
            ctx.set_error(key, exc.message.get(ctx.lang))
            return None

    def save_signature(self, qid: str, strokes: Strokes, width: int, height: int, name: str | None = None) -> bool:
        """Rasterise a drawn signature to PNG, keep it as a blob and save it as the answer, with
        the signer's name (``name``, else the one typed with ``set_signer_name``)."""
        sha = self._signature_blob(strokes, width, height, f"{qid}:value")
        if sha is None:
            return False
        value = sig.new_signature(sha, name if name is not None else self.signer_name(qid), sig.now_iso())
        return self._ctx.save_answer(qid, "value", value)

    def signer_name(self, qid: str) -> str:
        """The name of who signs (or signed) the signature question ``qid``; "" if not given."""
        if qid in self._signers:
            return self._signers[qid]
        return sig.signer_name(read.value(self._ctx.view, qid))

    def type_signer_name(self, qid: str, name: str) -> None:
        """The signer's name as it is being typed (saved by ``set_signer_name`` or the signature)."""
        self._signers[qid] = name

    def set_signer_name(self, qid: str, name: str) -> bool:
        """Keep the signer's name: with a saved signature it is saved at once (the image and its
        time stay); before signing it waits for the signature."""
        name = name.strip()
        self._signers[qid] = name
        updated = sig.renamed(read.value(self._ctx.view, qid), name)
        return True if updated is None else self._ctx.save_answer(qid, "value", updated)

    def signature_sha(self, qid: str) -> str | None:
        """The SHA-256 of the signature image saved as the answer of ``qid`` (None: not signed)."""
        return sig.signed_sha(read.value(self._ctx.view, qid))

    def signature_caption(self, qid: str) -> str | None:
        """Who signed and when, in words (``Ông B · 25/11/2026 11:04``); None when not signed."""
        value = sig.plain(read.value(self._ctx.view, qid))
        if sig.signed_sha(value) is None:
            return None
        parts = [value.get("name"), i18n.fmt_datetime(value["signed_at"]) if value.get("signed_at") else None]
        return " · ".join(p for p in parts if p) or None

    def stale_text(self, signed: Any) -> str | None:
        """ "Content changed after signing: sign again" for a stale signature, else None."""
        if signed is None or not read.signature_is_stale(self._ctx.view, sig.plain(signed)):
            return None
        return evidence.SIGNATURE_STATE_LABELS["stale"].get(self._ctx.lang)

    def header_signature(self, role: str) -> Any:
        return next((s for s in self._ctx.view.header.signatures if s.role == role), None)

    def header_signature_sha(self, role: str) -> str | None:
        return sig.signed_sha(self.header_signature(role))

    def save_header_signature(self, role: str, strokes: Strokes, width: int, height: int, name: str) -> bool:
        """Sign the record as ``role`` (``inspector`` or ``representative``)."""
        sha = self._signature_blob(strokes, width, height, f"header:sig_{role}")
        if sha is None:
            return False
        signatures = sig.with_header_signature(self._ctx.view.header.signatures, role, name, sha, sig.now_iso())
        return self._ctx.save_header("signatures", signatures, f"header:sig_{role}")
