from django.db import migrations


def create_symbols(apps, schema_editor):
    from trading.catalog import ensure_default_symbols

    ensure_default_symbols(apps.get_model("trading", "Symbol"))


class Migration(migrations.Migration):
    dependencies = [("trading", "0001_market_data")]

    operations = [migrations.RunPython(create_symbols, migrations.RunPython.noop)]
