"""The pages of people and groups offer no Django model permissions: rights are guardian's
on card systems, and a model permission would change nothing."""

from django.contrib.auth.models import Group


def test_a_persons_page_has_groups_but_no_model_permissions(demo, admin_as):
    form = admin_as("admin").get(f"/admin/auth/user/{demo.user('ann').pk}/change/").context["adminform"].form
    assert "groups" in form.fields
    assert "user_permissions" not in form.fields


def test_a_groups_page_has_its_name_only(demo, admin_as):
    group = Group.objects.create(name="Gent team")
    form = admin_as("admin").get(f"/admin/auth/group/{group.pk}/change/").context["adminform"].form
    assert list(form.fields) == ["name"]
