"""The signed requests of docs/api.md (linked from the README) work against a server with
the demo data, as written there (only the server's address differs)."""

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.conftest import SEED_RESPONSE

API_DOC = (Path(settings.BASE_DIR) / "docs" / "api.md").read_text()


def example(name: str) -> str:
    found = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", API_DOC, flags=re.DOTALL)
    assert found, f"no {name} example in docs/api.md"
    return found.group(1)


def test_the_curl_example_counts_the_cards(demo, live_server):
    script = example("curl").replace("http://127.0.0.1:8000", live_server.url)
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "<counters>" in done.stdout and "<count>4</count>" in done.stdout, done.stdout


def test_the_python_example_sends_the_seed_request(demo, live_server):
    script = example("python").replace("http://127.0.0.1:8000", live_server.url)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == SEED_RESPONSE.decode()
