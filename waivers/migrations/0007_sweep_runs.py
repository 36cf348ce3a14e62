"""A record of each completed expiry sweep, so the next one re-checks only what changed since.

The certificate indexes serve its look-ups by the day a date was reached (bench/README.md).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('waivers', '0006_sweep_announcements'),
    ]

    operations = [
        migrations.CreateModel(
            name='SweepRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(help_text='The day it swept for.')),
                ('started_at', models.DateTimeField()),
                ('finished_at', models.DateTimeField()),
                ('full', models.BooleanField(help_text='Every case with expired or expiring evidence was re-checked, not only what changed since the previous sweep.')),
                ('policies', models.JSONField(default=list, help_text="Each NRA's warning window and CPP age limit it swept with: [authority id, days, days].")),
                ('cases_checked', models.PositiveIntegerField(default=0)),
                ('expiring', models.PositiveIntegerField(default=0)),
                ('expired', models.PositiveIntegerField(default=0)),
                ('lapsed', models.PositiveIntegerField(default=0)),
                ('flagged', models.PositiveIntegerField(default=0)),
                ('announced', models.PositiveIntegerField(default=0)),
                ('notifications', models.PositiveIntegerField(default=0)),
            ],
            options={
                'ordering': ['-day', '-started_at'],
            },
        ),
        migrations.AddIndex(
            model_name='certificate',
            index=models.Index(fields=['issued_on'], name='certificate_issued_on'),
        ),
        migrations.AddIndex(
            model_name='certificate',
            index=models.Index(fields=['uploaded_at'], name='certificate_uploaded_at'),
        ),
    ]
