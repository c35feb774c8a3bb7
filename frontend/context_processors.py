from frontend.base_maps import base_map_config


def base_map(request):
    """The base-map configuration every map page needs (`base_map|json_script`)."""
    return {"base_map": base_map_config()}
