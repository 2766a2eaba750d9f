"""ESP-IDF integration files: the component templates render, the example's partition
table is what `hcc flash` expects, and the example's manifest asks for the camera driver."""

import jinja2

from conftest import REPO
from hcc.deploy.partitions import HCC_MODEL_TYPE, find_partition, read_partition_table

HASH_HEX = "f7cfdf60d2ad2620938ec22425009ab1"


def render(template, **values):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(REPO / "templates"), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    return env.get_template(template).render(**values)


def test_flash_idf_component_manifest_template():
    # Checked as text: PyYAML is not a dependency of hcc.
    text = render("idf_component.yml.j2", name="hcmtmm", graph_hash_hex=HASH_HEX)
    assert "targets:\n  - esp32\n  - esp32s3\n" in text
    assert text.endswith('dependencies:\n  idf: ">=5.0"\n')  # the model itself needs no camera
    assert 'description: "hcc-generated int8 inference code for the hcmtmm model"' in text


def test_flash_kconfig_template_offers_embedded_or_partition():
    text = render("Kconfig.j2", name="hcmtmm", graph_hash_hex=HASH_HEX)
    assert "choice HCC_HCMTMM_WEIGHTS" in text and "default HCC_HCMTMM_WEIGHTS_EMBEDDED" in text
    for symbol in ("HCC_HCMTMM_WEIGHTS_EMBEDDED", "HCC_HCMTMM_WEIGHTS_PARTITION", "HCC_HCMTMM_PARTITION_LABEL",
                   "HCC_HCMTMM_PARTITION_TYPE"):
        assert f"config {symbol}\n" in text
    assert 'default "hcc_model"' in text and "default 0x40" in text and HASH_HEX in text
    assert text.count("choice") == 2 and text.count("menu") == 2  # balanced: choice/endchoice, menu/endmenu
    assert "\t" not in text


def test_flash_example_partition_table_has_the_model_partition():
    parts = read_partition_table(REPO / "examples/esp32_cam/partitions.csv")
    model = find_partition(parts, "hcc_model")
    assert (model.type, model.offset, model.size) == (HCC_MODEL_TYPE, 0x210000, 0x100000)
    assert max(p.end for p in parts) <= 4 * 1024 * 1024  # the ESP32-CAM's 4 MB flash
    factory = find_partition(parts, "factory")
    assert factory.type == 0 and factory.offset % 0x10000 == 0


def test_flash_example_manifest_and_sdkconfig():
    manifest = (REPO / "examples/esp32_cam/main/idf_component.yml").read_text()
    assert '\n  espressif/esp32-camera: "^2.0.0"\n' in manifest
    sdk = (REPO / "examples/esp32_cam/sdkconfig.defaults").read_text().splitlines()
    for line in ("CONFIG_SPIRAM=y", "CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_240=y", "CONFIG_PARTITION_TABLE_CUSTOM=y",
                 'CONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions.csv"'):
        assert line in sdk
