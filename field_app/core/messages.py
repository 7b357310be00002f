"""The words the core uses for what went wrong, in Vietnamese and English."""

from __future__ import annotations

from shared_schema.errors import Problem
from shared_schema.text import LocalText

OFFLINE = LocalText(
    "Không kết nối được máy chủ. Công việc vẫn được lưu trên máy và sẽ tự gửi khi có mạng.",
    "Cannot reach the server. Your work is saved on this phone and will be sent when there is a connection.",
)
NEEDS_PASSWORD = LocalText(
    "Phiên đăng nhập đã hết hạn: hãy nhập lại mật khẩu. Các thay đổi chưa gửi vẫn được giữ.",
    "Your session expired: enter your password again. Unsent changes are kept.",
)
NOT_LOGGED_IN = LocalText("Hãy đăng nhập trước (cần có mạng lần đầu).", "Log in first (needs a connection once).")
LOGIN_FAILED = LocalText("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
PROTOCOL_UNSUPPORTED = LocalText(
    "Máy chủ không hỗ trợ phiên bản ứng dụng này: hãy cập nhật ứng dụng. Các thay đổi chưa gửi vẫn được giữ.",
    "The server does not support this app version: update the app. Unsent changes are kept.",
)
SERVER_ERROR = LocalText(
    "Máy chủ gặp lỗi ({detail}). Ứng dụng sẽ thử lại sau; công việc vẫn được lưu trên máy.",
    "The server had a problem ({detail}). The app will try again later; your work is saved on this phone.",
)
SEQUENCE_LOST = LocalText(
    "Máy chủ thiếu một số thay đổi trước đó của máy này. Hãy báo quản trị viên.",
    "The server is missing earlier changes from this phone. Tell your administrator.",
)
CLIENT_REREGISTER = LocalText(
    "Một bản cài khác (bản sao lưu hoặc dữ liệu sao chép) đang dùng mã thiết bị này. Máy đã nhận mã mới và "
    "gửi lại các thay đổi chưa gửi.",
    "Another install (a backup or copied data) is using this device id. This phone took a new id and is "
    "sending its unsent changes again.",
)
CLIENT_NOT_YOURS = LocalText(
    "Mã thiết bị này thuộc về một người dùng khác. Máy đã nhận mã mới và gửi lại các thay đổi chưa gửi.",
    "This device id belongs to another user. This phone took a new id and is sending its unsent changes again.",
)
CLOCK_AHEAD = LocalText(
    "Đồng hồ của điện thoại chạy nhanh hơn máy chủ: hãy đặt ngày giờ tự động rồi gửi lại thay đổi.",
    "The phone's clock is ahead of the server: set the date and time automatically, then send the change again.",
)


def problem_text(problem: Problem | None, status: int) -> LocalText:
    """What a problem document says, in both languages: its ``messages`` member; from a server
    before 2026-11-30 (no ``messages``) its ``detail`` split (``split_bilingual``)."""
    if problem is None:
        return LocalText(f"HTTP {status}", f"HTTP {status}")
    if problem.messages is not None and problem.messages.vi:
        return problem.messages
    return split_bilingual(problem.detail or problem.title)


def split_bilingual(text: str) -> LocalText:
    """A message ``"<Vietnamese> / <English>"`` of a server before 2026-11-30 (a problem's
    ``detail``, a push result's ``reason``) as ``LocalText`` (same text twice if not split)."""
    vi, sep, en = text.partition(" / ")
    return LocalText(vi.strip(), en.strip()) if sep else LocalText(text, text)


def fill(text: LocalText, **values: object) -> LocalText:
    return LocalText(text.vi.format(**values), text.en.format(**values))


HISTORY_OFFLINE = LocalText(
    "Xem lịch sử cũ cần kết nối mạng: các biên bản cũ hơn được lưu trên máy chủ. Hãy bật Wi‑Fi hoặc dữ liệu"
    " di động rồi bấm lại. Các biên bản đã có trên máy vẫn xem được.",
    "The older history needs a connection: older records are kept on the server. Turn on Wi‑Fi or mobile data"
    " and tap again. The records already on this phone can still be opened.",
)
