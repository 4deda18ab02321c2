"""A child for tests/reliability/test_zygote.py: says what it was started with, then exits as
its first argument says (a code, ``raise`` for an uncaught exception, ``sleep`` to wait)."""

import json
import os
import sys
import time

if __name__ == "__main__":
    how = sys.argv[1]
    print(
        json.dumps(
            {
                "cwd": os.getcwd(),
                "argv": sys.argv[1:],
                "env": os.environ.get("ECHO"),
                "tz": time.strftime("%z", time.localtime(0)),
                "ppid": os.getppid(),
            }
        ),
        flush=True,
    )
    print("to stderr", file=sys.stderr)
    if how == "raise":
        raise ValueError("uncaught")
    if how == "sleep":
        time.sleep(60)
    sys.exit(int(how))
