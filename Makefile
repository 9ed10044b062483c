# 两条命令：make dossier CASE=casefiles/<案例>   与   make test
# 第一次运行时自动建立 .venv、安装 Python 包，并在缺少免费中文字体时通过 apt 安装。
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CASE ?=
CASES ?= casefiles
OUT ?=
OUT_OPTION = $(if $(OUT),--out $(OUT))

.PHONY: setup sysdeps browser-deps test dossier dossiers check render bench serve clean

setup: $(STAMP) sysdeps

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip >/dev/null
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

sysdeps:
	@bash scripts/ensure-system-deps.sh

browser-deps:
	@bash scripts/ensure-browser-deps.sh

test: setup browser-deps
	$(BIN)/python -m pytest

check: setup
	$(BIN)/rcmz check $(CASES)

dossier: setup
	@test -n "$(CASE)" || { echo "用法：make dossier CASE=casefiles/<案例文件夹>" >&2; exit 2; }
	$(BIN)/rcmz dossier $(CASE) $(OUT_OPTION)

dossiers: setup
	$(BIN)/rcmz dossier --all $(CASES) $(OUT_OPTION)

serve: setup
	$(BIN)/rcmz serve $(CASES)

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf build
