"""Writes fake result files in its folder, its temp folder, $HOME and /tmp."""
import json
import os
import tempfile

FAKE = json.dumps({"score": 100, "tests": [], "status": "passed"})
for folder in (os.getcwd(), tempfile.gettempdir(), os.path.expanduser("~"), "/tmp"):
    for name in ("results.json", "grades.json", "report.xml"):
        try:
            with open(os.path.join(folder, f"kata-adversarial-{name}" if folder == "/tmp" else name), "w") as f:
                f.write(FAKE)
        except OSError:
            pass
