"""A stand-in for the ESP32 ROM serial bootloader, reachable as `socket://127.0.0.1:PORT`.

It speaks the ROM loader protocol as esptool 5 uses it with `--no-stub` (SLIP framing,
`00 op len16 chk32 data` requests, `01 op len16 val32 data status(4)` responses) over TCP,
keeps a 4 MiB NOR flash in memory (erased = 0xFF, writes can only clear bits), and answers
the register reads esptool makes while connecting to an ESP32: the chip magic at
0x40001000, the UART clock divider (for the crystal estimate), the eFuse words (all zero:
an ESP32-D0WD rev v0.0 with a fixed MAC) and the SPI peripheral's user-command registers,
through which esptool reads the flash JEDEC ID (0x9F). GET_SECURITY_INFO is rejected the
way the ESP32 ROM rejects it. It serves one connection after another, so the flash keeps
its content between esptool runs (write, then verify, then read back).

Fault injection: `drop_after_data_blocks=N` closes the connection after N FLASH_DATA
packets; `corrupt_writes=True` flips one bit of every written block (so the MD5 check
must fail).

Only what esptool 5.6 needs against an ESP32 ROM is implemented; an unknown command gets
the ROM's "invalid message" status (0x05), as the real ROM answers.
"""

import hashlib
import socket
import struct
import threading

CHIP_MAGIC_REG = 0x40001000
ESP32_MAGIC = 0x00F01D83
UART_CLKDIV_REG = 0x3FF40014
XTAL_HZ = 40_000_000
SPI_BASE = 0x3FF42000
SPI_CMD_REG = SPI_BASE + 0x00
SPI_USR2_REG = SPI_BASE + 0x24
SPI_W0_REG = SPI_BASE + 0x80
SPI_CMD_USR = 1 << 18
EFUSE_BASE = 0x3FF5A000
RTCCALICFG1 = 0x3FF5F06C
# esptool's ESP32 baud-rate workaround recomputes the ROM's crystal estimate as
# cali * 15625 * ck8m / 40 (cali = RTCCALICFG1 >> 7, ck8m = eFuse word 4 & 0xFF);
# 1024 * 15625 * 100 / 40 = 40 MHz exactly, so CHANGE_BAUDRATE carries the real baud.
RTC_CALI_VALUE = 1024
EFUSE_CK8M_FREQ = 100
JEDEC_ID = 0x1640EF  # Winbond W25Q32: manufacturer 0xEF, type 0x40, capacity 0x16 (4 MiB)

FLASH_SIZE = 4 * 1024 * 1024
SECTOR = 0x1000
CHECKSUM_SEED = 0xEF

SYNC, READ_REG, WRITE_REG = 0x08, 0x0A, 0x09
FLASH_BEGIN, FLASH_DATA, FLASH_END = 0x02, 0x03, 0x04
SPI_SET_PARAMS, SPI_ATTACH, CHANGE_BAUDRATE = 0x0B, 0x0D, 0x0F
SPI_FLASH_MD5, GET_SECURITY_INFO, READ_FLASH_SLOW = 0x13, 0x14, 0x0E

ERR_INVALID_MESSAGE = 0x05
ERR_FAILED_TO_ACT = 0x06
ERR_BAD_CHECKSUM = 0x07


def slip_encode(packet: bytes) -> bytes:
    body = packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
    return b"\xc0" + body + b"\xc0"


def slip_frames(sock):
    """Yield decoded SLIP frames from a socket until it closes."""
    frame, in_frame, escape = bytearray(), False, False
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return
        for b in chunk:
            if b == 0xC0:
                if in_frame and frame:
                    yield bytes(frame)
                frame, in_frame, escape = bytearray(), True, False
            elif not in_frame:
                continue
            elif escape:
                frame.append({0xDC: 0xC0, 0xDD: 0xDB}.get(b, b))
                escape = False
            elif b == 0xDB:
                escape = True
            else:
                frame.append(b)


def data_checksum(data: bytes) -> int:
    chk = CHECKSUM_SEED
    for b in data:
        chk ^= b
    return chk


