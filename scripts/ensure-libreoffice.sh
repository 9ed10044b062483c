#!/usr/bin/env bash
# LibreOffice Writer for the DOCX layout tests (tests/test_docx_layout.py): the DOCX of every
# document is converted to PDF once per test session and measured like the PDF.  Without it
# those tests are skipped.  Installed with apt when missing (libreoffice-writer-nogui: no GUI
# toolkit, about 300 MB); elsewhere only a hint is printed — make test goes on.
set -u
command -v soffice >/dev/null && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
if command -v apt-get >/dev/null && { [ -z "$sudo" ] || command -v sudo >/dev/null; }; then
  echo "正在安装 LibreOffice Writer（DOCX 版面测试用）……" >&2
  $sudo apt-get update -qq >/dev/null
  for pkg in libreoffice-writer-nogui libreoffice-writer; do
    if $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "$pkg" >/dev/null 2>&1; then
      exit 0
    fi
  done
fi
echo "提示：未安装 LibreOffice（soffice），DOCX 版面测试将跳过。Debian/Ubuntu：" >&2
echo "      apt-get install libreoffice-writer-nogui" >&2
exit 0
