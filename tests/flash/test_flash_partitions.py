"""ESP-IDF partition-table CSV parsing, as used by `hcc flash` to find the model partition."""

import pytest

from hcc.deploy.partitions import find_partition, parse_int, parse_partition_table
from hcc.errors import HccError


def table(text):
    return [(p.name, p.type, p.subtype, p.offset, p.size, p.flags) for p in parse_partition_table(text)]


@pytest.mark.parametrize("text,value", [("0x1000", 4096), ("4096", 4096), ("4K", 4096), ("4k", 4096),
                                        ("1M", 1 << 20), ("0x10K", 16 * 1024), (" 64K ", 65536)])
def test_flash_partition_numbers(text, value):
    assert parse_int(text) == value


def test_flash_partition_table_idf_singleapp_layout_with_computed_offsets():
    # ESP-IDF's partitions_singleapp.csv plus a model partition; offsets left empty.
    text = """# ESP-IDF Partition Table
# Name,   Type, SubType, Offset,  Size, Flags

nvs,      data, nvs,     ,        0x6000,
phy_init, data, phy,     ,        0x1000,
factory,  app,  factory, ,        1M,
   # an indented comment
hcc_model, 0x40, 0x00,  ,        512K, readonly
"""
    assert table(text) == [
        ("nvs", 1, 2, 0x9000, 0x6000, ()),
        ("phy_init", 1, 1, 0xF000, 0x1000, ()),
        ("factory", 0, 0, 0x10000, 0x100000, ()),  # app: rounded up to 64 KiB
        ("hcc_model", 0x40, 0, 0x110000, 0x80000, ("readonly",)),
    ]


def test_flash_partition_table_mixed_given_and_computed_offsets():
    text = "nvs,data,nvs,0x9000,24K\nfactory,app,factory,0x10000,0x1F0000\nota_0,app,ota_0,,64K\nm,64,,,4096\n"
    rows = table(text)
    assert [r[3] for r in rows] == [0x9000, 0x10000, 0x200000, 0x210000]
    assert rows[2][2] == 0x10 and rows[3][1] == 0x40


def test_flash_partition_table_data_offset_rounds_to_4k():
    rows = table("a,data,nvs,,0x1800\nb,data,spiffs,,4K\n")
    assert [r[3] for r in rows] == [0x9000, 0xB000]


@pytest.mark.parametrize("text,message", [
    ("factory, app, factory, 0x11000, 1M\n", "not aligned to 0x10000"),
    ("m, 0x40, , 0x9800, 4K\n", "not aligned to 0x1000"),
    ("nvs, data, nvs, 0x4000, 4K\n", "overlaps what ends at 0x9000"),
    ("a, data, nvs, , 8K\na, data, nvs, , 8K\n", "used twice"),
    ("a, data, nvs, , \n", "has no size"),
    ("a, data, nvs, , 0\n", "has size 0"),
    ("a, data, bogus, , 4K\n", "subtype 'bogus' is not a number"),
    ("a, 0x1ff, , , 4K\n", "out of range"),
    ("a_name_longer_than_16, data, nvs, , 4K\n", "1 to 16 characters"),
    ("a, data\n", "got 2 fields"),
])
def test_flash_partition_table_errors_name_the_line(text, message):
    with pytest.raises(HccError, match=message) as err:
        parse_partition_table(text, "p.csv")
    assert str(err.value).startswith("p.csv")


def test_flash_partition_find_by_label():
    parts = parse_partition_table("nvs,data,nvs,,24K\nhcc_model,0x40,,,64K\n")
    assert find_partition(parts, "hcc_model").offset == 0xF000  # data: 4 KiB alignment only
    with pytest.raises(HccError, match="it has: nvs, hcc_model"):
        find_partition(parts, "weights")
