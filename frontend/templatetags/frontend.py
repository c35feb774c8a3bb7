from django import template

from frontend.assets import import_map_script

register = template.Library()


@register.simple_tag(takes_context=True)
def import_map(context):
    """`{% import_map %}`: the import map of the ES modules, with the request's CSP nonce."""
    return import_map_script(context["request"].csp_nonce)
