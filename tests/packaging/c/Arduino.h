/* Host stand-in for the Arduino core's Arduino.h: only what hcc's example sketches use, so
 * that they can be compiled (as C++) against the generated library without an Arduino
 * toolchain. printf carries the format attribute so -Wformat checks the sketch's calls. */
#ifndef FAKE_ARDUINO_H
#define FAKE_ARDUINO_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct FakeSerial {
    void begin(unsigned long baud);
    size_t println(const char *text);
    int printf(const char *format, ...) __attribute__((format(printf, 2, 3)));
};
extern FakeSerial Serial;
unsigned long millis(void);
void delay(unsigned long ms);
#endif
