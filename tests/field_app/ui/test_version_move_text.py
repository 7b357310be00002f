"""The words of the version-move banner and confirmation, from a real plan on a real store."""

from __future__ import annotations

from field_app.core.services import AppServices
from field_app.ui.views.version_move import dialog_lines
from shared_schema import protocol
from tests.field_app.helpers import apply_pulled, pulled, template_fields
from tests.support.changed_checklist import changed_template


def test_the_confirmation_names_each_dropped_answer_and_each_question_to_answer(services: AppServices):
    iid = services.start_inspection("s1", "sample-factory")
    assert services.set_answer_value(iid, "manager", "Bà Lan") is None
    assert services.set_answer_value(iid, "team", "yes") is None
    t = changed_template(2)
    apply_pulled(
        services,
        pulled("template", protocol.template_entity_id(t.template_id, 2), template_fields(t))
        + pulled("template", protocol.template_entity_id(t.template_id, 1), {"status": "retired"}),
    )
    plan = services.version_move_plan(iid)
    assert plan is not None and plan.retired
    vi, en = dialog_lines(plan, "vi"), dialog_lines(plan, "en")
    assert vi[1] == "Giữ lại 1 mục trả lời." and en[1] == "1 answer item(s) kept."
    assert "• Người phụ trách (câu trả lời): Câu hỏi không còn trong phiên bản mới." in vi
    assert "• Person in charge (answer): The question is not in the new version." in en
    assert vi[vi.index("Cần trả lời trên phiên bản mới:") + 1 :] == ["• Nhà xưởng được thông gió?"]
    assert not any("Sẽ bị bỏ" in line for line in en) and "Will be dropped:" in en
