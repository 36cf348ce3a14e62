"""The occasions the expiry sweep has announced, one row each, so each is announced once.

Replaces a notification per person as the sweep's once-only record (measured in bench/README.md).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('waivers', '0005_api_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Announcement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('occasion', models.CharField(max_length=40)),
                ('key', models.CharField(help_text='What the occasion is about within the case.', max_length=100)),
                ('announced_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('waiver', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='waivers.waiverrequest')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('waiver', 'occasion', 'key'), name='occasion_announced_once')],
            },
        ),
    ]
