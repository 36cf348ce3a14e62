"""prometheus_client set up for several processes; import it before defining any metric.

With ``PROMETHEUS_MULTIPROC_DIR`` set, each process keeps its counts in files there and a scrape
adds them up (waivers/web/metrics.py). The web and worker containers share that directory
(docker/compose.yml) and may have the same process ids, so the files are named by host and id.
Files of ended processes stay and keep counting in the sum (counters only grow); empty the
directory only while every process is stopped.
"""

from __future__ import annotations

import os
import socket

from django.conf import settings
from prometheus_client import values

MULTIPROCESS = bool(settings.PROMETHEUS_MULTIPROC_DIR)

if MULTIPROCESS:
    _host = socket.gethostname()
    values.ValueClass = values.MultiProcessValue(lambda: f"{_host}_{os.getpid()}")
