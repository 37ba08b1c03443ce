from django.db import migrations


def reader_role_create(apps, schema_editor) -> None:
    from deals.ops.reader_role import reader_role_ensure

    with schema_editor.connection.cursor() as cursor:
        reader_role_ensure(cursor)


class Migration(migrations.Migration):
    """The analysts' group role deals_reader (NOLOGIN), when the migrating role may create roles.

    Its grants are applied after every migrate (deals/apps.py), once the views they name exist.
    Not reversed: a role belongs to the whole cluster, and other databases may grant it.
    """

    dependencies = [("deals", "0007_published_loads")]

    operations = [migrations.RunPython(reader_role_create, migrations.RunPython.noop)]
