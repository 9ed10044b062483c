#!/usr/bin/env bash
# 确保系统依赖在场：中文字体（见 docs/fonts-and-layout.md）、qpdf、poppler-utils。
# 缺少时若 apt 可用则安装，否则说明需要安装什么（不中断：字体也可在 bureau.yaml 中另行指定）。
# 然后取得 Fandol 字体（不安装 TeX）并转换为 TrueType：scripts/fetch-fonts.sh。
# 参数（可选）：标记文件。一切齐备时建立它，make 以后就不再每次检查（make sysdeps 重新检查）；
# 缺了什么则不建立，下次 make 再试。
set -u
here="$(cd "$(dirname "$0")" && pwd)"
stamp="${1:-}"
missing() {
  need=()
  [ -e /usr/share/fonts/truetype/arphic/uming.ttc ] || need+=(fonts-arphic-uming)
  [ -e /usr/share/fonts/truetype/arphic/ukai.ttc ] || need+=(fonts-arphic-ukai)
  [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
  [ -e /usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf ] || need+=(fonts-lxgw-wenkai)
  # Noto Serif CJK SC Bold: the free face closest to 方正小标宋 (mark and titles)
  [ -e /usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc ] || need+=(fonts-noto-cjk)
  command -v qpdf >/dev/null || need+=(qpdf)
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
  command -v gs >/dev/null || need+=(ghostscript)   # 附件转换为归档件（嵌入字体、CMYK 转 RGB）
  [ ${#need[@]} -gt 0 ]
}
missing
. "$here/apt-install.sh"
install() {
  [ ${#need[@]} -eq 0 ] && return 0
  APT_WHAT="缺少的字体与工具" apt_install "${need[@]}" && return 0
  echo "提示：缺少 ${need[*]}。请用系统的包管理器安装（Debian/Ubuntu：apt-get install ${need[*]}），" >&2
  echo "      或在 casefiles/bureau.yaml 的 fonts 一节指向已安装的字体文件。" >&2
}
install
if bash "$here/fetch-fonts.sh" && ! missing && [ -n "$stamp" ]; then
  touch "$stamp"
fi
exit 0
