"""Allocates (and touches) memory until something stops it."""
blocks = []
while True:
    blocks.append(b"\x01" * (32 * 1024 * 1024))
