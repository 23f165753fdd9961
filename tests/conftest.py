import matplotlib

matplotlib.use("Agg")  # tests never open windows

import pytest
from gdlab import renditions


@pytest.fixture
def website(monkeypatch):
    """Draw pictures as ``scripts/execute_notebooks.py`` does for the website: narrow
    renditions too (a reader's run, and so nbval's, draws only the wide ones)."""
    monkeypatch.setenv(renditions.WEBSITE, "1")
