"""Every string the workbench shows a clerk, in one place (Chinese throughout).

Templates read them as ``T.NAME``; the browser script receives :data:`SCRIPT` as a JSON data
attribute.  Messages about the facts are not here: they come from ``rcmz check`` itself.
"""

from __future__ import annotations

APP_NAME = "容错免责网页工作台"
STARTED = "网页工作台已启动：{url} （只在本机可用；按 Ctrl+C 停止）"
STOPPED = "网页工作台已停止。"
PORT_BUSY = "端口 {port} 已被占用；可用 --port 0 自动选择空闲端口"
NOT_GIT = "提示：{folder} 不在 git 仓库中，表单可以检查但不能保存（保存即提交）。"
SKIP_LINK = "跳到正文"

# --- refusals (security.py) -----------------------------------------------------------------
FORBIDDEN_HOST = "拒绝访问：请求的主机名不是本机工作台的地址。"
FORBIDDEN_TOKEN = "拒绝访问：请使用启动工作台时显示的网址（含令牌）打开本页。"
FORBIDDEN_ORIGIN = "拒绝访问：修改只接受来自本工作台页面的请求。"
TOO_LARGE = "请求过大，未处理。"
NOT_FOUND = "找不到该页面或文件。"
METHOD = "不支持此操作。"

# --- navigation -----------------------------------------------------------------------------
NAV_DOCKET = "案件台账"
NAV_CALENDAR = "导出期限日历（.ics）"
NAV_STATS = "年度统计"
BACK_TO_DOCKET = "返回案件台账"
BACK_TO_CASE = "返回案件"

# --- docket ---------------------------------------------------------------------------------
DOCKET_TITLE = "案件台账"
DOCKET_FILTER = "筛选"
DOCKET_FILTER_TEXT = "查找（编号、申请人、事项）"
DOCKET_FILTER_STATE = "状态"
DOCKET_FILTER_APPLY = "筛选"
DOCKET_FILTER_CLEAR = "清除筛选"
DOCKET_STATES = {"": "全部", "overdue": "已超期", "pending": "有待办期限", "attention": "需处理",
                 "idle": "暂无待办"}
DOCKET_HEADERS = ("案件编号", "申请人", "当前步骤", "下一期限", "到期日", "剩余／状态")
DOCKET_EMPTY = "没有符合条件的案件。"
DOCKET_MORE = "（另有{n}项）"
DOCKET_SHOWN = "显示 {shown} / {total} 个案件"
STATE_BADGE = {"overdue": "超期", "soon": "临近", "pending": "待办", "attention": "需处理", "idle": "无待办"}
STATS_YEAR = "统计年度"
STATS_MAKE = "生成年度统计报告"

# --- case page ------------------------------------------------------------------------------
CASE_TITLE = "案件 {case}"
CASE_STEPS = "办理步骤"
CASE_STEP_HEADERS = ("步骤", "文件", "依据", "状态")
STEP_ABSENT = "尚无"
STEP_OK = "无问题"
STEP_ERRORS = "{n} 个错误"
STEP_WARNINGS = "{n} 个警告"
STEP_EDIT = "编辑"
STEP_NEXT = "进入下一步骤：{title}（生成 {file}）"
STEP_ALL_DONE = "第九条的六个步骤都已有文件。"
STEP_AFTER = "添加后续步骤"
STEP_AFTER_BUTTON = "添加"
STEP_ADDED = "已生成 {file}，请填写后保存。"
CASE_CHECK = "检查结果（与 rcmz check 相同）"
CASE_CHECK_OK = "检查通过：没有错误和警告。"
CASE_CHECK_COUNTS = "{errors} 个错误，{warnings} 个警告"
CASE_DOCUMENTS = "文书与案卷"
CASE_NO_DOCUMENTS = "尚未生成文书。"
CASE_ATTACHMENTS = "附件"
CASE_NO_ATTACHMENTS = "没有附件。"
CASE_ATTACHMENT_MISSING = "（文件不存在）"
CASE_COMMITS = "最近的提交"
CASE_NO_COMMITS = "尚无提交记录。"
CASE_UNCOMMITTED = "有未提交的改动：{files}"
RENDER = "生成文书"
DOSSIER = "生成案卷"
VERIFY = "核验案卷"
PREVIEW = "预览"
DOWNLOAD = "下载"
CANNOT_RENDER = "本案有 {n} 个错误，暂不能生成文书或案卷；请先修正："
TEST_CERT = "本局未配置正式签名证书：案卷用自动生成的测试证书签名，不能作为正式归档材料。"
NO_VOLUME = "尚无案卷，请先生成案卷。"

# --- jobs -----------------------------------------------------------------------------------
JOB_KINDS = {"render": "生成文书", "dossier": "生成案卷", "verify": "核验案卷", "stats": "年度统计"}
JOB_RUNNING = "{kind}：进行中（已用 {seconds} 秒）……"
JOB_DONE = "{kind}：完成（用时 {seconds} 秒）"
JOB_FAILED = "{kind}：未完成（用时 {seconds} 秒）"
JOB_BUSY = "本案已有一项任务在进行，请稍候。"
JOB_UNKNOWN = "找不到该任务（工作台重启后任务记录不保留）。"
JOB_OUTPUTS = "生成的文件"

