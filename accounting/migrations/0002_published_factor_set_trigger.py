"""On PostgreSQL, refuse changes to a published factor set in the database itself (D10).

The model and queryset guards cover the ORM; this covers raw SQL and anything that bypasses them.
Publishing (draft → published) stays allowed: the trigger looks at the stored (OLD) status.
"""
from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION accounting_refuse_published_set() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'factor set % v% is published and cannot be changed', OLD.code, OLD.version;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION accounting_refuse_published_row() RETURNS trigger AS $$
DECLARE set_id bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN set_id := NEW.factor_set_id; ELSE set_id := OLD.factor_set_id; END IF;
    IF EXISTS (SELECT 1 FROM accounting_factorsetversion WHERE id = set_id AND status = 'published')
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM accounting_factorsetversion
                                        WHERE id = NEW.factor_set_id AND status = 'published')) THEN
        RAISE EXCEPTION 'rows of a published factor set cannot be changed';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accounting_factorsetversion_published
    BEFORE UPDATE OR DELETE ON accounting_factorsetversion
    FOR EACH ROW EXECUTE FUNCTION accounting_refuse_published_set();
CREATE TRIGGER accounting_fuelfactor_published
    BEFORE INSERT OR UPDATE OR DELETE ON accounting_fuelfactor
    FOR EACH ROW EXECUTE FUNCTION accounting_refuse_published_row();
CREATE TRIGGER accounting_factorparameter_published
    BEFORE INSERT OR UPDATE OR DELETE ON accounting_factorparameter
    FOR EACH ROW EXECUTE FUNCTION accounting_refuse_published_row();
"""

DROP = """
DROP TRIGGER IF EXISTS accounting_factorparameter_published ON accounting_factorparameter;
DROP TRIGGER IF EXISTS accounting_fuelfactor_published ON accounting_fuelfactor;
DROP TRIGGER IF EXISTS accounting_factorsetversion_published ON accounting_factorsetversion;
DROP FUNCTION IF EXISTS accounting_refuse_published_row();
DROP FUNCTION IF EXISTS accounting_refuse_published_set();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
