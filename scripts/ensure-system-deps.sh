#!/usr/bin/env bash
# 确保系统依赖在场：免费中文字体（见 docs/fonts-and-layout.md）、qpdf、poppler-utils。
# 缺少时若 apt 可用则安装，否则说明需要安装什么（不中断：字体也可在 bureau.yaml 中另行指定）。
set -u
need=()
[ -e /usr/share/fonts/truetype/arphic/uming.ttc ] || need+=(fonts-arphic-uming)
[ -e /usr/share/fonts/truetype/arphic/ukai.ttc ] || need+=(fonts-arphic-ukai)
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
[ -e /usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf ] || need+=(fonts-lxgw-wenkai)
command -v qpdf >/dev/null || need+=(qpdf)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v gs >/dev/null || need+=(ghostscript)   # 附件转换为归档件（嵌入字体、CMYK 转 RGB）
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
if command -v apt-get >/dev/null && { [ -z "$sudo" ] || command -v sudo >/dev/null; }; then
  echo "正在安装缺少的字体与工具：${need[*]}" >&2
  if $sudo apt-get update -qq >/dev/null && \
     $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; then
    exit 0
  fi
fi
echo "提示：缺少 ${need[*]}。请用系统的包管理器安装（Debian/Ubuntu：apt-get install ${need[*]}），" >&2
echo "      或在 casefiles/bureau.yaml 的 fonts 一节指向已安装的字体文件。" >&2
exit 0