# --- form -----------------------------------------------------------------------------------
EDIT_TITLE = "{step}（{file}）"
FORM_HINT = "带 * 的为必填项。输入后自动检查；Ctrl+S 保存。"
CHOOSE = "（请选择）"
YES = "是"
NO = "否"
CURRENT_VALUE = "（当前值：{value}，不在可选范围内）"
LINES_HELP = "每行一项。"
ADD_ITEM = "添加一项"
REMOVE_ITEM = "删除此项"
MOVE_UP = "上移"
MOVE_DOWN = "下移"
ITEM_LABEL = "第 {n} 项"
ITEM_NEW = "（新增）"
ITEM_SUMMARY = "：{summary}"
OPTIONAL_PRESENT = "填写“{title}”"
KEEP_VALUE = "此处的值不是表单能编辑的形式，保存时原样保留；如需修改请用编辑器打开 {file}。"
UNKNOWN_KEYS = "文件中有格式定义以外的字段，保存时原样保留：{keys}"
REQUIRED_MARK = "必填"
CHECKING = "正在检查……"
CHECK_OK = "本文件检查通过。"
CHECK_SUMMARY = "本文件 {errors} 个错误，{warnings} 个警告"
CHECK_OTHERS = "本案其他文件的问题（不影响保存本文件）"
CHECK_FAILED = "检查未完成：{reason}"
SAVE = "保存并提交"
SAVE_TITLE = "保存并提交到 git"
SAVE_DIFF = "将修改的行"
SAVE_PENDING = "此文件另有尚未提交的改动，将一并提交："
SAVE_NO_CHANGES = "没有改动，无需保存。"
SAVE_MESSAGE = "提交说明（必填）"
SAVE_MESSAGE_DEFAULT = "{case} {step}：修改 {fields}"
SAVE_MESSAGE_NEW = "{case} {step}：填写"
SAVE_MESSAGE_REQUIRED = "请填写提交说明。"
SAVE_CONFIRM_COMMENTS = "以下注释将随删除的字段一起删除，确认删除："
SAVE_CONFIRM_COMMENTS_BOX = "我已确认删除这些注释"
SAVE_CONFIRM_NEEDED = "删除带注释的字段须先确认。"
SAVE_HAS_ERRORS = "本文件还有 {n} 个错误，未保存。请先修正。"
SAVE_DONE = "已保存并提交：{commit} {message}"
SAVE_WRITTEN_NOT_COMMITTED = "文件已写入，但未能提交：{reason}。修正后再次保存即可提交。"
SAVE_CANCEL = "取消"
SAVE_CONFIRM = "提交"
CONFLICT = "文件在打开后已被修改（可能是命令行、编辑器或 git 操作），未保存。"
CONFLICT_DIFF = "打开以来文件的变化："
CONFLICT_RELOAD = "重新载入（放弃本页未保存的修改）"
CONFLICT_UNKNOWN = "（打开时的内容已不可得，无法列出变化）"
NO_GIT_SAVE = "案件文件夹不在 git 仓库中，不能保存（保存即提交）。"
YAML_BROKEN = "此文件无法解析，不能用表单编辑；请用编辑器修正后重新载入：{message}"
NOT_A_MAPPING = "此文件顶层不是键值对，不能用表单编辑；请用编辑器修正。"
DATE_WORKDAY = "{weekday}，工作日"
DATE_REST = "{weekday}，休息日（{reason}）"
DATE_WORKDAY_NOTE = "{weekday}，{reason}"
DATE_UNKNOWN = "{weekday}，缺少该年节假日安排，无法判断是否工作日"
DATE_STARTS = "起算{name}（{length}），届满日 {due}（{weekday}）"
DIFF_EMPTY = "（无变化）"
ICS_NAME = "容错免责期限.ics"
VOLUME_MARK = "-案卷"   # the volume's file name: <case>-案卷[-vN].pdf (toolkit.dossier.spec)
FIELD_MESSAGE = "第 {line} 行：{level}（{rule}）{message}"
LEVELS = {"error": "错误", "warning": "警告"}
FIELDS_JOIN = "、"
FIELDS_MORE = "等"
FIELDS_ANY = "内容"
EXAMPLE = "例如：{example}"
NOT_IN_GIT = "不在 git 仓库中"
MERGE_FAILED = "这些内容无法安全地写成 YAML（写入后读回的值不同），未保存；请检查特殊符号。"

#: Strings the browser script needs (app.js), passed as a JSON data attribute.
SCRIPT = {
    "checking": CHECKING, "checkOk": CHECK_OK, "itemLabel": ITEM_LABEL, "itemNew": ITEM_NEW,
    "messageRequired": SAVE_MESSAGE_REQUIRED, "confirmNeeded": SAVE_CONFIRM_NEEDED,
    "checkFailed": CHECK_FAILED, "noChanges": SAVE_NO_CHANGES,
}
