from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    """Checks passwords and nothing else: permissions come from the rules alone
    (governance/rules.py), never from permissions or groups ticked in the admin."""

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_module_perms(self, user_obj, app_label):
        return False
