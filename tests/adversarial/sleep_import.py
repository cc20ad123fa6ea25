"""Never finishes importing, and asks for no CPU while it waits."""
import time

while True:
    time.sleep(60)
