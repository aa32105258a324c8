from ninja import Schema


class UnitOut(Schema):
    id: int
    code: str
    name_fi: str
    name_sv: str
    name_en: str
    parent_id: int | None
    unit_type: str
    language: str
    archived: bool

    @staticmethod
    def resolve_unit_type(obj: object) -> str:
        return obj.unit_type.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_archived(obj: object) -> bool:
        return obj.archived_at is not None  # type: ignore[attr-defined]


class MeOut(Schema):
    username: str
    email: str
    organisation: str | None
    roles: list[str]
