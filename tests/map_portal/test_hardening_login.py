"""Signing in is locked out after repeated failures (django-axes): by address and by user name,
so neither a forged X-Forwarded-For nor changing address gets more guesses; a locked-out sign-in
never reaches the password check, even with the right password."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

LOGIN_URL = reverse("admin:login")
PASSWORD = "the-right-password-1"
LIMIT = 5


class CountingHasher(MD5PasswordHasher):
    """A real (fast) hasher that counts the passwords it checks."""

    algorithm = "counted_md5"
    checked = 0

    def verify(self, password, encoded):
        type(self).checked += 1
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def counted_passwords(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.TRUSTED_PROXY_COUNT = 0
    CountingHasher.checked = 0


@pytest.fixture
def officer(db):
    return get_user_model().objects.create_user("officer", password=PASSWORD, is_staff=True)


@pytest.fixture
def colleague(db):
    return get_user_model().objects.create_user("colleague", password=PASSWORD, is_staff=True)


def sign_in(client, username, password, address="198.51.100.1", **headers):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        headers=headers,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_fifty_wrong_passwords_reach_the_password_check_only_until_the_lockout(client, officer):
    statuses = [sign_in(client, "officer", f"guess-{n}").status_code for n in range(50)]

    assert CountingHasher.checked == LIMIT
    assert statuses[: LIMIT - 1] == [200] * (LIMIT - 1)  # the form again, with its error
    assert statuses[LIMIT - 1 :] == [429] * (50 - LIMIT + 1)


def test_the_right_password_after_the_lockout_is_refused(client, officer):
    for n in range(LIMIT):
        sign_in(client, "officer", f"guess-{n}")

    response = sign_in(client, "officer", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(response)
    assert CountingHasher.checked == LIMIT


def test_a_forged_x_forwarded_for_neither_resets_nor_evades_the_lockout(client, officer):
    statuses = [
        sign_in(client, "officer", f"guess-{n}", **{"X-Forwarded-For": f"203.0.113.{n}"})
        for n in range(50)
    ]
    last = sign_in(client, "officer", PASSWORD, **{"X-Forwarded-For": "192.0.2.200"})

    assert [response.status_code for response in statuses[LIMIT - 1 :]] == [429] * 46
    assert last.status_code == 429
    assert CountingHasher.checked == LIMIT
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


def test_guessing_from_ever_new_addresses_is_locked_out_by_the_user_name(client, officer):
    for n in range(50):
        sign_in(client, "officer", f"guess-{n}", address=f"10.0.{n // 250}.{n % 250 + 1}")

    response = sign_in(client, "officer", PASSWORD, address="192.0.2.99")

    assert response.status_code == 429
    assert CountingHasher.checked == LIMIT


def test_an_address_that_guessed_too_often_is_locked_out_for_every_user_name(
    client, officer, colleague
):
    for n in range(LIMIT):
        sign_in(client, f"user-{n}", "guess", address="198.51.100.66")

    assert sign_in(client, "colleague", PASSWORD, address="198.51.100.66").status_code == 429


def test_another_user_elsewhere_signs_in_while_one_is_locked_out(client, officer, colleague):
    for n in range(LIMIT):
        sign_in(client, "officer", f"guess-{n}", address="198.51.100.66")

    assert signed_in(sign_in(client, "colleague", PASSWORD, address="192.0.2.10"))


def test_behind_a_trusted_proxy_the_address_the_proxy_saw_is_counted(
    client, settings, officer, colleague
):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(50):
        forged = f"10.9.8.{n}, 203.0.113.7"  # the visitor wrote the first, the proxy the last
        sign_in(client, f"user-{n}", "guess", address="127.0.0.1", **{"X-Forwarded-For": forged})

    locked = sign_in(
        client, "colleague", PASSWORD, address="127.0.0.1", **{"X-Forwarded-For": "203.0.113.7"}
    )
    elsewhere = sign_in(
        client, "colleague", PASSWORD, address="127.0.0.1", **{"X-Forwarded-For": "203.0.113.8"}
    )

    assert locked.status_code == 429
    assert signed_in(elsewhere)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_the_locked_out_page_says_how_long_to_wait_in_the_visitors_language(client, officer):
    for n in range(LIMIT):
        response = sign_in(client, "officer", f"guess-{n}", **{"Accept-Language": "en"})

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "frontend/locked_out.html" in [template.name for template in response.templates]
    assert '<html lang="en">' in response.text
    assert "Signing in is blocked for 15 minutes" in response.text
    vietnamese = sign_in(client, "officer", PASSWORD, **{"Accept-Language": "vi"})
    assert '<html lang="vi">' in vietnamese.text


def test_the_lockout_ends_after_the_cool_off(client, settings, officer):
    for n in range(LIMIT):
        sign_in(client, "officer", f"guess-{n}")

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1)
    )

    assert signed_in(sign_in(client, "officer", PASSWORD))


def test_an_administrator_unlocks_a_user_name_at_once(client, officer):
    for n in range(LIMIT):
        sign_in(client, "officer", f"guess-{n}", address=f"10.0.0.{n + 1}")

    call_command("axes_reset_username", "officer", verbosity=0)

    assert signed_in(sign_in(client, "officer", PASSWORD, address="192.0.2.10"))


def test_a_failure_during_the_lockout_starts_the_wait_again(client, settings, officer):
    def ten_minutes_pass():
        for attempt in AccessAttempt.objects.all():
            attempt.attempt_time -= timezone.timedelta(minutes=10)
            attempt.save()

    for n in range(LIMIT):
        sign_in(client, "officer", f"guess-{n}")
    ten_minutes_pass()
    sign_in(client, "officer", "one-more-guess")
    ten_minutes_pass()

    assert sign_in(client, "officer", PASSWORD).status_code == 429
