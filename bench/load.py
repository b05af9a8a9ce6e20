"""The HTTP load client, run as a process of its own: sends a fixed list of newCard
requests over ``--connections`` concurrent connections and prints what happened as JSON.

Usage: python -m bench.load HOST PORT CONNECTIONS < requests.json
where requests.json is ``{"token": ..., "forms": [{...}, ...]}`` (a DRF token), or
``{"oauth": {"consumer_key", "consumer_secret", "token", "token_secret"}, "forms": [...]}``:
each request signed with OAuth 1.0a, HMAC-SHA1, a fresh nonce and timestamp, in the
``Authorization`` header (oauthlib's client), as the v3 PHP client signs.
"""

import asyncio
import json
import re
import sys
import time
import urllib.parse

from oauthlib.oauth1 import Client

_CODE = re.compile(rb"<code>([A-Z_]+)</code>")
_PATH = "/uitpas/passholder/newCard"
_FORM = "application/x-www-form-urlencoded"


def _authorization(spec: dict, url: str, body: str) -> str:
    if "token" in spec:
        return f"Token {spec['token']}"
    oauth = spec["oauth"]
    client = Client(
        oauth["consumer_key"],
        client_secret=oauth["consumer_secret"],
        resource_owner_key=oauth["token"],
        resource_owner_secret=oauth["token_secret"],
    )
    _url, headers, _body = client.sign(url, "POST", body=body, headers={"Content-Type": _FORM})
    return headers["Authorization"]


async def send_all(host: str, port: int, connections: int, spec: dict, forms: list[dict]) -> dict:
    """newCard with each form. Requests are signed before the clock starts: a client
    signs on its own machine."""
    requests = []
    for form in forms:
        body = urllib.parse.urlencode(form)
        authorization = _authorization(spec, f"http://{host}:{port}{_PATH}", body)
        head = (
            f"POST {_PATH} HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\nAuthorization: {authorization}\r\n"
            f"Content-Type: {_FORM}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        requests.append((head + body).encode())
    return await send_requests(host, port, connections, requests)


async def send_requests(host: str, port: int, connections: int, requests: list[bytes]) -> dict:
    """Sends the raw HTTP requests over ``connections`` concurrent connections, a
    connection per request; what happened, for the table."""
    queue: asyncio.Queue = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def one_connection() -> None:
        while not queue.empty():
            request = queue.get_nowait()
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(request)
                await writer.drain()
                response = await asyncio.wait_for(reader.read(), timeout=30)
                writer.close()
            except (OSError, TimeoutError) as error:
                errors[f"connection: {error}"] = errors.get(f"connection: {error}", 0) + 1
                continue
            latencies.append(time.perf_counter() - started)
            status = response[9:12]
            if status != b"200":
                code = _CODE.search(response)
                key = f"{status.decode()} {code.group(1).decode() if code else ''}".strip()
                errors[key] = errors.get(key, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return {
        "requests": len(requests),
        "seconds": time.perf_counter() - started,
        "latencies": latencies,
        "errors": errors,
    }


def main() -> None:
    host, port, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    spec = json.load(sys.stdin)
    result = asyncio.run(send_all(host, port, connections, spec, spec["forms"]))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
