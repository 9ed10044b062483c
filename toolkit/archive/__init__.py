"""The 归档信息包 of a case (2012 《电子档案移交与接收办法》 / DA/T 93 layout, DA/T 46 metadata),
its DA/T 70 四性检测 and the 去技术化 transfer copy (docs/archive.md).

* :mod:`.package` — :func:`build_package`: folder and ZIP; :mod:`.metadata` — the XML;
* :mod:`.fourcheck` — :func:`check_package`, :func:`recheck` (长期保存, what changed);
* :mod:`.transfer` — the copy without signature data; :mod:`.business` — 业务行为 from the steps
  and git history; :mod:`.digests` — SHA-256 and SM3; :mod:`.xml` — schemas in schemas/archive/.
"""

from toolkit.archive.fourcheck import FourReport, check_package, recheck
from toolkit.archive.package import Package, build_package

__all__ = ["FourReport", "Package", "build_package", "check_package", "recheck"]
