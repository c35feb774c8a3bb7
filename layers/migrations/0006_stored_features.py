from django.db import migrations, models

# A site's GeoJSON Feature as text, all but its status (which depends on the day asked), written
# by PostgreSQL whenever the row is: a list reads the texts and closes each with the status
# (layers.selectors). Properties as layers.selectors.SITE_PROPERTIES had them when this was
# written; tests/layers/test_stored_features.py holds the two equal.
TRIGGER_SQL = """
CREATE FUNCTION layers_site_feature() RETURNS trigger
LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
BEGIN
    -- Without its last two characters: the braces that close the properties and the Feature.
    NEW.feature_start := left(json_build_object(
        'type', 'Feature', 'id', NEW.site_id, 'geometry', ST_AsGeoJSON(NEW.location, 6)::json,
        'properties', json_build_object(
            'name', NEW.name,
            'organisation_id', NEW.organisation_id,
            'organisation', NEW.organisation,
            'organisation_short_name', NEW.organisation_short_name,
            'kinds', NEW.kinds,
            'address', NEW.address,
            'province_code', NEW.province_code,
            'province', NEW.province,
            'commune_code', NEW.commune_code,
            'commune', NEW.commune,
            'phone', NEW.phone,
            'email', NEW.email,
            'website', NEW.website,
            'opening_hours', NEW.opening_hours,
            'schemes', NEW.schemes,
            'credential_numbers', NEW.credential_numbers,
            'fields', NEW.fields,
            'instruments', NEW.instruments,
            'location_method', NEW.location_method,
            'location_accuracy_m', NEW.location_accuracy_m,
            'updated_at', NEW.updated_at))::text, -2);
    RETURN NEW;
END $$;
CREATE TRIGGER layers_site_feature BEFORE INSERT OR UPDATE ON layers_siteindex
FOR EACH ROW EXECUTE FUNCTION layers_site_feature();
"""
DROP_TRIGGER_SQL = """
DROP TRIGGER layers_site_feature ON layers_siteindex;
DROP FUNCTION layers_site_feature();
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0005_nearest_by_kind")]

    operations = [
        # Each row is written again (about a minute for 100,000 sites): more than the editors'
        # statement timeout, which would cut the migration short.
        migrations.RunSQL("SET LOCAL statement_timeout = 0", migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="siteindex",
            index=models.Index(
                condition=models.Q(("published", True)),
                fields=["site"],
                include=("location",),
                name="site_index_published_ids",
            ),
        ),
        migrations.AddField(
            model_name="siteindex",
            name="feature_start",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.RunSQL(TRIGGER_SQL, DROP_TRIGGER_SQL),
        # Rows of up to 4 KB (nearly all) stay whole in their page, neither compressed nor moved
        # to the TOAST table, and the Feature is the last value moved: a 2,000-site page read
        # its Features from TOAST or decompressed them in a third of its time.
        migrations.RunSQL(
            "ALTER TABLE layers_siteindex SET (toast_tuple_target = 4080);"
            "ALTER TABLE layers_siteindex ALTER COLUMN feature_start SET STORAGE MAIN",
            "ALTER TABLE layers_siteindex RESET (toast_tuple_target);"
            "ALTER TABLE layers_siteindex ALTER COLUMN feature_start SET STORAGE EXTENDED",
        ),
        # Every row written again, for the trigger to store its Feature.
        migrations.RunSQL(
            "UPDATE layers_siteindex SET updated_at = updated_at", migrations.RunSQL.noop
        ),
    ]
