"""Every text the screens show, in Vietnamese (the default) and English, and the local
conventions for dates and numbers (vi: ``25/11/2026`` and ``1.234,5``; en: ``25/11/2026`` and
``1,234.5``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from field_app.ui.i18n_todo import TODO_STRINGS
from shared_schema.text import LocalText
from shared_schema.validation import parse_float

LANGS: tuple[str, ...] = ("vi", "en")

# key → (Vietnamese, English). Placeholders use str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("Kiểm tra hiện trường", "Field inspection"),
    "language": ("Ngôn ngữ", "Language"),
    "lang_vi": ("Tiếng Việt", "Vietnamese"),
    "lang_en": ("Tiếng Anh", "English"),
    "switch_language": ("English", "Tiếng Việt"),
    # first run
    "login_title": ("Đăng nhập", "Log in"),
    "login_intro": (
        "Nhập địa chỉ máy chủ và tài khoản được cấp. Sau lần đăng nhập đầu tiên, ứng dụng dùng được khi không có mạng.",
        "Enter the server address and the account you were given. After the first login the app works offline.",
    ),
    "server_address": ("Địa chỉ máy chủ", "Server address"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "log_in": ("Đăng nhập", "Log in"),
    "logging_in": ("Đang đăng nhập…", "Logging in…"),
    "downloading": ("Đang tải cơ sở và bảng kiểm…", "Downloading sites and checklists…"),
    "downloaded_count": ("Đã tải {count} mục", "{count} items downloaded"),
    "need_server": (
        "Hãy nhập địa chỉ máy chủ, ví dụ http://192.168.1.10:8000",
        "Enter the server address, e.g. http://192.168.1.10:8000",
    ),
    "need_username": ("Hãy nhập tên đăng nhập.", "Enter your username."),
    "need_password": ("Hãy nhập mật khẩu.", "Enter your password."),
    "log_out": ("Đăng xuất", "Log out"),
    "password_again": (
        "Phiên đăng nhập đã hết hạn: hãy nhập lại mật khẩu.",
        "Your session expired: enter your password again.",
    ),
    # sync bar
    "online": ("Trực tuyến", "Online"),
    "offline": ("Ngoại tuyến", "Offline"),
    "pending": ("{count} thay đổi chờ gửi", "{count} changes waiting"),
    "no_pending": ("Không có thay đổi chờ gửi", "Nothing waiting to send"),
    "last_sync": ("Đồng bộ lần cuối: {when}", "Last sync: {when}"),
    "never_synced": ("Chưa đồng bộ", "Never synced"),
    "sync_now": ("Đồng bộ", "Sync"),
    "syncing": ("Đang đồng bộ…", "Syncing…"),
    "sync_done": ("Đã đồng bộ", "Synced"),
    "sync_error": ("Lỗi: {error}", "Error: {error}"),
    "server_unreachable": (
        "Không kết nối được máy chủ. Dữ liệu được giữ trên máy; sẽ gửi khi có mạng.",
        "Cannot reach the server. Your data is kept on this phone and will be sent when online.",
    ),
    # home
    "home": ("Trang chủ", "Home"),
    "my_inspections": ("Biên bản của tôi", "My inspections"),
    "group_draft": ("Bản nháp", "Drafts"),
    "group_waiting": ("Chờ đồng bộ", "Waiting to sync"),
    "group_submitted": ("Đã nộp", "Submitted"),
    "group_returned": ("Trả lại để sửa", "Returned for correction"),
    "group_approved": ("Đã duyệt", "Approved"),
    "group_rejected": ("Không chấp nhận", "Rejected"),
    "no_inspections": ("Chưa có biên bản nào. Chọn một cơ sở để bắt đầu.", "No inspections yet. Pick a site to start."),
    "sites": ("Cơ sở", "Sites"),
    "find_site": ("Chọn cơ sở để kiểm tra", "Pick a site to inspect"),
    "supervisor_comment": ("Nhận xét của cán bộ duyệt: {comment}", "Supervisor's comment: {comment}"),
    "rejected_changes": ("Thay đổi bị từ chối", "Rejected changes"),
    "conflicts": ("Sửa đổi xung đột", "Conflicting edits"),
    "open": ("Mở", "Open"),
    "dismiss": ("Đã xem", "Got it"),
    # sites
    "search_sites": ("Tìm theo tên hoặc mã", "Search by name or code"),
    "district": ("Huyện/Thành phố", "District"),
    "kind": ("Loại cơ sở", "Kind of site"),
    "all": ("Tất cả", "All"),
    "no_sites": ("Không có cơ sở nào khớp.", "No site matches."),
    "site_count": ("{count} cơ sở", "{count} sites"),
    "back": ("Quay lại", "Back"),
    "site_details": ("Thông tin cơ sở", "Site details"),
    "code": ("Mã", "Code"),
    "address": ("Địa chỉ", "Address"),
    "workers": ("Số lao động", "Workers"),
    "contact": ("Liên hệ", "Contact"),
    "past_inspections": ("Các lần kiểm tra trước", "Past inspections"),
    "no_past_inspections": ("Chưa có lần kiểm tra nào.", "No inspections yet."),
    "site_history": ("Xem lịch sử cũ", "Show older history"),
    "site_history_hint": (
        "Máy chỉ giữ các lần kiểm tra gần đây; lịch sử cũ hơn tải từ máy chủ khi có mạng.",
        "This phone keeps the recent inspections; older history is fetched from the server when online.",
    ),
    "history_loading": ("Đang tải lịch sử cũ…", "Fetching the older history…"),
    "history_loaded": ("Đã tải {count} lần kiểm tra của cơ sở này.", "Fetched {count} inspections of this site."),
    "history_loaded_more": (
        "Đã tải {count} lần kiểm tra gần nhất của cơ sở này; các lần cũ hơn nữa xem trên trang quản lý.",
        "Fetched the latest {count} inspections of this site; older ones are on the console.",
    ),
    "start_inspection": ("Bắt đầu kiểm tra: {title}", "Start inspection: {title}"),
    "no_checklist": (
        "Chưa có bảng kiểm cho loại cơ sở này: hãy đồng bộ.",
        "No checklist for this kind of site yet: sync first.",
    ),
    # fill in
    "section_of": ("Phần {n}/{total}", "Section {n} of {total}"),
    "answered_of": ("Đã trả lời {done}/{total}", "{done} of {total} answered"),
    "score": ("Điểm: {score}", "Score: {score}"),
    "score_none": ("Điểm: chưa có", "Score: none yet"),
    "result": ("Kết quả: {result}", "Result: {result}"),
    # while required items are still missing, the score covers only what is answered so far
    "score_provisional": ("Điểm tạm tính: {score}", "Provisional score: {score}"),
    "result_provisional": ("Kết quả tạm tính: {result}", "Provisional result: {result}"),
    "previous_section": ("Phần trước", "Previous section"),
    "next_section": ("Phần tiếp", "Next section"),
    "to_complete": ("Hoàn tất", "Complete"),
    "required": ("Bắt buộc", "Required"),
    "critical": ("Trọng yếu", "Critical"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "na": ("Không áp dụng", "N/A"),
    "answer_for": ("Trả lời: {label}", "Answer: {label}"),
    "note": ("Ghi chú", "Note"),
    "choose_date": ("Chọn ngày: {label}", "Pick a date: {label}"),
    "confirm": ("Chọn", "Choose"),
    "cancel": ("Huỷ", "Cancel"),
    "date_hint": ("dd/mm/yyyy", "dd/mm/yyyy"),
    "bad_date": ("Ngày phải có dạng dd/mm/yyyy, ví dụ 20/05/2021.", "The date must be dd/mm/yyyy, e.g. 20/05/2021."),
    "bad_number": ("Hãy nhập một số, ví dụ 12 hoặc 3,5.", "Enter a number, e.g. 12 or 3.5."),
    "add_photo": ("Thêm ảnh", "Add photo"),
    "take_photo": ("Chụp ảnh", "Take photo"),
    "fill_title": ("Phiếu kiểm tra", "Checklist"),
    "answer_number": ("Số", "Number"),
    "answer_text": ("Câu trả lời", "Answer"),
    "date_label": ("Ngày", "Date"),
    "date_picker_help": ("Chọn ngày", "Pick a date"),
    "other_specify": ("Ghi rõ", "Specify"),
    "add_note": ("Thêm ghi chú", "Add a note"),
    "basis_show": ("Căn cứ", "Basis"),
    "basis_hide": ("Ẩn căn cứ", "Hide basis"),
    "control_failed": (
        "Thao tác vừa rồi không thực hiện được. Dữ liệu đã nhập vẫn được giữ; hãy thử lại.",
        "That action did not work. What you entered is kept; try again.",
    ),
    "photos_count": ("{count} ảnh", "{count} photo(s)"),
    "photo_processing": ("Đang xử lý ảnh…", "Processing the photo…"),
    "remove_photo": ("Xoá ảnh {n}", "Remove photo {n}"),
    "photo_not_image": (
        "Tệp này không phải ảnh JPEG, PNG hoặc WebP: hãy chọn ảnh khác.",
        "That file is not a JPEG, PNG or WebP image: pick another.",
    ),
    "photo_too_big": (
        "Ảnh lớn quá {mb} MB: hãy chụp lại với chất lượng thấp hơn.",
        "The photo is over {mb} MB: take it again at lower quality.",
    ),
    "sign_here": ("Ký vào ô này", "Sign in this box"),
    "signer_name_only": ("Họ tên người ký", "Name of the signer"),
    "clear_signature": ("Xoá chữ ký", "Clear signature"),
    "save_signature": ("Lưu chữ ký", "Save signature"),
    "signature_saved": ("Đã ký", "Signed"),
    "sign_again": ("Ký lại", "Sign again"),
    "saved_signature": ("Chữ ký đã lưu", "Saved signature"),
    "signature_loading": ("Đang tải chữ ký…", "Loading the signature…"),
    "signature_unavailable": (
        "Ảnh chữ ký chưa có trên máy này: sẽ hiện sau khi đồng bộ có mạng.",
        "The signature image is not on this device yet: it shows after syncing online.",
    ),
    "signature_empty": (
        "Chưa có nét ký: hãy ký vào ô trước khi lưu.",
        "No strokes yet: sign in the box before saving.",
    ),
    "latitude": ("Vĩ độ", "Latitude"),
    "longitude": ("Kinh độ", "Longitude"),
    "use_gps": ("Lấy vị trí GPS", "Use GPS location"),
    "save_location": ("Lưu vị trí", "Save location"),
    "gps_unavailable": (
        "Không lấy được vị trí GPS: hãy nhập vĩ độ và kinh độ.",
        "No GPS position: enter latitude and longitude.",
    ),
    "bad_latlon": (
        "Vĩ độ và kinh độ phải là số, ví dụ 21,5942 và 105,8482.",
        "Latitude and longitude must be numbers, e.g. 21.5942 and 105.8482.",
    ),
    "location_saved": ("Vị trí: {lat}, {lon}", "Location: {lat}, {lon}"),
    "critical_failed": (
        "Mục trọng yếu không đạt: cần ảnh, biện pháp khắc phục và thời hạn.",
        "Failed critical item: a photo, a corrective action and a deadline are needed.",
    ),
    "corrective_action": ("Biện pháp khắc phục", "Corrective action"),
    "add_action": ("Thêm biện pháp khắc phục", "Add a corrective action"),
    "action_what": ("Việc cơ sở cần làm", "What the site must do"),
    "action_deadline": ("Thời hạn (dd/mm/yyyy)", "Deadline (dd/mm/yyyy)"),
    "action_responsible": ("Người chịu trách nhiệm", "Person responsible"),
    "action_phone": ("Điện thoại", "Phone"),
    "action_save": ("Lưu biện pháp", "Save the action"),
    "action_bad_date": ("Thời hạn phải là ngày dd/mm/yyyy.", "The deadline must be a date dd/mm/yyyy."),
    "action_due": ("Hạn {date}", "Due {date}"),
    "action_overdue": ("Quá hạn", "Overdue"),
    "carried_over": ("Tồn tại từ lần trước", "Still open from earlier visits"),
    "no_carried_over": ("Không có tồn tại nào từ lần trước.", "Nothing open from earlier visits."),
    "fix_note": ("Ghi chú: đã làm gì, hoặc còn thiếu gì", "Note: what was done, or what is still missing"),
    "mark_fixed": ("Đã khắc phục", "Fixed"),
    "add_fix_photo": ("Chụp ảnh sau khắc phục", "Photo of the fix"),
    "mark_not_fixed": ("Vẫn chưa khắc phục", "Not yet fixed"),
    "not_yet_fixed": (
        "Vẫn chưa khắc phục: ghi còn thiếu gì; biện pháp vẫn mở với thời hạn cũ.",
        "Not yet fixed: note what is still missing; the action stays open with its deadline.",
    ),
    "last_check": ("Kiểm tra lại ngày {date}: chưa khắc phục. {note}", "Checked on {date}: not yet fixed. {note}"),
    "finding_photo": ("Ảnh phát hiện", "Photo of the finding"),
    "finding_photos_count": ("Ảnh phát hiện: {count}", "Photos of the finding: {count}"),
    "take_finding_photo": ("Chụp ảnh phát hiện", "Photograph the finding"),
    "pick_finding_photo": ("Chọn ảnh phát hiện", "Choose a photo of the finding"),
    "remove_finding_photo": ("Xoá ảnh phát hiện {n}", "Remove photo of the finding {n}"),
    "waiting_verification": ("Đã báo khắc phục, chờ giám sát xác minh.", "Reported fixed, waiting for the supervisor."),
    "due_date": ("Thời hạn khắc phục", "Correction deadline"),
    "saved": ("Đã lưu", "Saved"),
    "locked": (
        "Biên bản đã khoá (đã duyệt hoặc không chấp nhận): chỉ xem.",
        "This inspection is locked (approved or rejected): view only.",
    ),
    "record_number": ("Số biên bản: {number}", "Record no. {number}"),
    "discard": ("Hủy bản nháp", "Discard draft"),
    "discard_title": ("Hủy bản nháp này?", "Discard this draft?"),
    "discard_body": (
        "Bản nháp sẽ bị hủy và không khôi phục được. Chỉ hủy khi lập biên bản nhầm.",
        "The draft will be discarded and cannot be brought back. Discard only a record started by mistake.",
    ),
    "discard_yes": ("Đồng ý hủy", "Yes, discard"),
    "keep_draft": ("Giữ lại", "Keep it"),
    "rejected_here": ("Máy chủ từ chối thay đổi này: {reason}", "The server refused this change: {reason}"),
    "conflict_here": (
        "Xung đột: {who} đã sửa thành «{winner}», giá trị «{loser}» của bạn không được dùng.",
        "Conflict: {who} changed it to “{winner}”; your value “{loser}” was not kept.",
    ),
    "someone_else": ("người khác", "someone else"),
    "empty_value": ("(trống)", "(empty)"),
    # complete
    "complete_title": ("Hoàn tất biên bản", "Complete the inspection"),
    "inspection_kind": ("Hình thức kiểm tra", "Kind of inspection"),
    "kind_periodic": ("Định kỳ", "Periodic"),
    "kind_unannounced": ("Đột xuất", "Unannounced"),
    "kind_thematic": ("Theo chuyên đề", "Thematic"),
    "team": ("Thành viên đoàn", "Team members"),
    "team_hint": ("Mỗi người một dòng: họ tên - chức vụ", "One person per line: full name - title"),
    "findings": ("Kết luận, phát hiện", "Findings"),
    "representative": ("Người đại diện cơ sở", "Site representative"),
    "representative_title": ("Chức vụ người đại diện", "Representative's title"),
    "signature_inspector": ("Chữ ký trưởng đoàn", "Team leader's signature"),
    "signature_representative": ("Chữ ký đại diện cơ sở", "Representative's signature"),
    "missing_items": ("Còn thiếu {count} mục", "{count} items missing"),
    "nothing_missing": ("Đã đủ thông tin: có thể nộp.", "Everything is there: ready to submit."),
    "go_to": ("Đến mục: {label}", "Go to: {label}"),
    "submit": ("Nộp biên bản", "Submit inspection"),
    "resubmit": ("Nộp lại biên bản", "Resubmit inspection"),
    "submitted_wait": ("Đã nộp. Biên bản sẽ được gửi khi đồng bộ.", "Submitted. It will be sent at the next sync."),
    "cannot_submit": (
        "Chưa thể nộp: còn thiếu mục bắt buộc hoặc chữ ký cần ký lại.",
        "Cannot submit yet: required items are missing or a signature must be taken again.",
    ),
    "back_to_questions": ("Về câu hỏi", "Back to the questions"),
    "returned_banner": ("Biên bản bị trả lại. {comment}", "Returned for correction. {comment}"),
}
STRINGS.update(TODO_STRINGS)  # the to-do list (i18n_todo.py)


def t(lang: str, key: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` with ``values`` filled in; an unknown key shows itself."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" and pair[1] else pair[0]
    return text.format(**values) if values else text


def local(text: LocalText | None, lang: str) -> str:
    return text.get(lang) if text is not None else ""


def fmt_number(value: float | int | None, lang: str, decimals: int | None = None) -> str:
    """``1234.5`` → ``1.234,5`` (vi) or ``1,234.5`` (en); integers without decimals."""
    if value is None:
        return ""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else min(len(repr(float(value)).split(".")[1]), 6)
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def parse_number(text: str, lang: str) -> float | None:
    """Read a number typed by a person: ``3,5`` or ``3.5``; ``1.234,5`` (vi) or ``1,234.5`` (en).
    ``None`` when it is not a number."""
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if not s:
        return None
    thousands, decimal = (".", ",") if lang == "vi" else (",", ".")
    if thousands in s and decimal in s:
        s = s.replace(thousands, "").replace(decimal, ".")
    elif re.fullmatch(r"-?\d{1,3}(" + re.escape(thousands) + r"\d{3})+", s):
        s = s.replace(thousands, "")
    else:
        s = s.replace(",", ".")
    return parse_float(s)


def fmt_date(iso: str | None) -> str:
    """``2026-11-25`` (or a full ISO time) → ``25/11/2026``; empty for nothing."""
    if not iso:
        return ""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return day.strftime("%d/%m/%Y")


def fmt_datetime(iso: str | None) -> str:
    """An ISO time → ``25/11/2026 14:05`` in local time."""
    if not iso:
        return ""
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d/%m/%Y %H:%M")


def parse_date(text: str) -> str | None:
    """``20/05/2021`` (or ``2021-05-20``) → ``2021-05-20``; ``None`` when it is not a date."""
    s = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(s, pattern).date().isoformat()
        except ValueError:
            continue
    return None
