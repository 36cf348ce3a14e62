"""The open-queue index carries the columns the queue filters and sorts on.

Counts per state, the scope, assignee and overdue filters and the sort by clock then read the
index alone instead of visiting thousands of table pages (bench/README.md, "Queue page: fix").
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
            index=models.Index(condition=models.Q(('state__in', ('submitted', 'under_review', 'information_requested', 'recommended'))), fields=['authority', 'submitted_at', 'id'], include=('state', 'scope', 'reviewer', 'decided_at', 'clock_paused_since', 'clock_paused_seconds'), name='open_queue_by_submission'),
        ),
    ]
