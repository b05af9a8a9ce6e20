"""The deployment of docs/operations.md for real: nginx with deploy/nginx.conf (its own ports and a
throwaway certificate) in front of gunicorn with production settings behind a TLS proxy.
A v3 client's signed request through HTTPS is accepted (the signed URL is the one the
client saw), plain HTTP goes to HTTPS except the health check, and slow clients are held
by nginx while requests pass.

About the deployment, not the database: it runs in the SQLite pass of ``make test`` only.
"""

import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from passholders.demo import load_demo_data
from tests.conftest import KEYS
from tests.live.servers import PROJECT, database_url_of_tests, free_port, gunicorn
from tests.oauth_signing import oauthlib_request

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]

SITE = Path(settings.BASE_DIR) / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def site_for_test(upstream_port: int, http_port: int, https_port: int, certificate: Path, key: Path) -> str:
    """deploy/nginx.conf with this test's ports, addresses and certificate."""
    site = SITE.read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/certs/uitpas.example.org.pem": str(certificate),
        "/etc/ssl/private/uitpas.example.org.key": str(key),
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx.conf no longer has {old!r}"
        site = site.replace(old, new)
    return "\n".join(line for line in site.splitlines() if "listen [::]" not in line)


def main_config(folder: Path, site: Path) -> str:
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
"""


@pytest.fixture
def deployment(tmp_path):
    tmp_path.chmod(0o777)  # nginx's workers run as nobody
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    load_demo_data()
    production = {"DJANGO_HTTPS": "1", "DJANGO_PROXY_SSL_HEADER": "1"}
    with gunicorn(database_url_of_tests(), workers=2, threads=4, env=production) as upstream:
        http_port, https_port = free_port(), free_port()
        site = tmp_path / "uitpas.conf"
        site.write_text(
            site_for_test(int(upstream.rsplit(":", 1)[1]), http_port, https_port, certificate, key)
        )
        conf = tmp_path / "nginx.conf"
        conf.write_text(main_config(tmp_path, site))
        checked = subprocess.run(
            [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        nginx = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE, text=True
        )
        try:
            _wait_for(f"http://127.0.0.1:{http_port}/healthz", nginx)
            yield f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", certificate
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def _wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nginx did not answer {url}")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_signed_request_through_nginx_and_tls(deployment):
    _, https, certificate = deployment
    context = ssl.create_default_context(cafile=str(certificate))
    context.check_hostname = False
    signed = oauthlib_request(
        "GET", f"{https}/uitid/rest/uitpas/balie/countCards?balieConsumerKey={KEYS.bib_aalst}"
    )
    request = urllib.request.Request(signed.url, headers=signed.headers)
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        assert response.status == 200
        assert b"<counters>" in response.read()
    # Production settings behind the proxy: HSTS on every HTTPS answer.
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_plain_http_goes_to_https_but_the_health_check(deployment):
    http, https, _ = deployment
    opener = urllib.request.build_opener(NoRedirects)
    with pytest.raises(urllib.error.HTTPError) as moved:
        opener.open(f"{http}/admin/", timeout=5)
    assert moved.value.code == 301
    assert moved.value.headers["Location"] == "https://127.0.0.1/admin/"
    with urllib.request.urlopen(f"{http}/healthz", timeout=5) as response:
        assert response.read() == b"ok\n"


def test_nginx_holds_slow_clients_while_requests_pass(deployment):
    http, _, _ = deployment
    port = urllib.parse.urlsplit(http).port
    slow = subprocess.Popen(
        [sys.executable, "-m", "tests.live.slow_clients", "127.0.0.1", str(port), "50", "14"],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert slow.stdout.readline().strip() == "connected"
        slowest = 0.0
        while slow.poll() is None:
            started = time.monotonic()
            with urllib.request.urlopen(f"{http}/healthz", timeout=1) as response:
                assert response.status == 200
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.25)
    finally:
        slow.kill()
        slow.wait()
    assert slowest < 1
