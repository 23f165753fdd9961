"""Companions: one module per chapter, holding that chapter's explorers and exercise checks.

``gdlab.chapters.momentum`` goes with ``chapters/03-momentum.ipynb``, and so on. A companion
imports the library (``gdlab.*``) and never another companion; the library never imports a
companion. Nothing is imported here, so a chapter loads only its own companion::

    from gdlab.chapters import momentum
    momentum.check_xy_steps([(-1, 1), (-4, 1), (-8, 5)])
"""
