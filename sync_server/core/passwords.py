"""The password policy: at least ``MIN_LENGTH`` characters and not guessable, as judged by
zxcvbn (Dropbox's estimator: common-password lists, names, keyboard patterns, sequences,
dates, repeats, and the user's own name). A refusal says why, in Vietnamese and English."""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # (zxcvbn ships no type information)

from shared_schema.text import LocalText, lt

MIN_LENGTH = 8
MAX_LENGTH = 256
# zxcvbn's scale: 0 too guessable … 4 very unguessable; 3 is "safely unguessable"
# (about 10^10 guesses), what it recommends against offline attacks.
MIN_SCORE = 3
_ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; a longer password is judged by its start

# zxcvbn's warnings (English) with our Vietnamese reason for each.
_WARNINGS_VI = {
    "Straight rows of keys are easy to guess.": "Các phím liền nhau trên bàn phím rất dễ đoán.",
    "Short keyboard patterns are easy to guess.": "Kiểu gõ phím ngắn theo hình trên bàn phím rất dễ đoán.",
    'Repeats like "aaa" are easy to guess.': 'Ký tự lặp lại như "aaa" rất dễ đoán.',
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        'Chuỗi lặp lại như "abcabcabc" chỉ khó đoán hơn "abc" một chút.'
    ),
    'Sequences like "abc" or "6543" are easy to guess.': 'Dãy liên tiếp như "abc" hay "6543" rất dễ đoán.',
    "Recent years are easy to guess.": "Năm gần đây rất dễ đoán.",
    "Dates are often easy to guess.": "Ngày tháng thường rất dễ đoán.",
    "This is a top-10 common password.": "Đây là một trong 10 mật khẩu phổ biến nhất.",
    "This is a top-100 common password.": "Đây là một trong 100 mật khẩu phổ biến nhất.",
    "This is a very common password.": "Đây là mật khẩu rất phổ biến.",
    "This is similar to a commonly used password.": "Mật khẩu này gần giống một mật khẩu phổ biến.",
    "A word by itself is easy to guess.": "Một từ đứng một mình rất dễ đoán.",
    "Names and surnames by themselves are easy to guess.": "Chỉ có tên hoặc họ thì rất dễ đoán.",
    "Common names and surnames are easy to guess.": "Họ tên phổ biến rất dễ đoán.",
}
_TOO_GUESSABLE = lt("Mật khẩu này quá dễ đoán.", "This password is too easy to guess.")
_ADVICE = lt(
    "Hãy ghép vài từ ít gặp thành một cụm, như một câu ngắn chỉ bạn biết.",
    "Put a few uncommon words together, like a short sentence only you know.",
)


def _join(*parts: LocalText) -> LocalText:
    return lt(" ".join(p.vi for p in parts), " ".join(p.en for p in parts))


def password_problem(password: str, user_inputs: Iterable[str] = ()) -> LocalText | None:
    """Why ``password`` is refused (Vietnamese and English), or None when it is acceptable.
    ``user_inputs`` are the user's own words (user name, full name): guessable for them."""
    if len(password) < MIN_LENGTH:
        return lt(f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự.", f"The password needs at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        return lt(f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự.", f"The password has at most {MAX_LENGTH} characters.")
    words = [w.strip().lower() for w in user_inputs if w and len(w.strip()) >= 3]
    if any(w in password.lower() for w in words):
        return _join(
            lt("Mật khẩu không được chứa tên đăng nhập hay họ tên.", "The password must not contain the user's name."),
            _ADVICE,
        )
    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    warning = result["feedback"]["warning"]
    reason = lt(_WARNINGS_VI[warning], warning) if warning in _WARNINGS_VI else _TOO_GUESSABLE
    return _join(reason, _ADVICE)
