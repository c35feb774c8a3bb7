"""Signs a checkpoint of the transparency log, when it grew: run it from cron or a systemd
timer (docs/TRANSPARENCY_LOG.md)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from certificates import transparency


class Command(BaseCommand):
    help = _("Signs a checkpoint of the transparency log if it grew since the last one.")

    def handle(self, *args, **options):
        made = transparency.checkpoint()
        if made is None:
            self.stdout.write(_("The log has not grown since the last checkpoint."))
            return
        self.stdout.write(
            _("Checkpoint of %(size)s entries signed with %(kid)s.")
            % {"size": made.tree_size, "kid": made.key.kid}
        )
