"""The organisation: a tree of units (kommune → tjenesteområde → avdeling)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Column, Enum, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.extensions import Model, db

if TYPE_CHECKING:
    from onboarding.auth.models import User


class UnitKind(StrEnum):
    MUNICIPALITY = "municipality"
    SERVICE_AREA = "service_area"
    DEPARTMENT = "department"


unit_leaders = Table(
    "unit_leaders",
    db.metadata,
    Column("unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class OrgUnit(Model):
    """A unit in the organisation; leaders of a unit see everyone in it and below it."""

    __tablename__ = "org_units"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(
        Enum(
            UnitKind,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # The unit's code in the HR system (Visma HRM), used to match imports.
    code: Mapped[str | None] = mapped_column(String(50), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)

    parent: Mapped[OrgUnit | None] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")
    members: Mapped[list[User]] = relationship(back_populates="unit")
    leaders: Mapped[list[User]] = relationship(secondary=unit_leaders, back_populates="led_units")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.name}>"

    def ancestors(self) -> list[OrgUnit]:
        """This unit's parents, nearest first."""
        chain: list[OrgUnit] = []
        unit = self.parent
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return chain
