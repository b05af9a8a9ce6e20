"""A load client, run as a process of its own: fires each round's requests at once.

Reads JSON from stdin: ``{"base": "http://127.0.0.1:PORT", "rounds": [[request, ...], ...]}``
where a request is ``{"method", "path", "token", "form"}`` (a DRF token), or
``{"method", "path", "headers", "body"}`` (sent as given: a signed OAuth request). For each round it opens one
connection per request, releases them together (a barrier), and waits for all answers
before the next round. Writes ``[[[status, body], ...], ...]`` as JSON to stdout.
"""

import http.client
import json
import sys
import threading
import urllib.parse


def fire(base: str, requests: list[dict]) -> list[tuple[int, str]]:
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    barrier = threading.Barrier(len(requests))
    answers: list[tuple[int, str] | None] = [None] * len(requests)

    def send(index: int, request: dict) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.connect()
        body = request.get("body") or urllib.parse.urlencode(request.get("form", {}))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **request.get("headers", {})}
        if request.get("token"):
            headers["Authorization"] = f"Token {request['token']}"
        barrier.wait()
        try:
            conn.request(request["method"], request["path"], body=body, headers=headers)
            response = conn.getresponse()
            answers[index] = (response.status, response.read().decode("utf-8", "replace"))
        except OSError as error:
            answers[index] = (0, f"connection error: {error}")
        finally:
            conn.close()

    threads = [threading.Thread(target=send, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main() -> None:
    spec = json.load(sys.stdin)
    json.dump([fire(spec["base"], round_) for round_ in spec["rounds"]], sys.stdout)


if __name__ == "__main__":
    main()
