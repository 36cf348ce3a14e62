"""The open-queue index carries each case's state and scope.

The queue's counts per state and its scope filter then read the index alone instead of visiting
thousands of table pages (bench/README.md, "Queue page: fix").
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('waivers', '0003_bench_queue_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='waiverrequest',
            name='open_queue_by_submission',
        ),
        migrations.AddIndex(
            model_name='waiverrequest',
            index=models.Index(condition=models.Q(('state__in', ('submitted', 'under_review', 'information_requested', 'recommended'))), fields=['authority', 'submitted_at', 'id'], include=('state', 'scope'), name='open_queue_by_submission'),
        ),
    ]
