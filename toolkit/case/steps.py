"""The step files of a case folder, in procedural order (Art. 9 and Art. 10–14).

A step's file is absent until the step happens, so the git history of a case reads as its
progress.  This table is the one place that ties a file name to its schema and its article.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    key: str        # the name used in code and in `rcmz step`
    file: str       # file name inside the case folder
    schema: str     # file name inside schemas/
    title: str      # Chinese name
    article: str    # where the measures define it


STEPS: tuple[Step, ...] = (
    Step("case", "00-case.yaml", "case.schema.json", "当事方与事项", "第三条、第九条第（一）项"),
    Step("application", "01-application.yaml", "application.schema.json", "申请", "第九条第（一）项"),
    Step("initiation", "02-initiation.yaml", "initiation.schema.json", "启动", "第九条第（二）项"),
    Step("investigation", "03-investigation.yaml", "investigation.schema.json", "调查核实", "第九条第（三）项"),
    Step("determination", "04-determination.yaml", "determination.schema.json", "审议认定", "第九条第（四）项"),
    Step("feedback", "05-feedback.yaml", "feedback.schema.json", "反馈", "第九条第（五）项"),
    Step("filing", "06-filing.yaml", "filing.schema.json", "备案", "第九条第（六）项"),
    Step("result_use", "07-result-use.yaml", "result_use.schema.json", "结果运用", "第十条"),
    Step("rectification", "08-rectification.yaml", "rectification.schema.json", "纠错整改", "第十一条"),
    Step("clarification", "09-clarification.yaml", "clarification.schema.json", "澄清正名", "第十三条"),
    Step("followup", "10-followup.yaml", "followup.schema.json", "回访谈话", "第十四条"),
)

BY_KEY = {step.key: step for step in STEPS}
BY_FILE = {step.file: step for step in STEPS}

#: The six steps of Art. 9, which happen one after another; the after-steps may come in any order.
MAIN_SEQUENCE = tuple(step.key for step in STEPS[:7])