class _Dropped(Exception):
    pass


class RomStandin:
    """Run with `with RomStandin() as rom: ... rom.url ... rom.flash`."""

    def __init__(self, drop_after_data_blocks=None, corrupt_writes=False):
        self.flash = bytearray(b"\xff" * FLASH_SIZE)
        self.regs = {}
        self.log = []  # (op, length) of every request, for tests
        self.errors = []  # protocol violations seen (bad checksum, sequence...)
        self.drop_after_data_blocks = drop_after_data_blocks
        self.corrupt_writes = corrupt_writes
        self._data_blocks = 0
        self._write = None  # (offset, block_size, next_seq) during FLASH_BEGIN..END
        self._baud = 115200
        self.baud_changes = []
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(1)
        self.port = self._server.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        try:  # wakes the thread blocked in accept(); close() alone does not on Linux
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()
        self._thread.join(timeout=5)

    # -- connection handling -------------------------------------------------------------
    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self._baud = 115200  # every esptool run starts talking at the ROM's baud rate
            self._write = None
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                try:
                    for frame in slip_frames(conn):
                        for reply in self._handle(frame):
                            conn.sendall(slip_encode(reply))
                except (_Dropped, OSError):
                    pass

    def _handle(self, frame):
        if len(frame) < 8 or frame[0] != 0x00:
            return []
        _, op, length, chk = struct.unpack_from("<BBHI", frame)
        data = frame[8:]
        self.log.append((op, length))
        if length != len(data):
            return [self._reply(op, status=1, error=ERR_INVALID_MESSAGE)]
        handler = {
            SYNC: self._sync,
            READ_REG: self._read_reg,
            WRITE_REG: self._write_reg,
            SPI_ATTACH: self._ack,
            SPI_SET_PARAMS: self._ack,
            CHANGE_BAUDRATE: self._change_baud,
            FLASH_BEGIN: self._flash_begin,
            FLASH_DATA: self._flash_data,
            FLASH_END: self._flash_end,
            SPI_FLASH_MD5: self._md5,
            READ_FLASH_SLOW: self._read_flash_slow,
        }.get(op)
        if handler is None:  # includes GET_SECURITY_INFO: the ESP32 ROM does not know it
            return [self._reply(op, status=1, error=ERR_INVALID_MESSAGE)]
        try:
            return handler(op, data, chk)
        except struct.error:
            return self._fail(op, ERR_INVALID_MESSAGE, f"short packet for command {op:#04x}")

    @staticmethod
    def _reply(op, value=0, data=b"", status=0, error=0):
        body = data + bytes([status, error, 0, 0])
        return struct.pack("<BBHI", 0x01, op, len(body), value) + body

    def _fail(self, op, error, why):
        self.errors.append(why)
        return [self._reply(op, status=1, error=error)]

    # -- commands ------------------------------------------------------------------------
    def _sync(self, op, data, chk):
        if data != b"\x07\x07\x12\x20" + b"\x55" * 32:
            return self._fail(op, ERR_INVALID_MESSAGE, "bad SYNC payload")
        return [self._reply(op, value=0x20120707)] * 8  # the ROM answers SYNC 8 times

    def _ack(self, op, data, chk):
        return [self._reply(op)]

    def _change_baud(self, op, data, chk):
        baud = struct.unpack_from("<I", data)[0]
        if baud == 0:
            return self._fail(op, ERR_FAILED_TO_ACT, "CHANGE_BAUDRATE to 0")
        self._baud = baud
        self.baud_changes.append(self._baud)
        return [self._reply(op)]

    def _reg(self, addr):
        if addr == CHIP_MAGIC_REG:
            return ESP32_MAGIC
        if addr == UART_CLKDIV_REG:
            return XTAL_HZ // self._baud
        if addr == RTCCALICFG1:
            return RTC_CALI_VALUE << 7
        if addr == EFUSE_BASE + 16:
            return EFUSE_CK8M_FREQ
        if addr == EFUSE_BASE + 4:  # MAC low word (eFuse BLK0 word 1)
            return 0x56789ABC
        if addr == EFUSE_BASE + 8:  # MAC high bytes + CRC (word 2)
            return 0x00001234
        return self.regs.get(addr, 0)

    def _read_reg(self, op, data, chk):
        (addr,) = struct.unpack_from("<I", data)
        return [self._reply(op, value=self._reg(addr))]

    def _write_reg(self, op, data, chk):
        for i in range(0, len(data) - 15, 16):
            addr, value, mask, _delay = struct.unpack_from("<IIII", data, i)
            old = self.regs.get(addr, 0)
            self.regs[addr] = (old & ~mask) | (value & mask)
            if addr == SPI_CMD_REG and value & SPI_CMD_USR:
                self._run_spi_user_command()
        return [self._reply(op)]

    def _run_spi_user_command(self):
        command = self.regs.get(SPI_USR2_REG, 0) & 0xFF
        self.regs[SPI_W0_REG] = JEDEC_ID if command == 0x9F else 0  # 0x05 RDSR etc: 0
        self.regs[SPI_CMD_REG] = 0  # the user command completes at once

    def _flash_begin(self, op, data, chk):
        erase_size, num_blocks, block_size, offset = struct.unpack_from("<IIII", data)
        if offset % SECTOR or offset + erase_size > FLASH_SIZE or block_size == 0:
            return self._fail(op, ERR_FAILED_TO_ACT, f"bad FLASH_BEGIN at {offset:#x}")
        end = min(FLASH_SIZE, (offset + erase_size + SECTOR - 1) // SECTOR * SECTOR)
        self.flash[offset:end] = b"\xff" * (end - offset)
        self._write = [offset, block_size, 0, num_blocks]
        return [self._reply(op)]

    def _flash_data(self, op, data, chk):
        size, seq, _, _ = struct.unpack_from("<IIII", data)
        block = data[16:]
        if self._write is None:
            return self._fail(op, ERR_FAILED_TO_ACT, "FLASH_DATA without FLASH_BEGIN")
        offset, block_size, expected_seq, num_blocks = self._write
        if size != len(block) or size > block_size:
            return self._fail(op, ERR_INVALID_MESSAGE, f"FLASH_DATA length {size}")
        if data_checksum(block) != chk:
            return self._fail(op, ERR_BAD_CHECKSUM, f"FLASH_DATA checksum, seq {seq}")
        if seq != expected_seq or seq >= num_blocks:
            return self._fail(op, ERR_FAILED_TO_ACT, f"FLASH_DATA seq {seq} != {expected_seq}")
        self._data_blocks += 1
        if self.drop_after_data_blocks is not None and self._data_blocks > self.drop_after_data_blocks:
            raise _Dropped()
        if self.corrupt_writes:
            block = bytes([block[0] ^ 0x01]) + block[1:]
        start = offset + seq * block_size
        for i, b in enumerate(block):  # NOR flash: programming only clears bits
            self.flash[start + i] &= b
        self._write[2] += 1
        return [self._reply(op)]

    def _flash_end(self, op, data, chk):
        self._write = None
        return [self._reply(op)]

    def _md5(self, op, data, chk):
        addr, size, _, _ = struct.unpack_from("<IIII", data)
        if addr + size > FLASH_SIZE:
            return self._fail(op, ERR_FAILED_TO_ACT, "MD5 beyond flash")
        digest = hashlib.md5(self.flash[addr : addr + size]).hexdigest().encode()
        return [self._reply(op, data=digest)]  # the ROM answers 32 hex characters

    def _read_flash_slow(self, op, data, chk):
        addr, size = struct.unpack_from("<II", data)
        if size > 64 or addr + size > FLASH_SIZE:
            return self._fail(op, ERR_FAILED_TO_ACT, "READ_FLASH_SLOW out of range")
        block = bytes(self.flash[addr : addr + size]).ljust(64, b"\xff")
        return [self._reply(op, data=block)]  # always a 64-byte buffer, as the ROM does
