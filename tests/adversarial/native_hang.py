"""Blocks inside a C call that never returns to Python (signals ignored)."""
import ctypes
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
ctypes.CDLL(None).pause()
