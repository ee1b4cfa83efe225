from careaudit.cases.models import ColumnMapping
from careaudit.organisation.models import Organisation


def column_mapping_save(
    *, organisation: Organisation, name: str, shape: str, columns: dict[str, str]
) -> ColumnMapping:
    """Save a column matching under a name; saving again under the same name replaces it."""
    name = " ".join(name.split())
    mapping = ColumnMapping.objects.filter(organisation=organisation, name__iexact=name).first()
    if mapping is None:
        return ColumnMapping.objects.create(
            organisation=organisation, name=name, shape=shape, columns=columns
        )
    mapping.shape, mapping.columns = shape, columns
    mapping.save(update_fields=["shape", "columns", "updated_at"])
    return mapping
