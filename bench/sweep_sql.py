"""One hand-written statement that does the expiry sweep's flagging, as the sweep's yardstick.

For every open case and granted waiver, it finds the GMP certificates and CPPs relied on that have
expired or enter the addressed NRA's warning window, and writes the case's validity result
(fail for expired, warn inside the window) in one INSERT … ON CONFLICT over the whole table.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from waivers.models import GRANTED_STATES, OPEN_STATES

FLAG = """
INSERT INTO waivers_checkresult (waiver_id, check_name, status, detail, ran_at)
SELECT w.id, 'validity',
       CASE WHEN min(c.valid_until) < %(today)s THEN 'fail' ELSE 'warn' END,
       CASE WHEN min(c.valid_until) < %(today)s
            THEN 'A certificate relied on expired on ' || min(c.valid_until)
            ELSE 'A certificate relied on expires on ' || min(c.valid_until) END,
       now()
  FROM waivers_certificate c
  JOIN waivers_waiverrequest_certificates wc ON wc.certificate_id = c.id
  JOIN waivers_waiverrequest w ON w.id = wc.waiverrequest_id
  JOIN waivers_reliancepolicy p ON p.authority_id = w.authority_id
 WHERE c.kind IN ('gmp', 'cpp')
   AND c.valid_until < %(today)s + p.expiry_warning_days
   AND w.state = ANY(%(states)s)
 GROUP BY w.id
ON CONFLICT (waiver_id, check_name)
DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail, ran_at = EXCLUDED.ran_at
"""


def flag(today: date) -> int:
    """Run the statement; return how many cases it flagged."""
    states = [str(s) for s in (*OPEN_STATES, *GRANTED_STATES)]
    with connection.cursor() as cursor:
        cursor.execute(FLAG, {"today": today, "states": states})
        return cursor.rowcount
