"""The image's HEALTHCHECK: is this container's API answering `/healthz`?

Standard library only, so it starts fast and needs nothing but the image's Python. It
follows the server's own settings: PORT, and HTTPS when TLS_CERTFILE is set (the
certificate is for the public name, not 127.0.0.1, so it is not verified here — this
checks that the process serves, the clients check the certificate). Exit 0 healthy, 1 not.
"""

from __future__ import annotations

import os
import ssl
import sys
import urllib.request


def main() -> int:
    tls = bool(os.environ.get("TLS_CERTFILE"))
    url = f"{'https' if tls else 'http'}://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    context = ssl._create_unverified_context() if tls else None
    try:
        with urllib.request.urlopen(url, timeout=3, context=context) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
