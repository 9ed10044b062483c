"""The DOCX style shell, ``templates/docx/shell.docx``: the base every DOCX document is filled into.

It is written part by part as plain WordprocessingML (no python-docx default template, no theme)
so that every style says exactly what GB/T 9704-2012 asks for, nothing is inherited from a theme
font (``w:eastAsiaTheme`` would override ``w:eastAsia``), and the file is byte-identical on every
run.  The file is committed: a bureau copies it, edits the styles in Word or WPS and names its
copy in ``bureau.yaml``; ``scripts/make_docx_shell.py`` rewrites the default after a change here
(a test fails while the committed file is stale).  A bureau's shell keeps the style ids listed in
:mod:`toolkit.render.docx` and the template paragraphs (``{%p … %}``, ``{{ … }}``).

* :mod:`.layout` — the page of :mod:`toolkit.render.geometry` in twips, and the face names;
* :mod:`.wordml` — builders for runs, paragraphs, properties and styles;
* :mod:`.styles` — the style table;
* :mod:`.body` — the template body, headers and footers;
* :mod:`.package` — the remaining parts and the zip (:func:`~.package.build`).
"""
