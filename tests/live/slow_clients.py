"""Slow clients, run as a process of its own: opens COUNT connections to HOST:PORT, sends
the start of a request on each, then one more byte of its headers per connection every
second, never finishing them, for SECONDS; then closes them. Loopback only.

Usage: python -m tests.live.slow_clients HOST PORT COUNT SECONDS
"""

import socket
import sys
import time

HEADER = b"X-Slow: " + b"a" * 1000


def main() -> None:
    host, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    assert host in ("127.0.0.1", "localhost", "::1"), "slow clients only against this machine"
    connections = []
    for _ in range(count):
        connection = socket.create_connection((host, port), timeout=5)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        connections.append(connection)
    print("connected", flush=True)
    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline and sent < len(HEADER):
        for connection in connections:
            try:
                connection.sendall(HEADER[sent : sent + 1])
            except OSError:
                pass
        sent += 1
        time.sleep(1)
    for connection in connections:
        connection.close()


if __name__ == "__main__":
    main()
