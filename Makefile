# 两条命令：make dossier CASE=casefiles/<案例>   与   make test
# 第一次运行时自动建立 .venv、安装 Python 包，并在缺少免费中文字体时通过 apt 安装。
#
#   make setup                      建立 .venv（可编辑安装，含测试与 lint 工具）和系统依赖
#   make test                       全部测试（缺少时先安装 LibreOffice，供 DOCX 版面测试）
#   make lint                       ruff check 与 mypy toolkit
#   make check [CASES=casefiles]    检查案件
#   make render CASE=... [OUT=...]  生成一个案件的文书（PDF 与 DOCX）
#   make dossier CASE=... [OUT=...] 生成一个案件的签名案卷
#   make dossiers [CASES=...]       全部已备案案件的案卷
#   make wheel                      构建 wheel 到 build/wheel/
#   make install-check              wheel 装入全新虚拟环境，在仓库外检查、生成、核验，并经 pre-commit 运行钩子
#   make bench                      基准测试
#   make clean                      删除 build/（输出、测试证书、wheel）
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSDEPS := $(VENV)/.sysdeps
CASE ?=
CASES ?= casefiles
OUT ?=
OUT_OPTION = $(if $(OUT),--out $(OUT))
NEED_CASE = @test -n "$(CASE)" || { echo "用法：make $@ CASE=casefiles/<案件文件夹>" >&2; exit 2; }

.PHONY: setup sysdeps browser-deps libreoffice test lint check render dossier dossiers wheel install-check serve bench clean

setup: $(STAMP) $(SYSDEPS)

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip >/dev/null
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

# Fonts, qpdf, poppler and the converted fonts, looked for once: the script writes $(SYSDEPS)
# only when nothing was missing (else the next make looks again); `make sysdeps` looks again.
$(SYSDEPS): scripts/ensure-system-deps.sh scripts/fetch-fonts.sh scripts/apt-install.sh | $(STAMP)
	@bash scripts/ensure-system-deps.sh $@

sysdeps: | $(STAMP)
	@bash scripts/ensure-system-deps.sh $(SYSDEPS)

browser-deps:
	@bash scripts/ensure-browser-deps.sh

# the DOCX layout tests convert with LibreOffice: installed for make test only
libreoffice:
	@bash scripts/ensure-libreoffice.sh

test: setup browser-deps libreoffice
	$(BIN)/python -m pytest

# Both run even when the first finds something; the target fails if either does.
lint: $(STAMP)
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/mypy toolkit || status=1; \
	exit $$status

check: setup
	$(BIN)/rcmz check $(CASES)

render: setup
	$(NEED_CASE)
	$(BIN)/rcmz render $(CASE) $(OUT_OPTION)

dossier: setup
	$(NEED_CASE)
	$(BIN)/rcmz dossier $(CASE) $(OUT_OPTION)

dossiers: setup
	$(BIN)/rcmz dossier --all $(CASES) $(OUT_OPTION)

serve: setup
	$(BIN)/rcmz serve $(CASES)

# setuptools builds in build/lib; cleared first so no module deleted since the last build ships.
wheel: $(STAMP)
	rm -rf build/lib build/bdist.* build/wheel
	$(BIN)/python -m pip wheel --no-deps -q -w build/wheel .
	@ls build/wheel/*.whl

# The wheel in a clean virtual environment with its dependencies from the package index, used
# from a case repository outside this checkout; the pre-commit hook through pre-commit itself.
install-check: setup
	RCMZ_INSTALL_CHECK=full $(BIN)/python -m pytest tests/test_install.py

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf build
