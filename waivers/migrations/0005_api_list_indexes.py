"""Indexes the API's case list needs at national scale (measured in bench/README.md).

``GET /api/v1/waivers/`` lists what the user may see (waivers.access), most recently changed first.
For a reviewer that is the NRA's submitted cases (``SUBMITTED_TO_NRA``, the indexes' condition), for
an applicant the organisation's: each index gives the first page in order and the count from the
index alone, instead of reading and sorting every case of a large NRA. ``nra_cases_count`` holds
one deduplicated key per NRA, so counting 50,000 cases reads a sixth of the pages.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("waivers", "0004_open_queue_index_covers_its_filters")]

    operations = [
        migrations.AddIndex(
            model_name="waiverrequest",
            index=models.Index(
                condition=models.Q(
                    ("submitted_at__isnull", False), models.Q(("state", "draft"), _negated=True)
                ),
                fields=["authority", "-updated_at", "-id"],
                name="nra_cases_by_change",
            ),
        ),
        migrations.AddIndex(
            model_name="waiverrequest",
            index=models.Index(
                condition=models.Q(
                    ("submitted_at__isnull", False), models.Q(("state", "draft"), _negated=True)
                ),
                fields=["authority"],
                name="nra_cases_count",
            ),
        ),
        migrations.AddIndex(
            model_name="waiverrequest",
            index=models.Index(
                fields=["organisation", "-updated_at", "-id"], name="organisation_cases_by_change"
            ),
        ),
    ]
