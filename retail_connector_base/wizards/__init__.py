from . import retail_import_wizard
