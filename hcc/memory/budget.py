"""The default memory budgets: what an ESP32-CAM camera application really has free.

The ESP32 has 520 KiB of SRAM, but a firmware that runs a camera and Wi-Fi leaves far less
to a model (figures from Espressif's documentation and issue threads; docs/esp32.md,
"Memory budget"):

- of the 520 KiB, about 200 KiB is instruction RAM (code and cache) and about 320 KiB data
  RAM; at most about 160 KiB of the data RAM can be allocated statically (.bss/.data);
- a camera firmware's free internal heap: about 300 KiB at boot, Wi-Fi takes 40-70 KiB,
  and on an ESP32-CAM starting the camera driver took it from 175 KiB to 117 KiB;
- a static arena (`static uint8_t arena[NAME_ARENA_SIZE]`) comes out of that same data
  RAM: every byte of it is a byte less of that heap. Keeping 17 KiB for what the
  application still allocates at run time (the inference task's stack, frame handling,
  Wi-Fi's bursts) leaves 117 - 17 = 100 KiB for the arena.

So `--sram` defaults to 100 KiB (102,400 B) and the other 420 KiB are reported as what the
rest of a typical camera firmware uses. Weights are `const` and stay in flash: the flash
budget is the ESP32-CAM's 4 MiB flash chip.
"""

from __future__ import annotations

KIB = 1024
ESP32_SRAM_BYTES = 520 * KIB
FREE_HEAP_AFTER_CAMERA_BYTES = 117 * KIB  # ESP32-CAM, camera driver started
RUNTIME_HEADROOM_BYTES = 17 * KIB  # inference task stack, run-time allocations
DEFAULT_SRAM_BUDGET = FREE_HEAP_AFTER_CAMERA_BYTES - RUNTIME_HEADROOM_BYTES  # 100 KiB
FIRMWARE_SRAM_BYTES = ESP32_SRAM_BYTES - DEFAULT_SRAM_BUDGET  # 420 KiB: code, system, drivers, heap
DEFAULT_FLASH_BUDGET = 4 * KIB * KIB

DEFAULT_SRAM_TEXT = "100k"  # the CLI's default, as written in --help
DEFAULT_FLASH_TEXT = "4M"


def firmware_note() -> str:
    """One line for `hcc plan`: where the default SRAM budget comes from."""
    return (f"ESP32-CAM:    a camera firmware (ESP-IDF, Wi-Fi, camera driver) uses about {FIRMWARE_SRAM_BYTES // KIB} KiB "
            f"of the {ESP32_SRAM_BYTES // KIB} KiB SRAM; about {DEFAULT_SRAM_BUDGET // KIB} KiB stays free for "
            f"a static arena (the default --sram; docs/esp32.md)")
