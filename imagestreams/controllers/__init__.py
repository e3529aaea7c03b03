"""The import controllers (spec 14): spec-tag imports and scheduled re-imports."""

__all__: list[str] = []
