"""Tries to reach the grader's loopback and the outside world."""
import socket

PORT = 0  # the test replaces this with a port it listens on

for host, port in (("127.0.0.1", PORT), ("1.1.1.1", 80), ("8.8.8.8", 53)):
    try:
        socket.create_connection((host, port), timeout=1).sendall(b"leak")
    except OSError:
        pass
