"""Tests of the chapter companions, gdlab.chapters.<slug> (a package, so that their names
may repeat those of the library tests: tests/chapters/test_ewma.py beside tests/test_ewma.py)."""
