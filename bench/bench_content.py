"""The benchmarks' checklist, from the shared contract's classes only, so that a benchmark
run on the code of an older commit (``push_core_bench.py --against``) builds it too."""

from __future__ import annotations

from shared_schema.checklist import ChecklistTemplate, Question, ResultBand, Scoring, Section, YesNoQuestion
from shared_schema.text import LocalText


def bench_checklist(questions: list[Question]) -> ChecklistTemplate:
    """The benchmarks' checklist ``bench`` (version 1, for factories): ``questions`` in one
    section, passed from 50 points."""
    return ChecklistTemplate(
        template_id="bench",
        version=1,
        title=LocalText("Đo hiệu năng", "Benchmark"),
        site_kinds=["DN_SX"],
        sections=[Section("s", LocalText("Mục", "Section"), questions)],
        scoring=Scoring(
            bands=[
                ResultBand("pass", LocalText("Đạt", "Pass"), 50),
                ResultBand("fail", LocalText("Không đạt", "Fail"), 0, passing=False),
            ],
            critical_failure_band="fail",
        ),
    )


def bench_template(questions: int) -> ChecklistTemplate:
    """``bench_checklist`` of ``questions`` yes/no questions ``q00``…, the first ten required."""
    return bench_checklist(
        [
            YesNoQuestion(id=f"q{i:02d}", label=LocalText(f"Câu {i}", f"Question {i}"), weight=1.0, required=i < 10)
            for i in range(questions)
        ]
    )
