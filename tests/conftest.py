import matplotlib

matplotlib.use("Agg")  # tests never open windows

import pytest
from gdlab import renditions


@pytest.fixture
def website(monkeypatch):
    """Draw pictures as ``scripts/execute_notebooks.py`` does for the website: narrow
    renditions too (a reader's run, and so nbval's, draws only the wide ones)."""
    monkeypatch.setenv(renditions.WEBSITE, "1")


# The longest files first, so that with ``-n auto --dist loadfile`` the workers finish
# together: every notebook run live in the browser (some eight minutes on one worker), the
# website's checks (a build and a browser visit per page, some two minutes), then the
# notebooks, then the rest in their usual order.
_FIRST = ("tests/test_live.py", "tests/test_site.py", "chapters/", "appendix/")


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return next((i for i, start in enumerate(_FIRST) if path.startswith(start)), len(_FIRST))
    items.sort(key=rank)   # a stable sort: the order within each file is kept
