"""Sends datagrams out: Landlock refuses only TCP, so where a job has no network namespace of its own
(grading without root on a kernel that refuses unprivileged user namespaces) UDP reached the grader's
loopback and the world (DNS, for one)."""

import socket

PORT = 0  # the test replaces this with a port it listens on

for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as out:
            out.sendto(b"leak", (host, PORT))
        print("SENT", family.name)
    except OSError as exc:
        print(f"REFUSED {family.name} errno={exc.errno};")
left, right = socket.socketpair()  # what multiprocessing and DataLoader workers use
left.sendall(b"ok")
print("UNIX", right.recv(2).decode())
