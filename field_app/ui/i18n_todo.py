"""Texts of the to-do list ("Việc cần làm", issue 14), merged into ``i18n.STRINGS``."""

from __future__ import annotations

TODO_STRINGS: dict[str, tuple[str, str]] = {
    "todo": ("Việc cần làm", "To do"),
    "todo_empty": (
        "Không còn việc được giao. Bạn vẫn có thể chọn cơ sở để kiểm tra ngoài kế hoạch.",
        "Nothing assigned is left to do. You can still pick a site to inspect outside any plan.",
    ),
    "due_on": ("Hạn {date}", "Due {date}"),
    "follow_up_visit": ("Kiểm tra lại", "Follow-up visit"),
    "outside_plan": ("Kiểm tra ngoài kế hoạch", "Inspect outside the plan"),
    "todo_team": ("Đoàn: {team}", "Team: {team}"),
}
