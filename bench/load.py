"""The HTTP load client, run as a process of its own: sends a fixed list of newCard
requests over ``--connections`` concurrent connections and prints what happened as JSON.

Usage: python -m bench.load HOST PORT CONNECTIONS < requests.json
where requests.json is ``{"token": ..., "forms": [{...}, ...]}``.
"""

import asyncio
import json
import re
import sys
import time
import urllib.parse

_CODE = re.compile(rb"<code>([A-Z_]+)</code>")


async def send_all(host: str, port: int, connections: int, token: str, forms: list[dict]) -> dict:
    queue: asyncio.Queue = asyncio.Queue()
    for form in forms:
        queue.put_nowait(form)
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def one_connection() -> None:
        while not queue.empty():
            form = queue.get_nowait()
            body = urllib.parse.urlencode(form).encode()
            head = (
                "POST /uitpas/passholder/newCard HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nAuthorization: Token {token}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(head + body)
                await writer.drain()
                response = await reader.read()
                writer.close()
            except OSError as error:
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
        "requests": len(forms),
        "seconds": time.perf_counter() - started,
        "latencies": latencies,
        "errors": errors,
    }


def main() -> None:
    host, port, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    spec = json.load(sys.stdin)
    result = asyncio.run(send_all(host, port, connections, spec["token"], spec["forms"]))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
