"""Pins memory in the kernel with datagrams: each Unix datagram socket queues up to 11 datagrams of
up to 8 MiB from senders that then close. The kernel tells only the size of the first one waiting,
so a small first datagram hides the rest."""

import socket
import time

_held = []
for _index in range(16):
    _address = f"\0kata-datagrams-{_index}"
    _receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    _receiver.bind(_address)
    for _size in [1] + [4 * 2**20] * 10:
        _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        _sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2**30)
        _sender.setblocking(False)
        try:
            _sender.sendto(b"x" * _size, _address)
        except OSError:
            pass
        _sender.close()
    _held.append(_receiver)
time.sleep(60)
