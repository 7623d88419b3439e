"""Published figures for Ningbo that the synthetic city is built from (see docs/city.md)."""

from __future__ import annotations

# (name, permanent residents (estimate, 2020 census order of magnitude), townships and streets)
# The township counts add up to the seed's 156; resident counts are public approximations.
DISTRICTS: tuple[tuple[str, int, int], ...] = (
    ("Haishu", 1_142_000, 17),
    ("Jiangbei", 625_000, 8),
    ("Zhenhai", 545_000, 7),
    ("Beilun", 830_000, 11),
    ("Yinzhou", 1_660_000, 24),
    ("Fenghua", 577_000, 12),
    ("Yuyao", 1_255_000, 21),
    ("Cixi", 1_829_000, 20),
    ("Ninghai", 696_000, 18),
    ("Xiangshan", 560_000, 18),
)

# The seed's seven development zones, each with the district that hosts it (estimate).
DEVELOPMENT_ZONES: tuple[tuple[str, str], ...] = (
    ("Ningbo National High-tech Zone", "Yinzhou"),
    ("Ningbo Economic and Technological Development Zone", "Beilun"),
    ("Hangzhou Bay New Area", "Cixi"),
    ("Ningbo Free Trade Zone", "Beilun"),
    ("Daxie Development Zone", "Beilun"),
    ("Meishan Bonded Port Area", "Beilun"),
    ("Dongqian Lake Tourist Resort", "Yinzhou"),
)

RESIDENTS = 9_600_000  # permanent residents, 2022 (estimate)
MARKET_ENTITIES = 1_150_000  # market entities (estimate, 1.1-1.2 million)
COMMUNITIES = 3_000  # communities and villages (estimate)
IOT_TERMINALS = 2_450_000  # IoT sensing terminals (seed)
NB_IOT_CELLS = 6_500  # NB-IoT base stations (seed: 6,500+)
