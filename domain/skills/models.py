"""The skills taxonomy: one row per skill, bilingual, with aliases."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from domain.columns import text_array, uuid_pk


class Sector(StrEnum):
    CARE = "CARE"
    CONSTRUCTION = "CONSTRUCTION"
    MANUFACTURING = "MANUFACTURING"
    FOOD_SERVICE = "FOOD_SERVICE"
    HOSPITALITY = "HOSPITALITY"
    AGRICULTURE = "AGRICULTURE"
    LOGISTICS = "LOGISTICS"
    CLEANING = "CLEANING"
    IT = "IT"
    RETAIL = "RETAIL"
    GENERAL = "GENERAL"


class Skill(SQLModel, table=True):
    __tablename__ = "skills"
    __table_args__ = (Index("ix_skills_search_grams", "search_grams", postgresql_using="gin"),)

    id: uuid.UUID = uuid_pk()
    slug: str = Field(sa_column=Column(String(80), nullable=False, unique=True))
    sector: str = Field(sa_column=Column(String(20), nullable=False))
    name_en: str = Field(sa_column=Column(String(120), nullable=False))
    name_ja: str = Field(sa_column=Column(String(120), nullable=False))
    aliases_en: list[str] = text_array()
    aliases_ja: list[str] = text_array()
    # Normalised names and aliases joined by " | ", and their character n-grams (see text_search).
    search_text: str = Field(default="", sa_column=Column(String, nullable=False))
    search_grams: list[str] = text_array()
